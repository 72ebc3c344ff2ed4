"""Immutable typed records: what the rules work on and what they give back.

Every record read from the workbook remembers where it came from (`Source`), so that a
rule that finds a problem can name the sheet, Excel row and column without knowing
anything about Excel. Problems are values (`Message`), collected and returned, never raised
one at a time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum


class Severity(str, Enum):
    ERROR = "fejl"
    WARNING = "advarsel"


@dataclass(frozen=True)
class Source:
    """Where a value lives in the workbook: sheet, Excel row (1-based) and column header."""

    sheet: str | None  # None: the file as a whole
    row: int | None = None
    column: str | None = None


@dataclass(frozen=True)
class Message:
    """A validation finding in Danish, with its location."""

    severity: Severity
    source: Source
    text: str

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def as_dict(self) -> dict:
        return {
            "ark": self.source.sheet,
            "raekke": self.source.row,
            "kolonne": self.source.column,
            "besked": self.text,
        }


def error(sheet: str | None, row: int | None, column: str | None, text: str) -> Message:
    return Message(Severity.ERROR, Source(sheet, row, column), text)


def warning(sheet: str | None, row: int | None, column: str | None, text: str) -> Message:
    return Message(Severity.WARNING, Source(sheet, row, column), text)


@dataclass(frozen=True)
class Agreement:
    """Forpligtende købsaftale: one approved expansion."""

    agreement_id: str
    operator: str
    operator_code: int  # municipality code, or the DAGI region code for a region
    offer: str
    paragraph: str
    places: int
    approved: date
    note: str = ""
    row: int | None = None


@dataclass(frozen=True)
class Place:
    agreement_id: str
    place_no: int
    start_date: date | None
    row: int | None = None


@dataclass(frozen=True)
class Rate:
    agreement_id: str
    year: int
    daily_rate: Decimal  # kr. per døgn
    occupancy_rate: Decimal | None  # fraction, 0 < x <= 1
    row: int | None = None


@dataclass(frozen=True)
class Stay:
    stay_id: str
    agreement_id: str
    place_no: int
    paying_municipality: str
    from_date: date
    to_date: date | None
    paid_until: date | None
    row: int | None = None

    @property
    def cover_end(self) -> date | None:
        """Last day paid (inclusive): max(to_date, paid_until); None = open-ended."""
        if self.to_date is None:
            return None
        if self.paid_until is None:
            return self.to_date
        return max(self.to_date, self.paid_until)


@dataclass(frozen=True)
class PopulationFigure:
    municipality_code: int
    municipality: str
    key_date: date
    population: int
    row: int | None = None


class Period(str, Enum):
    YEAR = "År"
    QUARTER = "Kvartal"
    MONTH = "Måned"


class KeyDateRule(str, Enum):
    SAME_YEAR = "Afregningsåret"
    PREVIOUS_YEAR = "Året før"


@dataclass(frozen=True)
class Settings:
    """Every parameter of the model. Defaults are the model adopted by KKR Hovedstaden."""

    coverage_schedule: tuple[Decimal, ...] = (Decimal("0.5"), Decimal("0.5"), Decimal("0.5"))
    guarantee_years: int = 3
    max_places_total: int = 20
    key_date_rule: KeyDateRule = KeyDateRule.SAME_YEAR
    period: Period = Period.YEAR
    deduct_normal_vacancy: bool = False
    settlement_year: int | None = None  # None: every year with guaranteed days
    # Exposure scenario (SPEC rule 9)
    scenario_occupancy: Decimal | None = None  # None: each agreement-year's occupancy rate
    scenario_places_per_month: Decimal | None = None  # None: every place filled at opening
    scenario_index: Decimal = Decimal("0")  # yearly index on the latest known rate

    def coverage_share(self, guarantee_year: int) -> Decimal:
        """Share of the daily rate covered in guarantee year 1, 2, 3 …"""
        return self.coverage_schedule[guarantee_year - 1]


@dataclass(frozen=True)
class CostRow:
    """Rate tools (SPEC rule 10): one offer's yearly costs."""

    offer: str
    year: int
    direct: Decimal
    indirect: Decimal
    places: int
    occupancy_rate: Decimal
    row: int | None = None


@dataclass(frozen=True)
class PLIndex:
    year: int
    pl_index: Decimal  # growth in the year, 0.021 = 2.1 %
    row: int | None = None


@dataclass(frozen=True)
class Inputs:
    """Everything the rules need, already typed and checked field by field."""

    agreements: tuple[Agreement, ...] = ()
    places: tuple[Place, ...] = ()
    rates: tuple[Rate, ...] = ()
    stays: tuple[Stay, ...] = ()
    population: tuple[PopulationFigure, ...] = ()
    settings: Settings = field(default_factory=Settings)
    costs: tuple[CostRow, ...] = ()
    pl_index: tuple[PLIndex, ...] = ()
