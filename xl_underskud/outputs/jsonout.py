"""The machine-readable settlement: formats xl-underskud/afregning@2 and xl-underskud/fejl@1.

@2 is @1 plus the audit trail (SPEC rule 13): `tomgang`, the runs of vacant days behind every
amount, and `fradrag`, the normal-vacancy deduction of rule 5 (empty when the setting is off).
Their decimals are exact strings in kr. (or days): a terminating decimal with at least the
decimals a figure has (money at least two), or `p/q` where the exact value does not terminate
(a deduction shared in proportion to vacant days). Per agreement-period the runs' and the
deduction's values, summed and rounded once half away from zero to øre, are `beloeb_oere`.
"""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from xl_underskud.core.records import Message, Origin
from xl_underskud.core.rules.settlement import Settlement

SETTLEMENT_FORMAT = "xl-underskud/afregning@2"
ERROR_FORMAT = "xl-underskud/fejl@1"


def source_json(origin: Origin | None) -> dict:
    """The input the output was computed from (SPEC rule 13)."""
    return {"fil": origin.name, "sha256": origin.sha256} if origin else {"fil": None, "sha256": None}


def settlement_json(s: Settlement, origin: Origin | None = None) -> dict:
    return {
        "format": SETTLEMENT_FORMAT,
        "kilde": source_json(origin),
        "aftaler": [
            {"aftale_id": ap.agreement_id, "periode": ap.period, "vinduesdoegn": ap.window_days,
             "betalte_doegn": ap.paid_days, "tomme_doegn": ap.vacant_days,
             "beloeb_oere": ap.amount_oere}
            for ap in sorted(s.agreement_periods, key=lambda ap: (ap.agreement_id, ap.period))
        ],
        "fordeling": [
            {"aftale_id": p.agreement_id, "periode": p.period, "kommunekode": p.municipality_code,
             "kommune": p.municipality, "folketal": p.population, "beloeb_oere": p.amount_oere}
            for p in sorted(s.parts, key=lambda p: (p.agreement_id, p.period, p.municipality_code))
        ],
        "kommuner": [
            {"kommunekode": m.code, "kommune": m.name, "periode": m.period,
             "betaler_oere": m.pays_oere, "modtager_oere": m.receives_oere,
             "netto_oere": m.net_oere}
            for m in sorted(s.positions, key=lambda m: (m.code, m.period))
        ],
        "tomgang": [
            {"aftale_id": r.agreement_id, "plads": r.place_no, "periode": r.period,
             "fra": r.first.isoformat(), "til": r.last.isoformat(), "doegn": r.days,
             "garantiaar": r.guarantee_year, "daekningsandel": exact(r.share),
             "doegntakst": exact(r.daily_rate, 2), "vaerdi": exact(r.value, 2)}
            for r in s.runs  # sorted by agreement, place and first day
        ],
        "fradrag": [
            {"aftale_id": ap.agreement_id, "periode": ap.period, "doegn": exact(ap.deducted_days),
             "vaerdi": exact(-ap.deducted_oere / 100, 2)}
            for ap in sorted(s.deductions, key=lambda ap: (ap.agreement_id, ap.period))
        ],
        "advarsler": [m.as_dict() for m in s.warnings if not m.is_error],
    }


def exact(value: Decimal | Fraction | int, decimals: int = 0) -> str:
    """An exact number as text: '4995.50', '0.5', '-64998.30025', or 'p/q' when the decimal
    expansion does not terminate. At least `decimals` decimals; never rounded."""
    value = Fraction(value)
    q, places = value.denominator, 0
    while q % 10 == 0 or q % 2 == 0 or q % 5 == 0:  # integer arithmetic only: never rounded
        q //= 10 if q % 10 == 0 else (2 if q % 2 == 0 else 5)
        places += 1
    if q != 1:
        return f"{value.numerator}/{value.denominator}"
    digits = abs(value.numerator) * 10 ** places // value.denominator
    whole, frac = divmod(digits, 10 ** places)
    frac = (str(frac).rjust(places, "0") if places else "").rstrip("0").ljust(decimals, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}"


def errors_json(messages: list[Message], origin: Origin | None = None) -> dict:
    return {"format": ERROR_FORMAT, "kilde": source_json(origin),
            "fejl": [m.as_dict() for m in messages if m.is_error]}
