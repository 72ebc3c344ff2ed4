"""SPEC rule 10 and the framework agreement: daily rate, takst cap and overhead norm.

- Daily rate = yearly costs (direct + indirect) / (places × days in the year × occupancy rate).
  The fixed share (the coverage share of the model, 50 %) is shown beside it.
- Takst cap (styringsaftalen): "udgifter per dag … maksimalt må stige med pris- og
  lønfremskrivningen minus 0,5 procent årligt som gennemsnit i en 6-årig periode i forhold til
  pris- og lønniveauet i 2014". Read as a rolling period: a checked year Y is measured from the
  reference year R = max(2014, Y − 6), so up to 2020 against the 2014 level (the agreement's own
  case) and from 2021 against the level six years before. Over the n = Y − R years of the period
  the allowed level is
      cost per day in R × Π_{y = R+1 … Y} (1 + PL_y − 0,5 %),
  and the offer passes when its cost per day in Y is at or below it. That is the same as the
  average yearly growth over the period, (cost Y / cost R)^(1/n) − 1, being at most the allowed
  average: a single year may grow faster than PL − 0,5 % when the period as a whole holds.
  Levels are exact (Fraction); the two averages are floats, for display only.
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


def cap_reference_year(year: int, base_year: int = CAP_BASE_YEAR) -> int:
    """The level a checked year is measured from: six years before, never before `base_year`."""
    return max(base_year, year - CAP_PERIOD_YEARS)


@dataclass(frozen=True)
class CapCheck:
    reference_year: int  # R: the period is R … year, measured from the level of R
    year: int
    years: int  # n = year − R, 1 … CAP_PERIOD_YEARS
    reference_cost_per_day: Fraction
    cost_per_day: Fraction
    allowed_cost_per_day: Fraction
    actual_growth: float  # average per year over the period (display only)
    allowed_growth: float  # average per year over the period (display only)

    @property
    def passed(self) -> bool:
        # decided on the exact levels, never on the rounded averages
        return self.cost_per_day <= self.allowed_cost_per_day


def takst_cap(cost_per_day: dict[int, Decimal], pl_index: dict[int, Decimal], year: int,
              base_year: int = CAP_BASE_YEAR) -> CapCheck:
    """Check `year` over its period of up to 6 years, from the level of `cap_reference_year`.

    `pl_index[y]` is PL growth in year y (0.02 = 2 %); `base_year` is the agreement's 2014 level,
    the earliest reference year.
    """
    if year <= base_year:
        raise RateError(f"Året {year} skal ligge efter basisåret {base_year}.")
    reference = cap_reference_year(year, base_year)
    period = f"{reference}–{year}"
    if year not in cost_per_day:
        raise RateError(f"Udgift pr. dag mangler for {year}.")
    if reference not in cost_per_day:
        raise RateError(f"Udgift pr. dag mangler for referenceåret {reference} "
                        f"(takstloftet for {year} måles over perioden {period}).")
    missing = [y for y in range(reference + 1, year + 1) if y not in pl_index]
    if missing:
        raise RateError("PL-indeks mangler for " + ", ".join(str(y) for y in missing)
                        + f" (perioden {period}).")
    base = Fraction(cost_per_day[reference])
    allowed = base
    for y in range(reference + 1, year + 1):
        allowed *= 1 + Fraction(pl_index[y]) - CAP_REDUCTION
    actual = Fraction(cost_per_day[year])
    n = year - reference
    return CapCheck(reference, year, n, base, actual, allowed,
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
    cap: CapCheck | None  # None: no reference-year figure or PL index to check against
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
