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


class Records:
    """A list of objects that all have the same keys, given as the keys and an iterable of
    value tuples: iterating gives the objects (dicts); `write_json` writes the text without
    building them. Values are JSON scalars."""

    def __init__(self, keys: tuple[str, ...], rows: Iterable[tuple]):
        self.keys, self.rows = keys, rows

    def __iter__(self) -> Iterator[dict]:
        keys = self.keys
        return (dict(zip(keys, row)) for row in self.rows)


def settlement_sections(s: Settlement, origin: Origin | None = None
                        ) -> Iterator[tuple[str, object]]:
    """The settlement document's keys in order, each list as an iterator of its items (so
    that `write_json` can stream a nationwide document without holding it)."""
    yield "format", SETTLEMENT_FORMAT
    yield "kilde", source_json(origin)
    yield "aftaler", Records(
        ("aftale_id", "periode", "vinduesdoegn", "betalte_doegn", "tomme_doegn", "beloeb_oere"),
        ((ap.agreement_id, ap.period, ap.window_days, ap.paid_days, ap.vacant_days,
          ap.amount_oere)
         for ap in sorted(s.agreement_periods, key=lambda ap: (ap.agreement_id, ap.period))))
    yield "fordeling", Records(
        ("aftale_id", "periode", "kommunekode", "kommune", "folketal", "beloeb_oere"),
        ((agreement_id, period, code, name, population, oere)
         for agreement_id, period, code, name, population, _, oere in s.part_rows()))
    yield "efterregulering", Records(
        ("aftale_id", "periode", "kommunekode", "beregnet_oere", "afregnet_oere",
         "difference_oere"),
        ((a.agreement_id, a.period, a.municipality_code, a.computed_oere, a.settled_oere,
          a.difference_oere) for a in s.adjustments))
    yield "kommuner", Records(
        ("kommunekode", "kommune", "periode", "betaler_oere", "modtager_oere", "netto_oere"),
        ((m.code, m.name, m.period, m.pays_oere, m.receives_oere, m.net_oere)
         for m in sorted(s.positions, key=lambda m: (m.code, m.period))))
    shared = cache(exact)  # few distinct shares and rates
    yield "tomgang", Records(
        ("aftale_id", "plads", "periode", "fra", "til", "doegn", "garantiaar", "daekningsandel",
         "doegntakst", "vaerdi"),
        ((r.agreement_id, r.place_no, r.period, r.first.isoformat(), r.last.isoformat(), r.days,
          r.guarantee_year, shared(r.share), shared(r.daily_rate, 2), exact(r.value, 2))
         for r in s.runs))  # sorted by agreement, place and first day
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


def _record_items(keys: tuple[str, ...], batch: list[tuple]) -> str:
    """`_items` of the objects `Records` stands for: each column of the batch encoded by one
    C-encoder call (values separated by a bare newline, which encoded text never holds), then
    each object from a template of its keys."""
    template = "{\n      " + ",\n      ".join(
        f"{encode_basestring(k).replace('%', '%%')}: %s" for k in keys) + "\n    }"
    columns = [_BATCH(list(column))[1:-1].split("\n") for column in zip(*batch)]
    return ",\n    ".join([template % values for values in zip(*columns)])


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
        records = isinstance(value, Records)
        items = iter(value.rows if records else value)
        empty = True
        while chunk := list(islice(items, batch)):
            out.write(("[\n    " if empty else ",\n    ")
                      + (_record_items(value.keys, chunk) if records else _items(chunk)))
            empty = False
        out.write("[]" if empty else "\n  ]")
    out.write("\n}\n" if not first else "}\n")


def exact(value: Decimal | Fraction | int, decimals: int = 0) -> str:
    """An exact number as text: '4995.50', '0.5', '-64998.30025', or 'p/q' when the decimal
    expansion does not terminate. At least `decimals` decimals; never rounded."""
    if type(value) is Decimal and value.is_finite():  # exact as it is: its digits
        sign, digits, exponent = value.as_tuple()
        if exponent >= 0 or not any(digits):
            value = int(value)
        else:
            text = "".join(map(str, digits)).rjust(1 - exponent, "0")
            whole, frac = text[:exponent], text[exponent:].rstrip("0").ljust(decimals, "0")
            return f"{'-' if sign else ''}{whole}.{frac}" if frac else f"{'-' if sign else ''}{whole}"
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
