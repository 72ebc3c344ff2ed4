"""Calendar arithmetic shared by the rules: adding years, settlement periods, key dates."""
from __future__ import annotations

from datetime import date

from xl_underskud.core.declarations import KeyDateRule, Period


def add_years(day: date, years: int) -> date:
    """Same day `years` later; 29 February becomes 28 February in a non-leap year (SPEC rule 3)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def period_label(day: date, period: Period) -> str:
    """'2023', '2023K1' or '2023M01' for the period that holds `day`."""
    if period is Period.YEAR:
        return f"{day.year}"
    if period is Period.QUARTER:
        return f"{day.year}K{(day.month - 1) // 3 + 1}"
    return f"{day.year}M{day.month:02d}"


def period_starts(first_year: int, last_year: int, period: Period) -> list[date]:
    """First day of every period from 1 January `first_year` to 1 January `last_year + 1`."""
    step = {Period.YEAR: 12, Period.QUARTER: 3, Period.MONTH: 1}[period]
    out = []
    for year in range(first_year, last_year + 1):
        out.extend(date(year, month, 1) for month in range(1, 13, step))
    out.append(date(last_year + 1, 1, 1))
    return out


def key_date(settlement_year: int, rule: KeyDateRule) -> date:
    """The date whose population figures split the amounts of a settlement year (SPEC rule 7)."""
    return date(settlement_year if rule is KeyDateRule.SAME_YEAR else settlement_year - 1, 1, 1)


def fmt(day: date) -> str:
    """Danish date: dd-mm-åååå."""
    return day.strftime("%d-%m-%Y")
