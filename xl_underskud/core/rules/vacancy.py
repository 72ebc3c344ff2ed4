"""SPEC rule 4: guaranteed, paid and vacant place-days, by agreement, period and guarantee year.

A stay pays for the days Fra dato … max(Til dato, Betalt til), both inclusive; a blank Til
dato runs on past any period computed. A day inside a place's window that no stay pays for is
a vacant day.

The computation works on whole intervals, never one row per day, and is vectorised with
numpy so that a nationwide workbook (20,000 places, 100,000 stays) takes a fraction of a second:
1. every day is an ordinal, and each (place, day) becomes one sortable integer key
   `place * SPAN + day`, so all places can share one sorted array;
2. the stays' paid intervals are merged into disjoint blocks per place (a re-let inside a
   notice period overlaps its predecessor's paid days and must not be counted twice);
3. a prefix sum over the blocks gives `paid(key)`, the paid days before a key;
4. each window is cut at the guarantee-year boundaries and the settlement-period boundaries,
   and for each piece [a, b): paid = paid(b) - paid(a), vacant = (b - a) - paid;
5. the pieces are summed per agreement, period and guarantee year with one sort
   (`np.lexsort`) and `np.add.reduceat`, and come out as plain typed rows: the rules after
   this one walk a few thousand rows in Python, and the core needs no data-frame library.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import numpy as np

from xl_underskud.core.dates import period_label, period_starts
from xl_underskud.core.records import Period, Stay
from xl_underskud.core.stay_columns import stay_columns
from xl_underskud.core.rules.windows import Window

SPAN = 1 << 20  # > date(2870, 1, 1).toordinal(): room for every date a workbook may hold
OPEN_END = SPAN - 1  # exclusive end of a stay with no Til dato


@dataclass(frozen=True, eq=False)
class _Pieces:
    """Every window cut at guarantee-year and period boundaries: piece i is [a[i], b[i]) of
    window `place[i]` (keys: window * SPAN + day), in one guarantee year and one period."""

    a: np.ndarray
    b: np.ndarray
    place: np.ndarray
    guarantee_year: np.ndarray
    period_index: np.ndarray
    labels: list[str]  # per period index: '2023', '2023K1' or '2023M01'
    label_year: np.ndarray  # per period index: its calendar year


def _pieces(windows: list[Window], period: Period) -> _Pieces:
    n = len(windows)
    start = np.fromiter((w.start.toordinal() for w in windows), np.int64, n)
    end = np.fromiter((w.end.toordinal() for w in windows), np.int64, n)
    guarantee_years = len(windows[0].year_starts)
    year_bounds = np.array([[d.toordinal() for d in w.year_starts[1:]] for w in windows],
                           dtype=np.int64).reshape(n, guarantee_years - 1)

    # Period boundaries over every year a window touches.
    first_year = min(w.start.year for w in windows)
    last_year = max(w.end.year for w in windows)
    bounds_dates = period_starts(first_year, last_year, period)
    bounds = np.array([d.toordinal() for d in bounds_dates], dtype=np.int64)
    labels = [period_label(d, period) for d in bounds_dates]
    label_year = np.array([d.year for d in bounds_dates], dtype=np.int64)

    # Cut points per place: window start and end, guarantee-year starts, period starts inside.
    lo = np.searchsorted(bounds, start, side="right")
    hi = np.searchsorted(bounds, end, side="left")
    count = np.maximum(hi - lo, 0)
    place_of_bound = np.repeat(np.arange(n), count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    inner = bounds[np.repeat(lo, count) + offset]
    places = np.concatenate([np.arange(n), np.arange(n), np.repeat(np.arange(n), guarantee_years - 1),
                             place_of_bound])
    days = np.concatenate([start, end, year_bounds.ravel(), inner])
    keys = _sorted_unique(places * SPAN + days)
    a, b = keys[:-1], keys[1:]
    same_place = (a // SPAN) == (b // SPAN)
    a, b = a[same_place], b[same_place]
    place = a // SPAN
    day_a = a % SPAN
    guarantee_year = 1 + (day_a[:, None] >= year_bounds[place]).sum(axis=1)
    period_index = np.searchsorted(bounds, day_a, side="right") - 1
    return _Pieces(a, b, place, guarantee_year, period_index, labels, label_year)


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    """`np.unique(keys)` for int64 keys: one sort and a mask, about ten times faster than
    numpy 2's hash-based `unique` on a nationwide workbook's few hundred thousand keys."""
    keys = np.sort(keys)
    if len(keys):
        keys = keys[np.r_[True, keys[1:] != keys[:-1]]]
    return keys


class VacancyRow(NamedTuple):
    """Window, paid and vacant days of one agreement in one period and one guarantee year."""

    agreement_id: str
    period: str  # '2023', '2023K1' or '2023M01'
    year: int  # the period's calendar year
    guarantee_year: int
    window_days: int
    paid_days: int
    vacant_days: int


def vacancy_by_period(windows: list[Window], stays: list[Stay] | tuple[Stay, ...],
                      period: Period, years: set[int] | None = None) -> list[VacancyRow]:
    """One row per agreement, period and guarantee year with window, paid and vacant days,
    sorted by agreement, period and guarantee year."""
    if not windows:
        return []
    index = {(w.agreement_id, w.place_no): i for i, w in enumerate(windows)}
    paid_at = _PaidBlocks.of(index, stays).paid
    pieces = _pieces(windows, period)
    a, b, period_index = pieces.a, pieces.b, pieces.period_index
    guarantee_year = pieces.guarantee_year
    ids, agreement = _agreement_ranks(windows)
    agreement = agreement[pieces.place]
    if years is not None:
        keep = np.isin(pieces.label_year[period_index], list(years))
        a, b, period_index = a[keep], b[keep], period_index[keep]
        agreement, guarantee_year = agreement[keep], guarantee_year[keep]
    first, (window_days, paid_days) = _group_sums(
        (agreement, period_index, guarantee_year), b - a, paid_at(b) - paid_at(a))
    labels, label_year = pieces.labels, pieces.label_year.tolist()
    return [VacancyRow(ids[aid], labels[p], label_year[p], g, window, paid, window - paid)
            for aid, p, g, window, paid in zip(
                agreement[first].tolist(), period_index[first].tolist(),
                guarantee_year[first].tolist(), window_days.tolist(), paid_days.tolist())]


def _agreement_ranks(windows: list[Window]) -> tuple[list[str], np.ndarray]:
    """The agreement ids in sorted order, and per window the rank of its agreement id."""
    ids = sorted({w.agreement_id for w in windows})
    rank = {aid: i for i, aid in enumerate(ids)}
    return ids, np.fromiter((rank[w.agreement_id] for w in windows), np.int64, len(windows))


def _group_sums(keys: tuple[np.ndarray, ...], *values: np.ndarray
                ) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Group the rows by `keys` (most significant first) and sum `values` per group.

    Returns, in key order, one row index per group (to read its keys from) and the sums.
    """
    order = np.lexsort(keys[::-1])
    if not len(order):
        return order, tuple(v[order] for v in values)
    starts = np.zeros(len(order), dtype=bool)
    starts[0] = True
    for key in keys:
        ordered = key[order]
        starts[1:] |= ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(starts)
    return order[starts], tuple(np.add.reduceat(v[order], starts) for v in values)


@dataclass(frozen=True, eq=False)
class VacantRuns:
    """Maximal runs of vacant days, as columns: run i is `first[i]` … `last[i]` (both
    inclusive, `days[i]` days) of place `place_no[i]` of `agreement_id[i]`, inside one period,
    calendar year and guarantee year. Columns, not one record per run: a nationwide
    settlement has tens of thousands of runs, and `amounts.valued_runs` makes each a record."""

    agreement_id: list[str]
    place_no: list[int]
    period: list[str]
    year: list[int]
    guarantee_year: list[int]
    first: list[date]
    last: list[date]
    days: list[int]

    def __len__(self) -> int:
        return len(self.days)

    def rows(self):
        """(agreement_id, place_no, period, year, guarantee_year, first, last, days) per run."""
        return zip(self.agreement_id, self.place_no, self.period, self.year,
                   self.guarantee_year, self.first, self.last, self.days)


def vacant_runs(windows: list[Window], stays: list[Stay] | tuple[Stay, ...], period: Period,
                years: set[int] | None = None) -> VacantRuns:
    """The vacant days themselves: per place, the maximal runs of vacant days, each cut at
    period, calendar-year (rate) and guarantee-year (share) boundaries, so that every run has
    one rate and one share. Sorted by agreement, place and first day. Per agreement, period
    and guarantee year the runs' days add up to the vacant days of `vacancy_by_period`.

    On the same keys as above: the cut points of the pieces and the edges of the paid blocks
    split every window into elementary segments that are either wholly paid or wholly vacant;
    a vacant segment inside a piece is a run (two vacant segments are never adjacent inside a
    piece, since only a paid block's edge lies between segments of one piece).
    """
    if not windows:
        return VacantRuns([], [], [], [], [], [], [], [])
    index = {(w.agreement_id, w.place_no): i for i, w in enumerate(windows)}
    blocks = _PaidBlocks.of(index, stays)
    pieces = _pieces(windows, period)
    keys = _sorted_unique(np.concatenate([pieces.a, pieces.b, blocks.begin, blocks.end]))
    lo, hi = keys[:-1], keys[1:]
    piece = np.searchsorted(pieces.a, lo, side="right") - 1
    inside = (piece >= 0) & (hi <= pieces.b[np.maximum(piece, 0)])
    vacant = inside & (blocks.paid(hi) - blocks.paid(lo) == 0)
    lo, hi, piece = lo[vacant], hi[vacant], piece[vacant]
    period_index = pieces.period_index[piece]
    if years is not None:
        keep = np.isin(pieces.label_year[period_index], list(years))
        lo, hi, piece, period_index = lo[keep], hi[keep], piece[keep], period_index[keep]
    place = lo // SPAN
    first_day, end_day = lo % SPAN, hi % SPAN
    ids, agreement = _agreement_ranks(windows)
    place_no = np.fromiter((w.place_no for w in windows), np.int64, len(windows))
    order = np.lexsort((first_day, place_no[place], agreement[place]))
    place, period_index, piece = place[order], period_index[order], piece[order]
    first_day, end_day = first_day[order], end_day[order]
    return VacantRuns(
        agreement_id=list(map(ids.__getitem__, agreement[place].tolist())),
        place_no=place_no[place].tolist(),
        period=list(map(pieces.labels.__getitem__, period_index.tolist())),
        year=pieces.label_year[period_index].tolist(),
        guarantee_year=pieces.guarantee_year[piece].tolist(),
        first=list(map(date.fromordinal, first_day.tolist())),
        last=list(map(date.fromordinal, (end_day - 1).tolist())),
        days=(end_day - first_day).tolist())


@dataclass(frozen=True, eq=False)
class _PaidBlocks:
    """The stays' paid days merged into disjoint blocks [begin, end) of keys (window * SPAN +
    day), and paid(key): the paid days before `key` (same window only, see module doc)."""

    begin: np.ndarray
    end: np.ndarray
    before: np.ndarray  # paid days in the blocks before each block

    @classmethod
    def of(cls, index: dict, stays) -> "_PaidBlocks":
        cols = stay_columns(stays)
        window_of = np.array([index.get(key, -1) for key in cols.places], dtype=np.int64)
        window = window_of[cols.place] if len(cols.place) else cols.place
        keep = window >= 0
        empty = np.zeros(0, dtype=np.int64)
        if not keep.any():
            return cls(empty, empty, empty)
        window, start = window[keep], cols.begin[keep]
        end = np.minimum(cols.paid_to[keep] + 1, OPEN_END)  # exclusive
        begin = window * SPAN + start
        finish = window * SPAN + np.maximum(end, start)
        order = np.argsort(begin, kind="stable")
        begin, finish = begin[order], finish[order]
        reach = np.maximum.accumulate(finish)
        starts_block = np.ones(len(begin), dtype=bool)
        starts_block[1:] = begin[1:] > reach[:-1]
        first = np.flatnonzero(starts_block)
        last = np.r_[first[1:] - 1, len(begin) - 1]
        block_begin = begin[first]
        block_end = reach[last]
        block_len = block_end - block_begin
        return cls(block_begin, block_end, np.r_[0, np.cumsum(block_len)[:-1]])

    def paid(self, keys: np.ndarray) -> np.ndarray:
        if not len(self.begin):
            return np.zeros(len(keys), dtype=np.int64)
        j = np.searchsorted(self.begin, keys, side="right") - 1
        jj = np.maximum(j, 0)
        inside = np.minimum(keys - self.begin[jj], self.end[jj] - self.begin[jj])
        return np.where(j >= 0, self.before[jj] + inside, 0)


def days_between(windows: list[Window], stays, first: date, last: date) -> tuple[int, int, int]:
    """(window, paid, vacant) place-days from `first` to `last`, both inclusive."""
    if not windows or last < first:
        return 0, 0, 0
    index = {(w.agreement_id, w.place_no): i for i, w in enumerate(windows)}
    paid_at = _PaidBlocks.of(index, stays).paid
    n = len(windows)
    start = np.fromiter((max(w.start, first).toordinal() for w in windows), np.int64, n)
    end = np.fromiter((min(w.end.toordinal(), last.toordinal() + 1) for w in windows),
                      np.int64, n)
    keep = start < end
    place = np.arange(n)[keep]
    a, b = place * SPAN + start[keep], place * SPAN + end[keep]
    window = int((b - a).sum())
    paid = int((paid_at(b) - paid_at(a)).sum())
    return window, paid, window - paid
