"""SPEC rules 5 and 6: what the vacant days of one agreement in one period are worth.

Each vacant day is worth coverage_share(guarantee year) × daily_rate(agreement, calendar year
of the day). The sum for one agreement and one settlement period is exact (integer and Decimal
arithmetic, Fraction where the normal-vacancy deduction divides) and is rounded **once**, half
away from zero, to whole øre.

Normal vacancy (setting FratraekNormalTomgang, default off): (1 − occupancy rate) × window
days of the agreement-year is subtracted from the vacant days of that agreement-year, floored
at 0. With quarters or months the year's deduction is shared over its periods in proportion to
their vacant days (so the periods of a year add up to the yearly rule), and vacant days of
different guarantee years (different coverage shares) are reduced in the same proportion.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from itertools import groupby

from xl_underskud.core.records import Message, Rate, Settings, cell_error
from xl_underskud.core.declarations import SETTING, TAKSTER
from xl_underskud.core.rules.vacancy import VacancyRow, VacantRuns


@dataclass(frozen=True)
class AgreementPeriod:
    agreement_id: str
    period: str
    year: int
    window_days: int
    paid_days: int
    vacant_days: int
    deducted_days: Fraction  # normal vacancy subtracted (0 unless the setting is on)
    daily_rate: Decimal | None
    coverage: tuple[tuple[int, int, Decimal], ...]  # (guarantee year, vacant days, share)
    amount_oere: int
    deducted_oere: Fraction = Fraction(0)  # exact value of the deducted days, øre (≥ 0)


@dataclass(frozen=True)
class VacantRun:
    """A maximal run of vacant days of one place inside one period and one guarantee year,
    with its value: days × coverage share × daily rate, exact (SPEC rule 13)."""

    agreement_id: str
    place_no: int
    period: str
    first: date
    last: date  # inclusive
    days: int
    guarantee_year: int
    share: Decimal
    daily_rate: Decimal  # kr. per døgn
    value: Decimal  # kr., exact: days × share × daily_rate


def valued_runs(runs: VacantRuns, rates: tuple[Rate, ...], settings: Settings
                ) -> tuple[VacantRun, ...]:
    """The runs of `vacancy.vacant_runs` with share and rate; every run's agreement-year has a
    rate (a vacant day without one is an error that blocks the settlement before this)."""
    rate_of = {(r.agreement_id, r.year): r.daily_rate for r in rates}
    out = []
    for aid, place, period, year, g, first, last, days in runs.rows():
        share, rate = settings.coverage_share(g), rate_of[(aid, year)]
        out.append(VacantRun(aid, place, period, first, last, days, g, share, rate,
                             days * share * rate))
    return tuple(out)


def round_half_away(value: Fraction) -> int:
    """Whole number nearest to value; halves go away from zero (SPEC rule 6)."""
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    whole, rest = divmod(magnitude.numerator, magnitude.denominator)
    if 2 * rest >= magnitude.denominator:
        whole += 1
    return sign * whole


def _remaining_after_normal_vacancy(vacancy: list[VacancyRow], rate_of: dict) -> dict:
    """(agreement, year) → share of the vacant days left after the normal-vacancy deduction."""
    yearly: dict[tuple[str, int], list[int]] = {}
    for row in vacancy:
        days = yearly.setdefault((row.agreement_id, row.year), [0, 0])
        days[0] += row.window_days
        days[1] += row.vacant_days
    out = {}
    for key, (window, vacant) in yearly.items():
        rate = rate_of.get(key)
        if rate is None or rate.occupancy_rate is None or vacant == 0:
            continue
        normal = (1 - Fraction(rate.occupancy_rate)) * window
        out[key] = max(Fraction(0), vacant - normal) / vacant
    return out


def agreement_periods(vacancy: list[VacancyRow], rates: tuple[Rate, ...], settings: Settings
                      ) -> tuple[list[AgreementPeriod], list[Message]]:
    rate_of = {(r.agreement_id, r.year): r for r in rates}
    messages: list[Message] = []
    missing_rate: dict[tuple[str, int], int] = {}
    missing_occupancy: set[tuple[str, int]] = set()
    remaining = _remaining_after_normal_vacancy(vacancy, rate_of) if settings.deduct_normal_vacancy \
        else {}
    shares = {g: (settings.coverage_share(g), Fraction(settings.coverage_share(g)))
              for g in range(1, settings.guarantee_years + 1)}
    rate_fraction = {key: Fraction(r.daily_rate) * 100 for key, r in rate_of.items()}  # øre
    # Plain Python over the (few) grouped rows: one row per agreement, period and guarantee year.
    rows = sorted(vacancy)
    out = []
    for (agreement_id, period, year), group in groupby(rows, key=lambda r: r[:3]):
        group = list(group)
        year = int(year)
        rate = rate_of.get((agreement_id, year))
        window = sum(r[4] for r in group)
        paid = sum(r[5] for r in group)
        vacant = sum(r[6] for r in group)
        coverage = tuple((int(r[3]), int(r[6]), shares[int(r[3])][0]) for r in group)
        deducted = deducted_oere = Fraction(0)
        amount = 0
        if vacant and rate is None:
            key = (agreement_id, year)
            missing_rate[key] = missing_rate.get(key, 0) + vacant
        elif vacant:
            # kr. → øre: × 100; Decimal → Fraction is exact.
            raw = sum(v * shares[g][1] for g, v, _ in coverage) * rate_fraction[(agreement_id, year)]
            if settings.deduct_normal_vacancy:
                if rate.occupancy_rate is None:
                    missing_occupancy.add((agreement_id, year))
                else:
                    factor = remaining[(agreement_id, year)]
                    deducted = vacant * (1 - factor)
                    deducted_oere = raw * (1 - factor)
                    raw = raw * factor
            amount = round_half_away(raw)
        out.append(AgreementPeriod(agreement_id, period, year, int(window), int(paid), int(vacant),
                                   deducted, rate.daily_rate if rate else None, coverage, amount,
                                   deducted_oere))
    for (agreement_id, year), days in sorted(missing_rate.items()):
        messages.append(cell_error(TAKSTER, None, "daily_rate",
                                   f"Aftale {agreement_id} mangler en "
                                   f"{TAKSTER.header('daily_rate').lower()} for {year}, hvor der "
                                   f"er {days} tomme døgn."))
    for agreement_id, year in sorted(missing_occupancy):
        row = rate_of[(agreement_id, year)].row
        deduct = SETTING["FratraekNormalTomgang"]
        messages.append(cell_error(TAKSTER, row, "occupancy_rate",
                                   f"{TAKSTER.header('occupancy_rate')} mangler for aftale "
                                   f"{agreement_id} i {year}; den skal bruges, når "
                                   f"{deduct.label} er {deduct.cell_value(True)}."))
    return out, messages
