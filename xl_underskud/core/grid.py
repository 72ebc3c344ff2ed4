"""From a grid of cell values to `RawTable`s, for every shell: one path.

The file reader (python-calamine), the xlwings book reader (classic Excel or the add-in's
payload) and the worksheet functions (a range argument) each hand over a `Grid` — the cell
values as they read them, with where they stand — and the declared table's `TableArea`.
`read_table` then does the rest the same way everywhere: header matching and missing-header
messages, rows typed directly below the table, error values (an `ExcelError` marker, or the
text of an error code) located to their cell, and blank-row skipping. `scan_cpr` is SPEC rule
11 for a whole input sheet.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from xl_underskud.core.cpr import looks_like_cpr
from xl_underskud.core.municipalities import suggestion
from xl_underskud.core.parse import ExcelError, RawRow, RawTable, excel_error
from xl_underskud.core.records import Message, error, warning
from xl_underskud.core.declarations import (DEFAULT_COVERAGE_SHARE, DEFAULT_GUARANTEE_YEARS,
                                            SETTING, SETTINGS_SHEET, Period, Table, percent_text)


def column_letter(index: int) -> str:
    """Excel column letters for a 0-based index: 0 → A, 25 → Z, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def header_key(text) -> str:
    """Headers match regardless of case and spacing: 'antal  Pladser' = 'Antal pladser'."""
    return " ".join(str(text if text is not None else "").split()).casefold()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass(frozen=True)
class Grid:
    """Cell values as a shell read them: `rows[i][j]` is the cell in Excel row `top + i` and
    column index `left + j` (0 = A). Empty cells may be None or ""; a cell in error is an
    `ExcelError` or the error's text ("#N/A"). `sheet` names the sheet when the coordinates are
    the sheet's own (messages then name the cell, Ophold!G7); None for a function's range
    argument, whose rows are counted from the argument's first row."""

    rows: Sequence[Sequence]
    top: int = 1
    left: int = 0
    sheet: str | None = None

    def value(self, row: int, col: int):
        """The value at Excel row `row`, column index `col`: None when empty or outside."""
        r, c = row - self.top, col - self.left
        if r < 0 or c < 0 or r >= len(self.rows) or c >= len(self.rows[r]):
            return None
        value = self.rows[r][c]
        # read a million times for a large workbook: the common cases first, without calls
        if value is None:
            return None
        if isinstance(value, str):
            if not value.strip():
                return None
            if "#" not in value:
                return value
        elif not isinstance(value, ExcelError):
            return value
        marker = excel_error(value)
        if marker is None:
            return value
        if self.sheet is not None:
            return replace(marker, cell=f"{self.sheet}!{column_letter(col)}{row}")
        return marker


@dataclass(frozen=True)
class TableArea:
    """Where a declared table stands in its grid: header row and last data row (Excel rows),
    first and last column (0-based indexes). An empty body has `last_row == header_row`."""

    header_row: int
    first_col: int
    last_col: int
    last_row: int


def match_headers(table: Table, headers: list, header_row: int | None, where: str,
                  messages: list[Message]) -> dict[str, int] | None:
    """field → column offset in `headers`; None (and messages) when a declared header is missing."""
    position: dict[str, int] = {}
    for offset, header in enumerate(headers):
        position.setdefault(header_key(header), offset)
    columns, missing = {}, False
    names = [str(h) for h in headers if not is_blank(h) and excel_error(h) is None]
    for column in table.columns:
        offset = position.get(header_key(column.header))
        if offset is None:
            missing = True
            messages.append(error(table.sheet, header_row, column.header,
                                  f'Kolonnen "{column.header}" mangler i {where}.'
                                  + suggestion(column.header, _others(names, table.headers))))
        else:
            columns[column.field] = offset
    return None if missing else columns


def _others(candidates, taken) -> list[str]:
    """Candidates for a 'Mente du …?' hint: names that are not already a declared header."""
    folded = {header_key(t) for t in taken}
    return [c for c in candidates if header_key(c) not in folded]


def read_table(table: Table, grid: Grid, area: TableArea, where: str, messages: list[Message],
               headers: dict[int, str] | None = None) -> RawTable | None:
    """The declared table's rows, read from `grid` at `area`; None (and messages) when a declared
    header is missing.

    Rows typed directly below the table count as the table's (contiguous, non-blank in a
    declared column): Excel would have added them to the table, and a file filled by a script
    often forgets to widen it. `headers` (column index → declared header), when given, is
    filled in so that other messages about the sheet can name a cell by its column.
    """
    found = [grid.value(area.header_row, c) for c in range(area.first_col, area.last_col + 1)]
    offsets = match_headers(table, found, area.header_row, where, messages)
    if offsets is None:
        return None
    columns = {f: area.first_col + offset for f, offset in offsets.items()}
    if headers is not None:
        headers.update({c: table.header(f) for f, c in columns.items()})
    # rows below the grid are empty: a range declared far beyond the data costs nothing
    last = min(area.last_row, grid.top + len(grid.rows) - 1)
    while any(grid.value(last + 1, c) is not None for c in columns.values()):
        last += 1
    rows = []
    lines, top, left = grid.rows, grid.top, grid.left
    fields = [(f, c - left) for f, c in columns.items()]
    for row in range(area.header_row + 1, last + 1):
        # grid.value for each cell, its common cases inline (a nationwide table has 700,000)
        i = row - top
        line = lines[i] if 0 <= i < len(lines) else ()
        width = len(line)
        values = {}
        for f, j in fields:
            value = line[j] if 0 <= j < width else None
            t = type(value)
            if (t is str and ("#" in value or not value.strip())) or t is ExcelError:
                value = grid.value(row, j + left)
            values[f] = value
        if all(v is None for v in values.values()):
            continue
        rows.append(RawRow(row, values))
    return RawTable(table, tuple(rows))


_PERIOD_WORD = {Period.YEAR: "årlig", Period.QUARTER: "kvartalsvis", Period.MONTH: "månedlig"}


def settings_sheet_missing() -> Message:
    """The warning every reader gives for a workbook without sheet Indstillinger: the model's
    defaults apply, named from the declarations."""
    period = SETTING["Periode"].default
    return warning(SETTINGS_SHEET, None, None,
                   f'Arket "{SETTINGS_SHEET}" mangler; modellens standard bruges '
                   f"({percent_text(DEFAULT_COVERAGE_SHARE)} i {DEFAULT_GUARANTEE_YEARS} år, "
                   f"højst {SETTING['MaksPladser'].default} pladser, "
                   f"{_PERIOD_WORD[period]} afregning).")


def scan_cpr(sheet: str, grid: Grid, headers: dict[int, str], messages: list[Message]) -> None:
    """SPEC rule 11: any cell of an input sheet that looks like a CPR number is an error. The
    message names the cell (and the column's header inside a table), never the value."""
    innocent: set[str] = set()  # long texts already found not to look like one (names)
    for r, line in enumerate(grid.rows):
        for c, value in enumerate(line):
            # only text of 10+ characters or a 9-10 digit number can look like one (cheap first)
            t = type(value)
            if t is str:
                if len(value) < 10 or value in innocent:
                    continue
                if not looks_like_cpr(value):
                    if len(innocent) < 100_000:
                        innocent.add(value)
                    continue
            elif t is float or t is int:
                if value < 100_000_000 or not looks_like_cpr(value):
                    continue
            elif not (isinstance(value, (str, int, float)) and not isinstance(value, bool)
                      and (len(value) >= 10 if isinstance(value, str) else value >= 100_000_000)
                      and looks_like_cpr(value)):
                continue
            row, col = grid.top + r, grid.left + c
            messages.append(error(
                sheet, row, headers.get(col, column_letter(col)),
                f"Cellen {sheet}!{column_letter(col)}{row} ligner et CPR-nummer. "
                f"Projektmappen deles med 29 kommuner og må ikke indeholde CPR-numre: brug "
                f"et pseudonymt id."))
