"""Cross-row and cross-table checks on typed inputs (SPEC rules 2 and 4, workbook integrity).

Each check returns messages; none raises. Row-level rules of a single field live in
`parse.py`; rules that need the computed vacancy (missing rates, missing population on the key
date) live with the computation in `settlement.py`.
"""
from __future__ import annotations


import numpy as np

from xl_underskud.core import municipalities as muni
from xl_underskud.core.dates import fmt
from xl_underskud.core.records import Inputs, Message, cell_error, cell_warning
from xl_underskud.core.declarations import AFTALER, BEFOLKNING, OPHOLD, PLADSER, TAKSTER, Table
from xl_underskud.core.stay_columns import OPEN, stay_columns


def check_inputs(inputs: Inputs) -> list[Message]:
    messages: list[Message] = []
    messages += _duplicates(AFTALER, inputs.agreements, lambda a: (a.agreement_id,),
                            lambda k: f'{AFTALER.header("agreement_id")} "{k[0]}"')
    messages += _duplicates(PLADSER, inputs.places, lambda p: (p.agreement_id, p.place_no),
                            lambda k: f"Plads {k[1]} i aftale {k[0]}")
    messages += _duplicates(TAKSTER, inputs.rates, lambda r: (r.agreement_id, r.year),
                            lambda k: f"Taksten for aftale {k[0]} i {k[1]}")
    messages += _duplicates(OPHOLD, inputs.stays, lambda s: (s.stay_id,),
                            lambda k: f'{OPHOLD.header("stay_id")} "{k[0]}"')
    messages += _duplicates(BEFOLKNING, inputs.population,
                            lambda p: (p.municipality_code, p.key_date),
                            lambda k: f"Folketallet for kommune {k[0]} pr. {fmt(k[1])}")
    messages += _references(inputs)
    messages += _stay_dates(inputs)
    messages += _overlaps(inputs)
    messages += _max_places(inputs)
    messages += _operators(inputs)
    return messages


def _duplicates(table: Table, records, key, describe) -> list[Message]:
    first_row: dict = {}
    out = []
    for rec in records:
        k = key(rec)
        if k in first_row:
            out.append(cell_error(table, rec.row, table.unique[-1],
                             f"{describe(k)} står to gange (også i række {first_row[k]})."))
        else:
            first_row[k] = rec.row
    return out


def _references(inputs: Inputs) -> list[Message]:
    out = []
    agreements = {}
    for a in inputs.agreements:  # a duplicated id is reported once; its first row counts
        agreements.setdefault(a.agreement_id, a)
    places = {(p.agreement_id, p.place_no) for p in inputs.places}

    def unknown_agreement(table, row, agreement_id):
        hint = muni.suggestion(agreement_id, agreements)
        out.append(cell_error(table, row, "agreement_id",
                              f'Aftale "{agreement_id}" findes ikke på arket {AFTALER.sheet}.{hint}'))

    for p in inputs.places:
        a = agreements.get(p.agreement_id)
        if a is None:
            unknown_agreement(PLADSER, p.row, p.agreement_id)
        elif p.place_no > a.places:
            out.append(cell_error(PLADSER, p.row, "place_no",
                             f"Plads {p.place_no} findes ikke: aftale {a.agreement_id} har "
                             f"{a.places} pladser."))
    for r in inputs.rates:
        if r.agreement_id not in agreements:
            unknown_agreement(TAKSTER, r.row, r.agreement_id)
    for s in inputs.stays:
        a = agreements.get(s.agreement_id)
        if a is None:
            unknown_agreement(OPHOLD, s.row, s.agreement_id)
        elif s.place_no > a.places:
            out.append(cell_error(OPHOLD, s.row, "place_no",
                             f"Plads {s.place_no} findes ikke: aftale {a.agreement_id} har "
                             f"{a.places} pladser."))
        elif (s.agreement_id, s.place_no) not in places:
            out.append(cell_error(OPHOLD, s.row, "place_no",
                                  f"Plads {s.place_no} i aftale {s.agreement_id} står ikke på "
                                  f"arket {PLADSER.sheet}."))
    return out


def _stay_dates(inputs: Inputs) -> list[Message]:
    out = []
    frm, to, paid = (OPHOLD.header(f) for f in ("from_date", "to_date", "paid_until"))
    for s in inputs.stays:
        if s.to_date is not None and s.to_date < s.from_date:
            out.append(cell_error(OPHOLD, s.row, "to_date",
                                  f"{to} {fmt(s.to_date)} ligger før {frm} {fmt(s.from_date)}."))
        if s.paid_until is not None:
            if s.to_date is not None and s.paid_until < s.to_date:
                out.append(cell_error(OPHOLD, s.row, "paid_until",
                                      f"{paid} {fmt(s.paid_until)} ligger før {to} "
                                      f"{fmt(s.to_date)}."))
            elif s.to_date is None:
                out.append(cell_warning(OPHOLD, s.row, "paid_until",
                                        f"{paid} er udfyldt, men {to} er tom: opholdet regnes "
                                        f"som igangværende, og {paid} bruges ikke."))
    return out


def _overlaps(inputs: Inputs) -> list[Message]:
    """Two stays may not occupy a place on the same day; a re-let inside a notice period may.

    Occupancy is Fra dato … Til dato (both inclusive; blank Til dato = still there). The
    notice period after Til dato is paid but not occupied, so a new stay may start in it.
    """
    cols = stay_columns(inputs.stays)
    valid = np.flatnonzero(cols.to >= cols.begin)  # Til dato before Fra dato: reported apart
    if not len(valid):
        return []
    # Vectorised over all places at once (a nationwide workbook has 100,000 stays): sort by
    # place and start; a stay overlaps when it starts on or before the furthest end so far
    # within its place. Keys put each place in its own range so one running maximum serves all.
    stays = [inputs.stays[i] for i in valid.tolist()]
    place, begin, finish = cols.place[valid], cols.begin[valid], cols.to[valid]
    rows = cols.row[valid]
    order = np.lexsort((rows, begin, place))
    span = OPEN + 1
    key_begin = (place * span + begin)[order]
    key_finish = (place * span + finish)[order]
    reach = np.maximum.accumulate(key_finish)
    # Index of the latest stay that attains the running maximum: the stay a newcomer collides
    # with. One pass (O(n log n) with the sort), not a search back per overlapping stay.
    position = np.arange(len(key_finish))
    reacher = np.maximum.accumulate(np.where(key_finish == reach, position, 0))
    overlapping = np.flatnonzero(key_begin[1:] <= reach[:-1]) + 1
    out = []
    for i in overlapping.tolist():
        s = stays[order[i]]
        latest = stays[order[reacher[i - 1]]]
        out.append(cell_error(OPHOLD, s.row, "from_date",
                         f"Opholdet {s.stay_id} overlapper ophold {latest.stay_id} "
                         f"(række {latest.row}) på plads {s.place_no} i aftale "
                         f"{s.agreement_id} fra {fmt(s.from_date)}: to borgere kan ikke "
                         f"bruge samme plads samme dag uden for en opsigelsesperiode."))
    return out


def _max_places(inputs: Inputs) -> list[Message]:
    total = sum(a.places for a in inputs.agreements)
    limit = inputs.settings.max_places_total
    if total > limit:
        last_row = max((a.row or 0 for a in inputs.agreements), default=None)
        return [cell_error(AFTALER, last_row, "places",
                      f"Aftalerne dækker {total} pladser i alt; modellen tillader højst {limit} "
                      f"(indstillingen MaksPladser).")]
    return []


def _operators(inputs: Inputs) -> list[Message]:
    """SPEC rule 2: the operator is one of the paying municipalities or the region they belong
    to ("Roskilde Kommune" does not operate a place the 29 of Hovedstaden guarantee)."""
    paying = {p.municipality_code for p in inputs.population
              if p.municipality_code not in muni.REGIONS}
    if not paying:
        return []  # no key at all: reported where an amount needs one
    region_of = {m.code: m.region_code for m in muni.all_municipalities()}
    regions = {region_of[code] for code in paying if code in region_of}
    names = muni.names_by_code()
    out = []
    for a in inputs.agreements:
        if a.operator_code in paying or a.operator_code in regions:
            continue
        allowed = " eller ".join(names[r] for r in sorted(regions))
        out.append(cell_error(AFTALER, a.row, "operator",
                              f'{a.operator} er hverken en af de betalende kommuner (dem med '
                              f'folketal på arket {BEFOLKNING.sheet}) eller deres region '
                              f'({allowed}). Driftsherren skal være en af dem (modellens regel '
                              f'om forpligtende købsaftaler).'))
    return out
