"""The machine-readable settlement: formats xl-underskud/afregning@3 and xl-underskud/fejl@1.

@2 is @1 plus the audit trail (SPEC rule 13): `tomgang`, the runs of vacant days behind every
amount, and `fradrag`, the normal-vacancy deduction of rule 5 (empty when the setting is off).
Their decimals are exact strings in kr. (or days): a terminating decimal with at least the
decimals a figure has (money at least two), or `p/q` where the exact value does not terminate
(a deduction shared in proportion to vacant days). Per agreement-period the runs' and the
deduction's values, summed and rounded once half away from zero to øre, are `beloeb_oere`.

@3 is @2 plus `efterregulering` (SPEC rule 14), after `fordeling`: with rows in the ledger
tblAfregnet, one item per agreement, period and paying municipality of a settled period the
computation covers whose recomputed part differs from the sum settled — `aftale_id`,
`periode`, `kommunekode`, `beregnet_oere` (now; 0 when no longer computed), `afregnet_oere`
(the sum of its ledger rows; 0 when none) and `difference_oere` = beregnet − afregnet (> 0: the
municipality owes it now; < 0: it is refunded). Sorted like `fordeling` (agreement, period,
municipality code); empty without a ledger, and when the data settled has not changed.
"""
from __future__ import annotations

import json
from functools import cache
from itertools import chain, islice
from collections.abc import Iterable, Iterator
from decimal import Decimal
from fractions import Fraction
from json.encoder import encode_basestring
from typing import TextIO

from xl_underskud.core.records import Message, Origin
from xl_underskud.core.rules.settlement import Settlement

SETTLEMENT_FORMAT = "xl-underskud/afregning@3"
ERROR_FORMAT = "xl-underskud/fejl@1"


def source_json(origin: Origin | None) -> dict:
    """The input the output was computed from (SPEC rule 13)."""
    return {"fil": origin.name, "sha256": origin.sha256} if origin else {"fil": None, "sha256": None}


def settlement_json(s: Settlement, origin: Origin | None = None) -> dict:
    return {key: value if isinstance(value, dict | str) else list(value)
            for key, value in settlement_sections(s, origin)}


def settlement_sections(s: Settlement, origin: Origin | None = None
                        ) -> Iterator[tuple[str, object]]:
    """The settlement document's keys in order, each list as an iterator of its items (so
    that `write_json` can stream a nationwide document without holding it)."""
    yield "format", SETTLEMENT_FORMAT
    yield "kilde", source_json(origin)
    yield "aftaler", (
        {"aftale_id": ap.agreement_id, "periode": ap.period, "vinduesdoegn": ap.window_days,
         "betalte_doegn": ap.paid_days, "tomme_doegn": ap.vacant_days,
         "beloeb_oere": ap.amount_oere}
        for ap in sorted(s.agreement_periods, key=lambda ap: (ap.agreement_id, ap.period)))
    yield "fordeling", (
        {"aftale_id": agreement_id, "periode": period, "kommunekode": code, "kommune": name,
         "folketal": population, "beloeb_oere": oere}
        for agreement_id, period, code, name, population, _, oere in s.part_rows())
    yield "efterregulering", (
        {"aftale_id": a.agreement_id, "periode": a.period, "kommunekode": a.municipality_code,
         "beregnet_oere": a.computed_oere, "afregnet_oere": a.settled_oere,
         "difference_oere": a.difference_oere}
        for a in s.adjustments)
    yield "kommuner", (
        {"kommunekode": m.code, "kommune": m.name, "periode": m.period,
         "betaler_oere": m.pays_oere, "modtager_oere": m.receives_oere,
         "netto_oere": m.net_oere}
        for m in sorted(s.positions, key=lambda m: (m.code, m.period)))
    shared = cache(exact)  # few distinct shares and rates
    yield "tomgang", (
        {"aftale_id": r.agreement_id, "plads": r.place_no, "periode": r.period,
         "fra": r.first.isoformat(), "til": r.last.isoformat(), "doegn": r.days,
         "garantiaar": r.guarantee_year, "daekningsandel": shared(r.share),
         "doegntakst": shared(r.daily_rate, 2), "vaerdi": exact(r.value, 2)}
        for r in s.runs)  # sorted by agreement, place and first day
    yield "fradrag", (
        {"aftale_id": ap.agreement_id, "periode": ap.period, "doegn": exact(ap.deducted_days),
         "vaerdi": exact(-ap.deducted_oere / 100, 2)}
        for ap in sorted(s.deductions, key=lambda ap: (ap.agreement_id, ap.period)))
    yield "advarsler", (m.as_dict() for m in s.warnings if not m.is_error)


_SCALARS = frozenset((str, int, float, bool, type(None)))
# One C-encoder call for a batch of objects: separated by a bare newline only, which encoded
# text never holds otherwise (a newline in a string is escaped as \\n). Between two objects
# the newline stands between '}' and '{', between two members before the next key's '"'.
_BATCH = json.JSONEncoder(ensure_ascii=False, separators=("\n", ": ")).encode


def _is_flat(batch: list) -> bool:
    """Every item a non-empty object of scalars with text keys (tested at C speed)."""
    return (set(map(type, batch)) == {dict} and all(batch)
            and set(map(type, chain.from_iterable(batch))) == {str}
            and _SCALARS.issuperset(map(type, chain.from_iterable(map(dict.values, batch)))))


def _items(batch: list) -> str:
    """The items of a list at depth 1, each at depth 2, as json.dumps(..., indent=2) writes
    them, without the separators before the first and after the last."""
    if batch and _is_flat(batch):  # the indent=2 text, by the C encoder
        body = _BATCH(batch)[2:-2].replace("}\n{", "\n    },\n    {\n      ")
        return "{\n      " + body.replace('\n"', ',\n      "') + "\n    }"
    return ",\n    ".join(_indented(item, 2) for item in batch)


def _indented(value, depth: int) -> str:
    """`value` exactly as json.dumps(..., ensure_ascii=False, indent=2) writes it nested
    `depth` levels deep."""
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * depth)


def write_json(sections: Iterable[tuple[str, object]], out: TextIO, batch: int = 2000) -> None:
    """A document of `sections` (key, value; a list may be any iterable) to `out`, byte for
    byte as print(json.dumps(document, ensure_ascii=False, indent=2)) would, but a batch of
    items at a time: the whole text (or document) is never held."""
    out.write("{")
    first = True
    for key, value in sections:
        out.write(("\n" if first else ",\n") + f"  {encode_basestring(key)}: ")
        first = False
        if isinstance(value, dict | str | int | float | bool) or value is None:
            out.write(_indented(value, 1))
            continue
        items = iter(value)
        empty = True
        while chunk := list(islice(items, batch)):
            out.write(("[\n    " if empty else ",\n    ") + _items(chunk))
            empty = False
        out.write("[]" if empty else "\n  ]")
    out.write("\n}\n" if not first else "}\n")


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
