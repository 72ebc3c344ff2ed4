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
   and for each piece [a, b): paid = paid(b) - paid(a), vacant = (b - a) - paid.
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from xl_underskud.core.dates import period_label, period_starts
from xl_underskud.core.records import Period, Stay
from xl_underskud.core.stay_columns import stay_columns
from xl_underskud.core.rules.windows import Window

SPAN = 1 << 20  # > date(2870, 1, 1).toordinal(): room for every date a workbook may hold
OPEN_END = SPAN - 1  # exclusive end of a stay with no Til dato

COLUMNS = ["agreement_id", "period", "year", "guarantee_year", "window_days", "paid_days",
           "vacant_days"]


def vacancy_by_period(windows: list[Window], stays: list[Stay] | tuple[Stay, ...],
                      period: Period, years: set[int] | None = None) -> pd.DataFrame:
    """One row per agreement, period and guarantee year with window, paid and vacant days."""
    if not windows:
        return pd.DataFrame(columns=COLUMNS)
    n = len(windows)
    index = {(w.agreement_id, w.place_no): i for i, w in enumerate(windows)}
    start = np.fromiter((w.start.toordinal() for w in windows), np.int64, n)
    end = np.fromiter((w.end.toordinal() for w in windows), np.int64, n)
    guarantee_years = len(windows[0].year_starts)
    year_bounds = np.array([[d.toordinal() for d in w.year_starts[1:]] for w in windows],
                           dtype=np.int64).reshape(n, guarantee_years - 1)

    paid_at = _paid_days_function(index, stays)

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
    keys = np.unique(places * SPAN + days)
    a, b = keys[:-1], keys[1:]
    same_place = (a // SPAN) == (b // SPAN)
    a, b = a[same_place], b[same_place]
    place = a // SPAN
    day_a = a % SPAN

    window_days = b - a
    paid_days = paid_at(b) - paid_at(a)
    guarantee_year = 1 + (day_a[:, None] >= year_bounds[place]).sum(axis=1)
    period_index = np.searchsorted(bounds, day_a, side="right") - 1

    frame = pd.DataFrame({
        "agreement": np.array([w.agreement_id for w in windows], dtype=object)[place],
        "period_index": period_index,
        "guarantee_year": guarantee_year,
        "window_days": window_days,
        "paid_days": paid_days,
    })
    if years is not None:
        frame = frame[np.isin(label_year[period_index], list(years))]
    grouped = (frame.groupby(["agreement", "period_index", "guarantee_year"], sort=True)
               [["window_days", "paid_days"]].sum().reset_index())
    grouped["vacant_days"] = grouped["window_days"] - grouped["paid_days"]
    out = pd.DataFrame({
        "agreement_id": grouped["agreement"],
        "period": [labels[i] for i in grouped["period_index"]],
        "year": label_year[grouped["period_index"].to_numpy()],
        "guarantee_year": grouped["guarantee_year"],
        "window_days": grouped["window_days"],
        "paid_days": grouped["paid_days"],
        "vacant_days": grouped["vacant_days"],
    })
    return out[COLUMNS].reset_index(drop=True)


def _paid_days_function(index: dict, stays):
    """paid(key): days paid by any stay before `key` (same place only, see module doc)."""
    cols = stay_columns(stays)
    window_of = np.array([index.get(key, -1) for key in cols.places], dtype=np.int64)
    window = window_of[cols.place] if len(cols.place) else cols.place
    keep = window >= 0
    if not keep.any():
        return lambda keys: np.zeros(len(keys), dtype=np.int64)
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
    block_len = reach[last] - block_begin
    before = np.r_[0, np.cumsum(block_len)[:-1]]

    def paid(keys: np.ndarray) -> np.ndarray:
        j = np.searchsorted(block_begin, keys, side="right") - 1
        jj = np.maximum(j, 0)
        inside = np.minimum(keys - block_begin[jj], block_len[jj])
        return np.where(j >= 0, before[jj] + inside, 0)

    return paid


def days_between(windows: list[Window], stays, first: date, last: date) -> tuple[int, int, int]:
    """(window, paid, vacant) place-days from `first` to `last`, both inclusive."""
    if not windows or last < first:
        return 0, 0, 0
    index = {(w.agreement_id, w.place_no): i for i, w in enumerate(windows)}
    paid_at = _paid_days_function(index, stays)
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
