"""Danish display formats, used by every renderer (CLI text, reports, statements, alerts)."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction


def kr(oere: int | Decimal | Fraction) -> str:
    """Danish money: 1.234,50 kr. (øre in; rounded half away from zero to whole øre)."""
    value = Fraction(oere)
    sign = "-" if value < 0 else ""
    whole, rest = divmod(abs(value.numerator), value.denominator)
    oere_int = whole + (1 if 2 * rest >= value.denominator else 0)
    krone, small = divmod(oere_int, 100)
    return f"{sign}{krone:,}".replace(",", ".") + f",{small:02d} kr."


def number(value: int | float, decimals: int = 0) -> str:
    """Danish thousands and decimal comma: 1.891.778, or 1.234,50 with `decimals` = 2."""
    text = f"{float(value):,.{decimals}f}" if decimals else f"{value:,}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def percent(share: Fraction | float, decimals: int = 4) -> str:
    return f"{float(share) * 100:.{decimals}f} %".replace(".", ",")


def share_text(coverage) -> str:
    """The coverage shares of an agreement-period's vacant days: '50 %' or '75 % / 50 %'."""
    shares = []
    for _, _, share in coverage:
        text = format(float(share * 100), "g").replace(".", ",") + " %"
        if text not in shares:
            shares.append(text)
    return " / ".join(shares)
