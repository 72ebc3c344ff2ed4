"""Field-level reading: raw cell values → typed records, driven by the table declarations.

The shells (file reader, xlwings) hand over `RawTable`s: plain Python values as a
spreadsheet gives them (str, int, float, bool, date/datetime, None, and an `ExcelError` for a
cell holding an error value or a formula without a result) with their Excel row.
Nothing here knows about openpyxl or xlwings. Every problem becomes a `Message`; a row with an
error in a required field is left out of the typed result, so later checks do not trip on it.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from xl_underskud.core import municipalities as muni
from xl_underskud.core.cpr import looks_like_cpr
from xl_underskud.core.declarations import (AFREGNET, AFTALER, BEFOLKNING, DAEKNING, DATE_MAX,
                                            DATE_MIN, DEFAULT_COVERAGE_SHARE,
                                            LEDGER_SEAL_PROPERTY, NO, OMKOSTNINGER,
                                            OPHOLD, PLADSER, PLINDEKS, SETTINGS, SETTINGS_SHEET,
                                            TAKSTER, YES, Column, Kind, Setting, Table)
from xl_underskud.core.records import (Agreement, CostRow, Inputs, LedgerRow, Message, Origin,
                                       Place, PLIndex, PopulationFigure, Rate, Settings, Stay,
                                       cell_error, cell_warning, error)


# Excel's error values. A cell holding one (or text that is exactly one) is an error naming the
# cell, never a blank (SPEC rule 12).
ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
               "#GETTING_DATA", "#SPILL!", "#CONNECT!", "#BLOCKED!", "#UNKNOWN!", "#FIELD!",
               "#CALC!", "#BUSY!")
_ERROR_CODE = {code.casefold(): code for code in ERROR_CODES}


@dataclass(frozen=True)
class ExcelError:
    """A cell with no value the rules can use, as a shell hands it over: an Excel error value
    (`code`, e.g. "#N/A") or, with `code` None, a formula without a cached result.
    `cell` is where it stands ("Ophold!G7") when that is known."""

    code: str | None
    cell: str | None = None

    def reason(self, column: str | None = None) -> str:
        """The Danish message; `column` names the cell's column where its address is unknown."""
        where = (f"Cellen {self.cell}" if self.cell else
                 f"Cellen i kolonnen {column}" if column else "Cellen")
        if self.code is None:
            return (f"{where} indeholder en formel uden gemt resultat. Åbn og gem filen i Excel, "
                    f"eller skriv værdien direkte.")
        return (f"{where} indeholder fejlværdien {self.code}. Ret formlen eller skriv værdien "
                f"direkte.")


NO_CACHED_RESULT = ExcelError(None)


def excel_error(value) -> ExcelError | None:
    """The error a cell value stands for: a shell's marker, or text that is exactly an error code
    (it cannot be a valid input, and it is how Office.js and xlwings hand errors over)."""
    if isinstance(value, ExcelError):
        return value
    if isinstance(value, str) and "#" in value:
        code = _ERROR_CODE.get(value.strip().casefold())
        if code is not None:
            return ExcelError(code)
    return None


@dataclass(frozen=True)
class RawRow:
    row: int  # Excel row number
    values: dict  # field name -> raw value (an `ExcelError` for a cell in error)


@dataclass(frozen=True)
class RawTable:
    table: Table
    rows: tuple[RawRow, ...]


@dataclass(frozen=True)
class RawSetting:
    setting: Setting
    value: object
    row: int | None = None
    column: str | None = None  # Excel column letter of the named cell


@dataclass
class RawWorkbook:
    """What a shell read from a workbook, before any rule looked at it."""

    tables: dict = field(default_factory=dict)  # table name -> RawTable
    settings: dict = field(default_factory=dict)  # setting name -> RawSetting
    messages: list = field(default_factory=list)  # problems the shell found while reading
    origin: Origin | None = None  # what was read: name and checksum
    # the file's format version (declarations.FORMAT_VERSION); None: a hand-made workbook
    format_version: int | None = None
    properties: dict = field(default_factory=dict)  # custom document properties, as text
    # False: the shell cannot read document properties (the open workbook in Excel), so the
    # ledger's seal is not checked there (rules/ledger.check_seal)
    properties_read: bool = True


def cells_in_error(raw: RawWorkbook) -> set[tuple[str, int | None, str]]:
    """(sheet, Excel row, column header) of every table cell and setting holding an error value
    or a formula without a cached result: the cells whose value cannot be carried over."""
    out = set()
    for raw_table in raw.tables.values():
        table = raw_table.table
        for raw_row in raw_table.rows:
            out.update((table.sheet, raw_row.row, table.header(f))
                       for f, v in raw_row.values.items() if excel_error(v) is not None)
    out.update((SETTINGS_SHEET, rs.row, rs.setting.label)
               for rs in raw.settings.values() if excel_error(rs.value) is not None)
    return out


_DATE_TEXT = re.compile(r"^\s*(\d{1,2})-(\d{1,2})-(\d{4})\s*$")
_EXCEL_EPOCH = date(1899, 12, 30)
# Serial numbers of the declared first and last date in Excel's 1900 date system.
_SERIAL_MIN, _SERIAL_MAX = ((d - _EXCEL_EPOCH).days for d in (DATE_MIN, DATE_MAX))


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


_CPR_HIDDEN = "(værdien ligner et CPR-nummer og vises ikke)"


def _show(value) -> str:
    """A cell value fit for a message: shortened, and never a CPR-like value (SPEC rule 11)."""
    if looks_like_cpr(value):
        return _CPR_HIDDEN
    if isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")):
        # Excel hands over every number as a float: show 0 and 2022,5, not 0.0 and 2022.5.
        if abs(value) >= 1e15:  # 1e300 is not shown as its 301 digits
            return f"{value:.6g}".replace(".", ",")
        text = str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
        return text
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def convert(column: Column, value) -> tuple[object, str | None]:
    """Typed value for one cell, or (None, Danish reason) when it does not fit the column:
    its kind, its declared range, its declared maximum length or its choices. An Excel error
    value is never a value (SPEC rule 12)."""
    marker = excel_error(value)
    if marker is not None:
        return None, marker.reason(column.header)
    kind = column.kind
    if kind in (Kind.TEXT, Kind.ID):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, (datetime, date)):
            return None, f'"{_show(value)}" er en dato; her skal stå en tekst.'
        return _length_checked(column, str(value).strip())
    if kind == Kind.INTEGER:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None, f'"{_show(value)}" er ikke et tal; skriv et heltal.'
        if isinstance(value, float) and not value.is_integer():
            return None, f"{_show(value)} er ikke et heltal."
        number = int(value)
    elif kind in (Kind.DECIMAL, Kind.PERCENT):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None, f'"{_show(value)}" er ikke et tal.'
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            return None, "Cellen indeholder ikke et gyldigt tal."
        # repr gives the shortest decimal that round-trips the stored double: 3456.78, not
        # 3456.7799999999997. From here on all money arithmetic is exact.
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if kind == Kind.PERCENT:
            return _percent(column, value, number)
    elif kind == Kind.DATE:
        return _convert_date(value)
    elif kind in (Kind.CHOICE, Kind.YES_NO):
        choice, problem = _convert_choice(column.choices, value)
        if kind == Kind.YES_NO and problem is None:
            return choice == YES, None
        return choice, problem
    elif kind == Kind.MUNICIPALITY:
        if not isinstance(value, str):
            return None, f'"{_show(value)}" er ikke et kommunenavn.'
        return _length_checked(column, " ".join(value.split()))
    else:  # pragma: no cover - every Kind is handled above
        raise AssertionError(kind)
    if _out_of_range(column, number, "") is None:  # (the value is shown only in a message)
        return number, None
    return None, _out_of_range(column, number, _show(value))


def _out_of_range(column: Column, number, shown: str) -> str | None:
    """The Danish reason a number lies outside the column's declared range, or None."""
    if column.positive and number <= 0:
        return f"{shown} skal være større end 0."
    if not column.positive and number < column.minimum:
        return f"{shown} er for lille; mindst {column.bound_text(column.minimum)}."
    if number > column.maximum:
        if column.kind == Kind.PERCENT and column.maximum == 1:
            return f"{shown} er over 100 %."
        return f"{shown} er for stor; højst {column.bound_text(column.maximum)}."
    return None


def _in_range(column: Column, number) -> bool:
    return _out_of_range(column, number, "") is None


def _percent(column: Column, value, number: Decimal) -> tuple[Decimal | None, str | None]:
    """A percentage is stored as a fraction (95 % = 0,95). A whole number that only fits as whole
    percent (95) is read as such; a number that could be read two ways (1,7: 170 % or 1,7 %?)
    is an error, not a guess (SPEC rule 12)."""
    if _in_range(column, number):
        return number, None
    whole_percent = number / 100
    if _in_range(column, whole_percent):
        if number == number.to_integral_value():
            return whole_percent, None
        shown = _show(value)
        return None, (f"{shown} kan læses på to måder ({column.bound_text(number)} eller "
                      f"{shown} %); skriv procenten med procenttegn, fx {shown} %.")
    return None, _out_of_range(column, number, _show(value))


def _length_checked(column: Column, text: str) -> tuple[str | None, str | None]:
    if len(text) > column.max_length:
        return None, (f"Teksten er {len(text)} tegn lang; {column.header} må højst være "
                      f"{column.max_length} tegn.")
    return text, None


def _convert_date(value) -> tuple[date | None, str | None]:
    day, problem = _read_date(value)
    if day is not None and not DATE_MIN <= day <= DATE_MAX:
        # A small number in a date-formatted cell (12 → 12-01-1900) or a mistyped year.
        shown = f"{day.day:02d}-{day.month:02d}-{day.year:04d}"
        return None, (f"{shown} ligger uden for {DATE_MIN.year}–{DATE_MAX.year} og er næppe "
                      f"den rigtige dato; skriv dd-mm-åååå.")
    return day, problem


def _read_date(value) -> tuple[date | None, str | None]:
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and _SERIAL_MIN <= value <= _SERIAL_MAX:
            return _EXCEL_EPOCH + timedelta(days=int(value)), None
        return None, f"{_show(value)} er ikke en dato; skriv dd-mm-åååå."
    if isinstance(value, str):
        m = _DATE_TEXT.match(value)
        if m:
            try:
                return date(int(m.group(3)), int(m.group(2)), int(m.group(1))), None
            except ValueError:
                return None, f'"{_show(value)}" er ikke en gyldig dato.'
    return None, f'"{_show(value)}" er ikke en dato; skriv dd-mm-åååå.'


def _fold_choice(text: str) -> str:
    return "".join(str(text).replace("§", "").split()).casefold()


def _convert_choice(choices: tuple[str, ...], value) -> tuple[str | None, str | None]:
    if isinstance(value, bool) and {YES, NO} <= set(choices):
        return (YES if value else NO), None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    folded = _fold_choice(text)
    if folded.startswith("sel"):
        folded = folded[3:]
    for choice in choices:
        if _fold_choice(choice) == folded:
            return choice, None
    allowed = ", ".join(f'"{c}"' for c in choices)
    return None, f'"{_show(value)}" er ikke tilladt; vælg en af {allowed}.'


def _maybe_cpr(value) -> bool:
    """Cheap pre-check: only long text or 9–10 digit numbers can look like a CPR number."""
    if isinstance(value, str):
        return len(value) >= 10
    return isinstance(value, (int, float)) and value >= 100_000_000


# Kinds whose common cells `typed_rows` converts inline: a date, a whole number, a text.
_FAST = {Kind.DATE: "date", Kind.INTEGER: "integer", Kind.ID: "text", Kind.TEXT: "text",
         Kind.MUNICIPALITY: "municipality"}
_CPR_FROM = 100_000_000  # a number this large may be a CPR number (`_maybe_cpr`)


def typed_rows(raw: RawTable, messages: list[Message]) -> list[tuple[int, dict]]:
    """Convert each row of a raw table; rows whose required fields fail (an error value among
    them) are dropped, and so are rows holding a CPR-like value (reported by the shell that read
    the cell). A failing optional field is reported and left blank."""
    table = raw.table
    out = []
    plan = [(column, column.field, _FAST.get(column.kind), column.max_length)
            for column in table.columns]
    for raw_row in raw.rows:
        values = {}
        ok = True
        raw_values = raw_row.values
        for column, name, fast, max_length in plan:
            value = raw_values.get(name)
            # The common cells of a large table, typed here as `convert` types them (no error
            # value, not blank, nothing that could look like a CPR number); the rest below.
            if fast is not None:
                t = type(value)
                if fast == "date":
                    if t is datetime:
                        day = value.date()
                    elif t is date:
                        day = value
                    else:
                        day = None
                    if day is not None and DATE_MIN <= day <= DATE_MAX:
                        values[name] = day
                        continue
                elif fast == "integer":
                    if (t is float and value.is_integer() or t is int) and \
                            -_CPR_FROM < value < _CPR_FROM:
                        number = int(value)
                        if _out_of_range(column, number, "") is None:
                            values[name] = number
                            continue
                elif t is str and "#" not in value and (len(value) < 10 or not looks_like_cpr(
                        value)):
                    text = value.strip() if fast == "text" else " ".join(value.split())
                    if text and len(text) <= max_length:
                        values[name] = text
                        continue
            if _is_blank(value):
                if column.required:
                    messages.append(error(table.sheet, raw_row.row, column.header,
                                          f"{column.header} skal udfyldes."))
                    ok = False
                values[column.field] = None
                continue
            if _maybe_cpr(value) and looks_like_cpr(value):
                # SPEC rule 11: the shells report every CPR-like cell (reader.py, excel/book.py,
                # excel/frames.py). The row goes no further, so no later message can repeat it.
                ok = False
                continue
            typed, problem = convert(column, value)
            if problem:
                messages.append(error(table.sheet, raw_row.row, column.header, problem))
                if column.required:
                    ok = False
            values[column.field] = typed
        if ok:
            out.append((raw_row.row, values))
    return out


# muni.code_for of the same few names, 100,000 times over in a nationwide Ophold
_code_for = functools.lru_cache(maxsize=4096)(muni.code_for)


def _municipality_code(name: str, table: Table, row: int, field_name: str, allow_region: bool,
                       messages: list[Message]) -> int | None:
    code = _code_for(name)
    if code is not None and (allow_region or code not in muni.REGIONS):
        return code
    sheet, header = table.sheet, table.header(field_name)
    candidates = [m.name for m in muni.all_municipalities()]
    if allow_region:
        candidates += list(muni.REGIONS.values())
    what = "kommune eller region" if allow_region else "kommune"
    if looks_like_cpr(name):
        messages.append(error(sheet, row, header,
                              f"Værdien ligner et CPR-nummer og vises ikke; her skal stå en "
                              f"{what}."))
    elif code is not None:  # a region where only municipalities may stand
        messages.append(error(sheet, row, header,
                              f'"{_show(name)}" er en region; her skal stå en kommune.'))
    else:
        messages.append(error(sheet, row, header,
                              f'"{_show(name)}" er ikke en kendt {what}.'
                              + muni.suggestion(name, candidates)))
    return None


def parse_inputs(raw: RawWorkbook) -> tuple[Inputs, list[Message]]:
    """Typed `Inputs` and every field-level problem. Cross-row rules live in `checks.py`.

    Each record is built from its row's declared fields (`records.record_type`); the few
    derived fields (an operator's code) and the checks against reference data are added here.
    """
    messages: list[Message] = []

    agreements = []
    for row, v in _rows(raw, AFTALER, messages):
        code = _municipality_code(v["operator"], AFTALER, row, "operator", True, messages)
        if code is not None:
            agreements.append(Agreement(**v, operator_code=code, row=row))

    places = [Place(**v, row=row) for row, v in _rows(raw, PLADSER, messages)]
    rates = [Rate(**v, row=row) for row, v in _rows(raw, TAKSTER, messages)]

    stays = []
    for row, v in _rows(raw, OPHOLD, messages):
        if v["paying_municipality"] is not None:
            _municipality_code(v["paying_municipality"], OPHOLD, row, "paying_municipality",
                               False, messages)
        stays.append(Stay(**v, row=row))

    population = []
    names = muni.names_by_code()
    for row, v in _rows(raw, BEFOLKNING, messages):
        code = v["municipality_code"]
        known = names.get(code)
        if known is None or code in muni.REGIONS:
            messages.append(cell_error(BEFOLKNING, row, "municipality_code",
                                       f"{code} er ikke en dansk kommunekode."))
            continue
        if muni.code_for(v["municipality"]) != code:
            messages.append(cell_error(BEFOLKNING, row, "municipality",
                                       f'"{_show(v["municipality"])}" passer ikke til kommunekode '
                                       f'{code} ({known}).'))
            continue
        population.append(PopulationFigure(**{**v, "municipality": known}, row=row))

    # An agreement whose row has an error is left out; its places, rates and stays are left out
    # with it, or every one of them would be reported as referring to an agreement that "does
    # not exist on the sheet Aftaler" — untrue, and a finance officer would add it once more.
    listed = (_valid_values(raw.tables[AFTALER.name], "agreement_id")
              if AFTALER.name in raw.tables else set())
    rejected = listed - {a.agreement_id for a in agreements}
    if rejected:
        places = [p for p in places if p.agreement_id not in rejected]
        rates = [r for r in rates if r.agreement_id not in rejected]
        stays = [s for s in stays if s.agreement_id not in rejected]

    settings = parse_settings(raw, messages)
    costs = [CostRow(**v, row=row) for row, v in _rows(raw, OMKOSTNINGER, messages)]
    pl_index = [PLIndex(**v, row=row) for row, v in _rows(raw, PLINDEKS, messages)]
    ledger = [LedgerRow(**v, row=row) for row, v in _rows(raw, AFREGNET, messages)]
    return Inputs(tuple(agreements), tuple(places), tuple(rates), tuple(stays),
                  tuple(population), settings, tuple(costs), tuple(pl_index),
                  tuple(ledger), raw.properties.get(LEDGER_SEAL_PROPERTY),
                  AFREGNET.name in raw.tables, raw.properties_read), messages


def _valid_values(raw_table: RawTable, field_name: str) -> set:
    """The valid values typed in one column, whether or not the rest of each row is valid."""
    column = raw_table.table.column(field_name)
    out = set()
    for raw_row in raw_table.rows:
        value = raw_row.values.get(column.field)
        if not _is_blank(value):
            typed, problem = convert(column, value)
            if problem is None:
                out.add(typed)
    return out


def _rows(raw: RawWorkbook, table: Table, messages: list[Message]):
    if table.name not in raw.tables:
        return []
    return typed_rows(raw.tables[table.name], messages)


def parse_settings(raw: RawWorkbook, messages: list[Message]) -> Settings:
    """Settings from the named cells and tblDaekning; blanks take the declared defaults."""
    values = {}
    for setting in SETTINGS:
        rs = raw.settings.get(setting.name)
        values[setting.field] = setting.default
        if rs is None or _is_blank(rs.value):
            continue
        value = rs.value
        marker = excel_error(value)
        if marker is not None and rs.row is not None and rs.column is not None:
            value = replace(marker, cell=f"{SETTINGS_SHEET}!{rs.column}{rs.row} ({setting.name})")
        typed, problem = convert(setting.column, value)
        if problem:
            messages.append(error(SETTINGS_SHEET, rs.row, setting.label, problem))
        else:
            values[setting.field] = setting.typed(typed)
    _check_statement_texts(raw, values, messages)
    schedule = _coverage_schedule(raw, values["guarantee_years"], messages)
    return Settings(coverage_schedule=schedule, **values)


_PLACEHOLDER = re.compile(r"\{[^{}]*\}?|\}")
REFERENCE_FIELDS = ("{periode}", "{kommunekode}")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _check_statement_texts(raw: RawWorkbook, values: dict, messages: list[Message]) -> None:
    """The texts printed on every payable statement: the sender, the contact lines and the
    payment reference. A line break in them breaks the statement's layout (and an e-mail
    address with one is not an address); a reference with a placeholder other than {periode}
    and {kommunekode} would be printed as written ({kommune}, {0}, {periode:>9}) on 29
    statements, and one without {kommunekode} gives every paying municipality the same
    reference, so the operator cannot tell the payments apart."""
    by_field = {s.field: s for s in SETTINGS}

    def problem(field_name: str, text: str) -> None:
        setting = by_field[field_name]
        rs = raw.settings.get(setting.name)
        messages.append(error(SETTINGS_SHEET, rs.row if rs else None, setting.label, text))

    for field_name in ("secretariat", "contact_email", "contact_phone", "reference_rule"):
        value = values.get(field_name)
        if isinstance(value, str) and _CONTROL.search(value):
            problem(field_name, f"{by_field[field_name].label} må ikke indeholde linjeskift "
                                f"eller andre styretegn; skriv teksten på én linje.")
            values[field_name] = by_field[field_name].default
    email = values.get("contact_email")
    if isinstance(email, str) and email and not _CONTROL.search(email) and not _EMAIL.match(email):
        problem("contact_email", f'"{email[:60]}" er ikke en e-mailadresse (fx '
                                 f"sekretariat@kommune.dk).")
    rule = values.get("reference_rule")
    if isinstance(rule, str):
        unknown = [m.group(0) for m in _PLACEHOLDER.finditer(rule)
                   if m.group(0) not in REFERENCE_FIELDS]
        if unknown:
            problem("reference_rule", f"Betalingsreferencen {rule} indeholder {unknown[0][:20]}; "
                                      f"kun {{periode}} og {{kommunekode}} udfyldes (fx "
                                      f"UG-{{periode}}-{{kommunekode}}).")
        elif odd := [ch for ch in rule if ch.encode("latin-1", "replace") == b"?" and ch != "?"]:
            # the PDF's core font draws latin-1 only: the PDF would show "?" where the .xlsx
            # shows the character, and the two statements would name different references
            problem("reference_rule", f"Betalingsreferencen {rule} indeholder tegnet {odd[0]} "
                                      f"(U+{ord(odd[0]):04X}), som ikke kan skrives i "
                                      f"PDF-opgørelsen; brug bogstaver, tal og fx - eller /.")
        elif "{kommunekode}" not in rule:
            problem("reference_rule", f"Betalingsreferencen {rule} mangler {{kommunekode}}: "
                                      f"så får alle betalende kommuner samme reference, og "
                                      f"driftsherren kan ikke se, hvem der har betalt (fx "
                                      f"UG-{{periode}}-{{kommunekode}}).")


def _coverage_schedule(raw: RawWorkbook, years: int, messages: list[Message]) -> tuple[Decimal, ...]:
    if DAEKNING.name not in raw.tables:
        return tuple(DEFAULT_COVERAGE_SHARE for _ in range(years))
    shares: dict[int, Decimal] = {}
    # A year whose row has an error (reported by typed_rows) is not "missing" as well.
    listed = _valid_values(raw.tables[DAEKNING.name], "guarantee_year")
    year_header = DAEKNING.header("guarantee_year")
    for row, v in typed_rows(raw.tables[DAEKNING.name], messages):
        year = v["guarantee_year"]
        if year in shares:
            messages.append(cell_error(DAEKNING, row, "guarantee_year",
                                       f"{year_header} {year} står mere end én gang i "
                                       f"{DAEKNING.name}."))
        elif year > years:
            messages.append(cell_warning(DAEKNING, row, "guarantee_year",
                                         f"{year_header} {year} ligger efter garantiperioden på "
                                         f"{years} år og bruges ikke."))
        shares[year] = v["coverage_share"]
    missing = [y for y in range(1, years + 1) if y not in shares and y not in listed]
    if missing:
        which = ", ".join(str(y) for y in missing)
        messages.append(cell_error(DAEKNING, None, "coverage_share",
                                   f"{DAEKNING.header('coverage_share')} mangler for "
                                   f"{year_header.lower()} {which} i {DAEKNING.name}."))
    return tuple(shares.get(y, DEFAULT_COVERAGE_SHARE) for y in range(1, years + 1))
