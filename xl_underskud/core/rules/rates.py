"""SPEC rule 10 and the framework agreement: daily rate, takst cap and overhead norm.

- Daily rate = yearly costs (direct + indirect) / (places × days in the year × occupancy rate).
  The fixed share (the coverage share of the model, 50 %) is shown beside it.
- Takst cap (styringsaftalen): expenses per day may grow at most by the price-and-wage index
  (PL) minus 0.5 percentage points a year, as an average over a 6-year period, measured against
  the 2014 level. Over the years base+1 … year the allowed level is
  base level × Π (1 + PL_y − 0.5 %); the offer passes when its expenses per day are at or below
  it. The average yearly growth, actual and allowed, is shown beside the check.
- Overhead norm: indirect costs as a share of direct costs, aimed at 6 %.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

CAP_REDUCTION = Fraction(5, 1000)  # 0.5 percentage point a year
CAP_PERIOD_YEARS = 6
CAP_BASE_YEAR = 2014
OVERHEAD_NORM = Fraction(6, 100)


class RateError(ValueError):
    """An argument that makes the calculation meaningless (Danish text)."""


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def daily_rate(costs: Fraction | Decimal, places: int | Decimal, year: int,
               occupancy: Fraction | Decimal) -> Fraction:
    """Exact kr. per døgn."""
    costs, places, occupancy = Fraction(costs), Fraction(places), Fraction(occupancy)
    if costs < 0:
        raise RateError("Omkostningerne kan ikke være negative.")
    if places <= 0:
        raise RateError("Antal pladser skal være større end 0.")
    if not 0 < occupancy <= 1:
        raise RateError("Belægningsprocenten skal ligge over 0 % og højst 100 %.")
    return costs / (places * days_in_year(year) * occupancy)


@dataclass(frozen=True)
class CapCheck:
    base_year: int
    year: int
    base_cost_per_day: Fraction
    cost_per_day: Fraction
    allowed_cost_per_day: Fraction
    actual_growth: float  # average per year
    allowed_growth: float  # average per year

    @property
    def passed(self) -> bool:
        return self.cost_per_day <= self.allowed_cost_per_day


def takst_cap(cost_per_day: dict[int, Decimal], pl_index: dict[int, Decimal], year: int,
              base_year: int = CAP_BASE_YEAR) -> CapCheck:
    """Check `year` against the base year. `pl_index[y]` is PL growth in year y (0.02 = 2 %)."""
    if base_year not in cost_per_day:
        raise RateError(f"Udgift pr. dag mangler for basisåret {base_year}.")
    if year not in cost_per_day:
        raise RateError(f"Udgift pr. dag mangler for {year}.")
    if year <= base_year:
        raise RateError(f"Året {year} skal ligge efter basisåret {base_year}.")
    missing = [y for y in range(base_year + 1, year + 1) if y not in pl_index]
    if missing:
        raise RateError("PL-indeks mangler for " + ", ".join(str(y) for y in missing) + ".")
    allowed = Fraction(cost_per_day[base_year])
    for y in range(base_year + 1, year + 1):
        allowed *= 1 + Fraction(pl_index[y]) - CAP_REDUCTION
    base = Fraction(cost_per_day[base_year])
    actual = Fraction(cost_per_day[year])
    n = year - base_year
    return CapCheck(base_year, year, base, actual, allowed,
                    float(actual / base) ** (1 / n) - 1 if base > 0 else float("nan"),
                    float(allowed / base) ** (1 / n) - 1 if base > 0 else float("nan"))


def overhead_share(direct: Decimal, indirect: Decimal) -> Fraction:
    if Fraction(direct) <= 0:
        raise RateError("De direkte omkostninger skal være større end 0.")
    return Fraction(indirect) / Fraction(direct)


@dataclass(frozen=True)
class RateCheck:
    """One offer-year on sheet Takstberegning, checked against the framework agreement."""

    offer: str
    year: int
    costs: Fraction  # direct + indirect, kr.
    places: int
    occupancy_rate: Fraction
    daily_rate: Fraction  # kr. per døgn
    fixed_share: Fraction  # the model's covered share of the rate, kr. per døgn
    overhead: Fraction  # indirect / direct
    cost_per_day: Fraction  # costs / (places × days in year), kr. per place-day
    cap: CapCheck | None  # None: no base-year figure or PL index to check against
    cap_note: str = ""

    @property
    def overhead_ok(self) -> bool:
        return self.overhead <= OVERHEAD_NORM


def rate_checks(costs, pl_index, coverage_share=Decimal("0.5"), base_year: int = CAP_BASE_YEAR
                ) -> list[RateCheck]:
    """Daily rate, fixed share, overhead and takst cap for every row of tblOmkostninger."""
    pl = {p.year: p.pl_index for p in pl_index}
    per_day: dict[str, dict[int, Fraction]] = {}
    for c in costs:
        total = Fraction(c.direct) + Fraction(c.indirect)
        per_day.setdefault(c.offer, {})[c.year] = total / (c.places * days_in_year(c.year))
    out = []
    for c in sorted(costs, key=lambda c: (c.offer, c.year)):
        total = Fraction(c.direct) + Fraction(c.indirect)
        rate = daily_rate(total, c.places, c.year, c.occupancy_rate)
        cap, note = None, ""
        if c.year > base_year:
            try:
                cap = takst_cap(per_day[c.offer], pl, c.year, base_year)
            except RateError as exc:
                note = str(exc)
        out.append(RateCheck(c.offer, c.year, total, c.places, Fraction(c.occupancy_rate), rate,
                             rate * Fraction(coverage_share),
                             overhead_share(c.direct, c.indirect) if c.direct > 0 else Fraction(0),
                             per_day[c.offer][c.year], cap, note))
    return out
