"""The stays as columns of day numbers, built once per settlement and shared by the rules.

A nationwide workbook has 100,000 stays; the windows (first stay per place), the vacant days
(paid intervals) and the overlap check all need the same day numbers. Building them in one
pass over the records, and keeping them beside the tuple they came from, saves the rules from
walking the records again.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

OPEN = date(9999, 12, 31).toordinal()  # the end of a stay with no Til dato


@dataclass(frozen=True, eq=False)
class StayColumns:
    places: tuple[tuple[str, int], ...]  # distinct (agreement id, place no), in index order
    place: np.ndarray  # per stay: index into `places`
    begin: np.ndarray  # Fra dato (ordinal)
    to: np.ndarray  # Til dato (ordinal), OPEN when blank
    paid_to: np.ndarray  # last paid day = max(Til dato, Betalt til) (ordinal), OPEN when blank
    row: np.ndarray  # Excel row (0 when unknown)


_cache: dict[int, tuple[tuple, StayColumns]] = {}


def stay_columns(stays) -> StayColumns:
    """Columns of `stays` (a tuple); the last one built is kept and reused for the same tuple."""
    hit = _cache.get(id(stays))
    if hit is not None and hit[0] is stays:
        return hit[1]
    ids: dict[tuple[str, int], int] = {}
    place, begin, to, paid_to, row = [], [], [], [], []
    for s in stays:
        place.append(ids.setdefault((s.agreement_id, s.place_no), len(ids)))
        begin.append(s.from_date.toordinal())
        if s.to_date is None:
            to.append(OPEN)
            paid_to.append(OPEN)
        else:
            end = s.to_date.toordinal()
            to.append(end)
            paid_to.append(end if s.paid_until is None else max(end, s.paid_until.toordinal()))
        row.append(s.row or 0)
    cols = StayColumns(tuple(ids), np.array(place, dtype=np.int64),
                       np.array(begin, dtype=np.int64), np.array(to, dtype=np.int64),
                       np.array(paid_to, dtype=np.int64), np.array(row, dtype=np.int64))
    if isinstance(stays, tuple):
        _cache.clear()
        _cache[id(stays)] = (stays, cols)
    return cols
