"""Immutable typed records: what the rules work on and what they give back.

The records of the input tables and the settings are built from `declarations.py` (one
declaration per table and setting), so a column added there is a field here.

Every record read from the workbook remembers where it came from (`Source`), so that a
rule that finds a problem can name the sheet, Excel row and column without knowing
anything about Excel. Problems are values (`Message`), collected and returned, never raised
one at a time.
"""
from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass
from decimal import Decimal
from enum import Enum

from xl_underskud.core.declarations import (AFREGNET, AFTALER, BEFOLKNING, DEFAULT_COVERAGE,
                                            OMKOSTNINGER, OPHOLD, PLADSER, PLINDEKS, SETTINGS,
                                            TAKSTER, KeyDateRule, Period, Table)

__all__ = ["Severity", "Source", "Message", "Origin", "error", "warning", "cell_error", "cell_warning",
           "Agreement", "Place", "Rate", "Stay", "PopulationFigure", "CostRow", "PLIndex",
           "LedgerRow", "Settings", "Inputs", "Period", "KeyDateRule"]


class Severity(str, Enum):
    ERROR = "fejl"
    WARNING = "advarsel"


@dataclass(frozen=True)
class Source:
    """Where a value lives in the workbook: sheet, Excel row (1-based) and column header."""

    sheet: str | None  # None: the file as a whole
    row: int | None = None
    column: str | None = None
    file: str | None = None  # which file, where a command reads several (saml); None: the one


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
        out = {
            "ark": self.source.sheet,
            "raekke": self.source.row,
            "kolonne": self.source.column,
            "besked": self.text,
        }
        if self.source.file is not None:
            out = {"fil": self.source.file, **out}
        return out


@dataclass(frozen=True)
class Origin:
    """The input an output was computed from (SPEC rule 13): its name and the SHA-256 of its
    bytes (of a file), or of the values read (of an open workbook). Every output names it, in
    place of the clock: the same input gives the same output, byte for byte."""

    name: str
    sha256: str

    @property
    def label(self) -> str:
        return f"{self.name} (SHA-256 {self.sha256})"

    @classmethod
    def of_text(cls, name: str, text: str) -> "Origin":
        """For an input that is not a file: the checksum of a canonical text of its values."""
        import hashlib

        return cls(name, hashlib.sha256(text.encode("utf-8")).hexdigest())


def error(sheet: str | None, row: int | None, column: str | None, text: str) -> Message:
    return Message(Severity.ERROR, Source(sheet, row, column), text)


def warning(sheet: str | None, row: int | None, column: str | None, text: str) -> Message:
    return Message(Severity.WARNING, Source(sheet, row, column), text)


def cell_error(table: Table, row: int | None, field: str | None, text: str) -> Message:
    """An error about a cell of a declared table: the column is named by its declared header."""
    return error(table.sheet, row, table.header(field) if field else None, text)


def cell_warning(table: Table, row: int | None, field: str | None, text: str) -> Message:
    return warning(table.sheet, row, table.header(field) if field else None, text)


def record_type(name: str, table: Table, doc: str, **derived: type) -> type:
    """A frozen dataclass whose fields are the table's declared columns, in order.

    Fields come from the declaration (type from the column's kind; optional columns may be
    None, and trailing optional columns default to None), then `derived` fields computed by
    the parser (keyword-only), then `row`, the Excel row the record was read from.
    """
    fields = []
    optional_tail = True
    for column in reversed(table.columns):
        optional_tail = optional_tail and not column.required
        spec = field(default=None) if optional_tail else field()
        fields.append((column.field, column.python_type, spec))
    fields.reverse()
    fields += [(key, kind, field(kw_only=True)) for key, kind in derived.items()]
    fields.append(("row", int | None, field(default=None, kw_only=True)))
    cls = make_dataclass(name, fields, frozen=True)
    cls.__module__ = __name__  # picklable and shown as xl_underskud.core.records.<name>
    cls.__doc__ = (f"{doc}\n\nOne row of {table.name} (sheet {table.sheet}); fields: "
                   + ", ".join(f[0] for f in fields) + ".")
    return cls


Agreement = record_type("Agreement", AFTALER, "Forpligtende købsaftale: one approved expansion.",
                        operator_code=int)  # municipality code, or the DAGI code of a region
Place = record_type("Place", PLADSER, "A guaranteed place; blank start date: first stay's day.")
Rate = record_type("Rate", TAKSTER, "Daily rate (kr.) and occupancy (fraction) of a year.")
Stay = record_type("Stay", OPHOLD, "A citizen's stay on a place (pseudonymous id).")
PopulationFigure = record_type("PopulationFigure", BEFOLKNING,
                               "Population of a municipality on a key date.")
CostRow = record_type("CostRow", OMKOSTNINGER, "Rate tools (SPEC rule 10): an offer's yearly costs.")
PLIndex = record_type("PLIndex", PLINDEKS, "PL growth in a year (0.021 = 2.1 %).")
LedgerRow = record_type("LedgerRow", AFREGNET, "What was settled (SPEC rule 14): one row of the "
                        "append-only ledger; amount in kr.")


def _coverage_share(self, guarantee_year: int) -> Decimal:
    """Share of the daily rate covered in guarantee year 1, 2, 3 …"""
    return self.coverage_schedule[guarantee_year - 1]


# Every parameter of the model, from the declared settings (defaults: the model adopted by KKR
# Hovedstaden) plus the coverage schedule of tblDaekning.
Settings = make_dataclass(
    "Settings",
    [("coverage_schedule", tuple[Decimal, ...],
      field(default=tuple(share for _, share in DEFAULT_COVERAGE)))]
    + [(s.field, s.python_type, field(default=s.default)) for s in SETTINGS],
    frozen=True, namespace={"coverage_share": _coverage_share})
Settings.__module__ = __name__
Settings.__doc__ = ("Every parameter of the model: coverage_schedule (tblDaekning) and "
                    + ", ".join(s.field for s in SETTINGS) + " (named cells on Indstillinger).")


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
    ledger: tuple[LedgerRow, ...] = ()  # tblAfregnet: what earlier settlements settled
    # the seal over the ledger (document property LEDGER_SEAL_PROPERTY, as text; None: the
    # file has none) and whether the workbook has tblAfregnet at all (rules/ledger.check_seal)
    # (not compared: what the reader could see of the file, not the inputs themselves — the
    # add-in reads the same inputs as the file reader, without the document properties)
    ledger_seal: str | None = field(default=None, compare=False)
    ledger_table: bool = True
    # False: the shell could not read the seal (Excel's open workbook)
    seal_read: bool = field(default=True, compare=False)
