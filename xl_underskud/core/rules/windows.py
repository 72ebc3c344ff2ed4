"""SPEC rule 3: the guarantee window of each place.

The window starts on the place's start date (the first day a concrete citizen used it) and
lasts `guarantee_years` calendar years: [start, start + N years). A blank start date is taken
from the earliest stay (with a warning); a start date later than the first stay is an error;
a place with neither is not yet guaranteed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from xl_underskud.core.dates import add_years, fmt
from xl_underskud.core.declarations import OPHOLD, PLADSER
from xl_underskud.core.records import Inputs, Message, cell_error, cell_warning
from xl_underskud.core.stay_columns import stay_columns

START = PLADSER.header("start_date")


@dataclass(frozen=True)
class Window:
    agreement_id: str
    place_no: int
    start: date
    end: date  # exclusive
    year_starts: tuple[date, ...]  # first day of guarantee year 1, 2, …

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def guarantee_windows(inputs: Inputs) -> tuple[list[Window], list[Message]]:
    years = inputs.settings.guarantee_years
    first_stay = {}
    cols = stay_columns(inputs.stays)
    if len(cols.place):
        # per place the stay with the earliest Fra dato (the first in row order on a tie)
        order = np.lexsort((np.arange(len(cols.place)), cols.begin, cols.place))
        firsts = order[np.r_[True, cols.place[order][1:] != cols.place[order][:-1]]]
        stays = inputs.stays
        first_stay = {cols.places[cols.place[i]]: stays[i] for i in firsts.tolist()}
    windows, messages = [], []
    for p in inputs.places:
        first = first_stay.get((p.agreement_id, p.place_no))
        start = p.start_date
        if start is None:
            if first is None:
                continue  # not yet in use: not guaranteed
            start = first.from_date
            messages.append(cell_warning(
                PLADSER, p.row, "start_date",
                f"{START} er tom; første ophold ({first.stay_id}) fra {fmt(start)} "
                f"bruges som {START.lower()}."))
        elif first is not None and first.from_date < start:
            messages.append(cell_error(
                PLADSER, p.row, "start_date",
                f"{START} {fmt(start)} ligger efter første ophold på pladsen "
                f"({first.stay_id} fra {fmt(first.from_date)}, arket {OPHOLD.sheet} række "
                f"{first.row})."))
            continue
        end, year_starts = window_bounds(start, years)
        windows.append(Window(p.agreement_id, p.place_no, start, end, year_starts))
    return windows, messages


@lru_cache(maxsize=8192)
def window_bounds(start: date, years: int) -> tuple[date, tuple[date, ...]]:
    """Window end and guarantee-year starts; many places share a start date."""
    return add_years(start, years), tuple(add_years(start, k) for k in range(years))
