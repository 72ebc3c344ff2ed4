"""SPEC rule 9: the exposure estimate KKR approves before places are approved.

For every guaranteed place of an agreement the window is assumed to run for the guarantee
years from the place's start date, or — for a place not yet in use — from the agreement's
expected opening date (scenario; default: the approval date). Then:

- **maximum**: every guaranteed place-day of every window stands vacant;
- **expected**: under a scenario — places are filled gradually (a number of places per month
  from the opening; a place is vacant until it is filled) and, once filled, occupied at the
  scenario's occupancy rate (vacant the rest of the time).

Future years' rates are the latest known rate raised by a yearly index (default 0 %). Amounts
are exact until they are rounded once per agreement and year to whole øre; the split over
municipalities uses the settlement's largest-remainder rule on the latest population figures
available for each year.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from decimal import Decimal
from fractions import Fraction

from xl_underskud.core.rules.amounts import round_half_away
from xl_underskud.core.rules.distribution import split_by_population
from xl_underskud.core.declarations import SETTING, SETTINGS_SHEET, TAKSTER
from xl_underskud.core.records import Inputs, Message, Period, Stay, cell_error, error
from xl_underskud.core.rules.vacancy import vacancy_by_period
from xl_underskud.core.rules.windows import Window, window_bounds


@dataclass(frozen=True)
class Scenario:
    occupancy: Decimal | None = None  # once filled; None: the agreement-year's occupancy rate
    places_per_month: Decimal | None = None  # ramp-up; None: every place filled from the start
    rate_index: Decimal = Decimal("0")  # yearly index on the latest known rate
    opening: dict = field(default_factory=dict)  # agreement id -> assumed opening date

    @classmethod
    def from_settings(cls, settings) -> "Scenario":
        return cls(settings.scenario_occupancy, settings.scenario_places_per_month,
                   settings.scenario_index)


ALTERNATIVE_SCHEDULE = (Decimal("0.75"), Decimal("0.5"), Decimal("0.25"))
MODEL_SCHEDULE = (Decimal("0.5"), Decimal("0.5"), Decimal("0.5"))


def schedule_label(schedule) -> str:
    return "/".join(format(float(share * 100), "g") for share in schedule) + " %"


def comparison_schedule(schedule) -> tuple[Decimal, ...]:
    """The schedule to show beside the workbook's: 75/50/25 %, or 50/50/50 % if that is it."""
    return MODEL_SCHEDULE if tuple(schedule) == ALTERNATIVE_SCHEDULE else ALTERNATIVE_SCHEDULE


@dataclass(frozen=True)
class ExposureRow:
    agreement_id: str
    year: int
    window_days: int
    vacant_days_expected: Fraction
    daily_rate: Decimal
    rate_is_indexed: bool
    max_oere: int
    expected_oere: int


@dataclass(frozen=True)
class ExposurePart:
    year: int
    municipality_code: int
    municipality: str
    key_date: date
    max_oere: int
    expected_oere: int


@dataclass(frozen=True)
class Exposure:
    schedule: tuple[Decimal, ...]
    rows: tuple[ExposureRow, ...]
    parts: tuple[ExposurePart, ...]

    @property
    def max_oere(self) -> int:
        return sum(r.max_oere for r in self.rows)

    @property
    def expected_oere(self) -> int:
        return sum(r.expected_oere for r in self.rows)

    def amounts(self, agreement_id: str, year: int) -> tuple[int, int]:
        """(maximum, expected) in øre of one agreement-year; (0, 0) in a year this schedule
        does not reach (the 3-year comparison beside a longer guarantee period)."""
        row = self._by_key.get((agreement_id, year))
        return (row.max_oere, row.expected_oere) if row is not None else (0, 0)

    def year_amounts(self, year: int) -> tuple[int, int]:
        """(maximum, expected) in øre of every agreement in one year; (0, 0) as above."""
        rows = [r for r in self.rows if r.year == year]
        return sum(r.max_oere for r in rows), sum(r.expected_oere for r in rows)

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted({r.year for r in self.rows}))

    @cached_property
    def _by_key(self) -> dict[tuple[str, int], ExposureRow]:
        return {(r.agreement_id, r.year): r for r in self.rows}


def _add_months(day: date, months: Fraction) -> date:
    """`day` plus a (fractional) number of months; fractions as 30.4375-day months."""
    whole = math.floor(months)
    y, m = divmod(day.month - 1 + whole, 12)
    try:
        base = day.replace(year=day.year + y, month=m + 1)
    except ValueError:  # 31 January + 1 month → last day of February
        nxt = date(day.year + y + (m + 1) // 12, (m + 1) % 12 + 1, 1)
        base = nxt - timedelta(days=1)
    return base + timedelta(days=round(float(months - whole) * 30.4375))


def _rate_for(agreement_id: str, year: int, rates: dict, index: Decimal):
    known = rates.get(agreement_id, {})
    if year in known:
        return known[year], False
    earlier = [y for y in known if y < year]
    base_year = max(earlier) if earlier else min(known)
    factor = Fraction(1 + index) ** (year - base_year)
    return Decimal(known[base_year]) * Decimal(factor.numerator) / Decimal(factor.denominator), True


def estimate(inputs: Inputs, scenario: Scenario, schedule: tuple[Decimal, ...] | None = None
             ) -> tuple[Exposure | None, list[Message]]:
    return estimates(inputs, scenario, [schedule])[0]


def estimates(inputs: Inputs, scenario: Scenario,
              schedules: list[tuple[Decimal, ...] | None]) -> list[tuple[Exposure | None,
                                                                         list[Message]]]:
    """`estimate` for each schedule (None: the workbook's), the assumed days counted once for
    every schedule of the same length (the workbook's beside the comparison schedule)."""
    schedules = [tuple(s or inputs.settings.coverage_schedule) for s in schedules]
    days_by_years: dict[int, tuple] = {}
    out = []
    for schedule in schedules:
        if len(schedule) not in days_by_years:
            days_by_years[len(schedule)] = _assumed_days(inputs, scenario, len(schedule))
        days, rates, occupancy, messages = days_by_years[len(schedule)]
        if days is None:
            out.append((None, list(messages)))
            continue
        out.append((_exposure(inputs, scenario, schedule, days, rates, occupancy),
                    list(messages)))
    return out


def _assumed_days(inputs: Inputs, scenario: Scenario, years: int):
    """(vacancy rows of the assumed windows and fills, rates, occupancy(aid, year), messages);
    the rows None when the estimate cannot be made."""
    if scenario.places_per_month is not None and scenario.places_per_month <= 0:
        label = SETTING["ScenariePladserPrMaaned"].label
        return None, None, None, [error(SETTINGS_SHEET, None, label,
                                        f"{label} skal være større end 0.")]
    rates: dict[str, dict[int, Decimal]] = defaultdict(dict)
    for r in inputs.rates:
        rates[r.agreement_id][r.year] = r.daily_rate
    messages = []
    starts_by_agreement: dict[str, dict[int, date]] = defaultdict(dict)
    for p in inputs.places:
        if p.start_date is not None:
            starts_by_agreement[p.agreement_id][p.place_no] = p.start_date

    occupancy_years: dict[str, dict[int, Decimal]] = defaultdict(dict)
    for r in inputs.rates:
        if r.occupancy_rate is not None:
            occupancy_years[r.agreement_id][r.year] = r.occupancy_rate

    def occupancy(agreement_id: str, year: int) -> Fraction:
        if scenario.occupancy is not None:
            return Fraction(scenario.occupancy)
        known = occupancy_years.get(agreement_id)
        if not known:
            return Fraction(1)
        earlier = [y for y in known if y <= year]
        return Fraction(known[max(earlier) if earlier else min(known)])

    # Every place's assumed window, and a synthetic open-ended "stay" from the day it is filled:
    # the vacancy machinery then counts, per agreement, year and guarantee year, the window
    # days and the days before filling ("vacant") on whole intervals.
    windows, fills = [], []
    for a in inputs.agreements:
        if not rates.get(a.agreement_id):
            messages.append(cell_error(TAKSTER, None, "daily_rate",
                                       f"Aftale {a.agreement_id} har ingen "
                                       f"{TAKSTER.header('daily_rate').lower()}; estimatet kræver "
                                       f"mindst én takst."))
            continue
        opening = scenario.opening.get(a.agreement_id, a.approved)
        known = starts_by_agreement.get(a.agreement_id, {})
        for k in range(1, a.places + 1):
            start = known.get(k, opening)
            filled = start
            if scenario.places_per_month and k not in known:
                filled = max(start, _add_months(opening, Fraction(k) /
                                                Fraction(scenario.places_per_month)))
            end, year_starts = window_bounds(start, years)
            windows.append(Window(a.agreement_id, k, start, end, year_starts))
            fills.append(Stay("", a.agreement_id, k, "", filled, None, None))
    if any(m.is_error for m in messages):
        return None, None, None, messages
    return vacancy_by_period(windows, fills, Period.YEAR), rates, occupancy, messages


def _exposure(inputs: Inputs, scenario: Scenario, schedule: tuple[Decimal, ...], days, rates,
              occupancy) -> Exposure:
    """The amounts of one schedule from the assumed days.

    Per agreement and year the days of each guarantee year are summed first, weighted by the
    shares over their common denominator in whole numbers; the exact fractions then follow
    once per agreement and year: Σ window × share × rate, and for the expected amount
    Σ (unfilled + (window − unfilled) × (1 − occupancy)) × share × rate."""
    denominator = math.lcm(*(Fraction(x).denominator for x in schedule))
    weights = [int(Fraction(x) * denominator) for x in schedule]
    # (aid, year) → [window days, unfilled days, Σ weight × window, Σ weight × unfilled]
    sums: dict[tuple[str, int], list[int]] = {}
    for aid, _, year, g, window, _, unfilled in days:
        acc = sums.get((aid, year))
        if acc is None:
            acc = sums[(aid, year)] = [0, 0, 0, 0]
        window, unfilled, w = int(window), int(unfilled), weights[g - 1]
        acc[0] += window
        acc[1] += unfilled
        acc[2] += w * window
        acc[3] += w * unfilled

    rows = []
    for aid, year in sorted(sums):
        window, unfilled, weighted_window, weighted_unfilled = sums[(aid, year)]
        rate, indexed = _rate_for(aid, year, rates, scenario.rate_index)
        rate_oere = Fraction(rate) * 100
        vacancy = 1 - occupancy(aid, year)
        maximum = rate_oere * Fraction(weighted_window, denominator)
        expected = rate_oere * (Fraction(weighted_unfilled, denominator)
                                + Fraction(weighted_window - weighted_unfilled, denominator)
                                * vacancy)
        rows.append(ExposureRow(aid, year, window, unfilled + (window - unfilled) * vacancy,
                                rate, indexed, round_half_away(maximum),
                                round_half_away(expected)))
    rows = tuple(rows)
    parts = _split(rows, inputs)
    return Exposure(schedule, rows, tuple(parts))


def _split(rows, inputs: Inputs) -> list[ExposurePart]:
    """Per municipality and year, on the latest population figures on or before 1 January."""
    by_date: dict[date, dict[int, tuple[str, int]]] = defaultdict(dict)
    for p in inputs.population:
        by_date[p.key_date][p.municipality_code] = (p.municipality, p.population)
    if not by_date:
        return []
    dates = sorted(by_date)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        totals[r.year][0] += r.max_oere
        totals[r.year][1] += r.expected_oere
    out = []
    for year in sorted(totals):
        candidates = [d for d in dates if d <= date(year, 1, 1)]
        key_date = candidates[-1] if candidates else dates[0]
        figures = by_date[key_date]
        population = {code: pop for code, (_, pop) in figures.items()}
        max_parts = split_by_population(totals[year][0], population)
        exp_parts = split_by_population(totals[year][1], population)
        for code in sorted(figures):
            out.append(ExposurePart(year, code, figures[code][0], key_date, max_parts[code],
                                    exp_parts[code]))
    return out
