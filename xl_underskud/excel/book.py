"""Shell: read an open workbook through xlwings, and write output tables into it.

Works the same on a classic Excel book (Windows, `xw.Book.caller()`) and on xlwings Server's
remote book (`xw.Book(json=payload)`). Each input sheet's values are read once (its used
range, errors as their text) and every declared table is read from that grid by
`core.grid.read_table`, as the file reader does: what is read becomes the same `RawWorkbook`,
rows typed below a table included, so the same core validates and computes.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from xl_underskud.core.grid import (Grid, TableArea, column_letter, read_table, scan_cpr,
                                    settings_sheet_missing)
from xl_underskud.core.municipalities import suggestion
from xl_underskud.outputs.tables import (ROWS_ABOVE_DATA, OutKind, OutTable, cell_value,
                                         continuation_of, is_output_sheet)
from xl_underskud.core.parse import RawSetting, RawWorkbook
from xl_underskud.core.records import Origin, error
from xl_underskud.core.declarations import (ALL_TABLES, BEFOLKNING, INPUT_SHEETS,
                                            OPTIONAL_SHEETS, SETTINGS, SETTINGS_SHEET)
from xl_underskud.excel.cells import READ, grid_rows

HEADER_ROW = ROWS_ABOVE_DATA  # 1-based: title in row 1, subtitle in row 2, header in row 4


def _sheet(book, name: str):
    for sheet in book.sheets:
        if sheet.name.casefold() == name.casefold():
            return sheet
    return None


def sheet_grid(sheet, name: str) -> Grid:
    """The sheet's values, read once: its used range as rows, with where it starts."""
    used = sheet.used_range
    return Grid(grid_rows(used.options(**READ).value), top=used.row, left=used.column - 1,
                sheet=name)


def table_area(table) -> TableArea:
    """Where an xlwings table stands: header row, columns and last data row."""
    body, header = table.data_body_range, table.header_row_range
    width = header if header is not None else body
    header_row = header.row if header is not None else body.row - 1  # a table shown without one
    return TableArea(header_row, width.column - 1, width.last_cell.column - 1,
                     body.last_cell.row if body is not None else header_row)


def read_book(book) -> RawWorkbook:
    # the open workbook's document properties are not read here: the ledger's seal is checked
    # by the commands that settle from the file (README, "Afregnet er afregnet")
    raw = RawWorkbook(properties_read=False)
    names = [s.name for s in book.sheets]
    sheets, grids = {}, {}
    for wanted in INPUT_SHEETS:
        sheet = _sheet(book, wanted)
        if sheet is None:
            if wanted in OPTIONAL_SHEETS and wanted != SETTINGS_SHEET:
                continue  # optional: no rate tools / nothing settled in this workbook
            if wanted == SETTINGS_SHEET:
                raw.messages.append(settings_sheet_missing())
            else:
                raw.messages.append(error(wanted, None, None, f'Arket "{wanted}" mangler i '
                                          f"projektmappen." + suggestion(wanted, names)))
            continue
        sheets[wanted] = sheet
        grids[wanted] = sheet_grid(sheet, wanted)

    headers: dict[str, dict[int, str]] = {name: {} for name in grids}
    for table in ALL_TABLES:
        sheet = sheets.get(table.sheet)
        if sheet is None:
            continue
        found = next((t for t in sheet.tables if t.name.casefold() == table.name.casefold()), None)
        if found is None and table.optional:
            continue
        if found is None:
            raw.messages.append(error(table.sheet, None, None,
                                      f"Tabellen {table.name} mangler på arket {table.sheet}."
                                      + suggestion(table.name, [t.name for t in sheet.tables])))
            continue
        raw_table = read_table(table, grids[table.sheet], table_area(found),
                               f"tabellen {table.name}", raw.messages, headers[table.sheet])
        if raw_table is not None:
            raw.tables[table.name] = raw_table

    if SETTINGS_SHEET in sheets:
        book_names = {n.name: n for n in book.names}
        for setting in SETTINGS:
            name = book_names.get(setting.name)
            if name is None:
                continue
            cell = name.refers_to_range
            if cell.sheet.name.casefold() == SETTINGS_SHEET.casefold():
                value = grids[SETTINGS_SHEET].value(cell.row, cell.column - 1)
            else:
                value = grid_rows(cell.options(**READ).value)[0][0]
            raw.settings[setting.name] = RawSetting(setting, value, cell.row,
                                                    column_letter(cell.column - 1))

    for name, grid in grids.items():
        scan_cpr(name, grid, headers[name], raw.messages)
    raw.origin = Origin.of_text(book.name, _canonical(raw))
    return raw


def _canonical(raw: RawWorkbook) -> str:
    """The values read, as one text (tables by name, rows in order, settings by name): the open
    workbook has no file to checksum, so its outputs name the checksum of what was read."""
    lines = []
    for name in sorted(raw.tables):
        for row in raw.tables[name].rows:
            lines.append(f"{name}|{row.row}|" + "|".join(
                f"{k}={row.values[k]!r}" for k in sorted(row.values)))
    for name in sorted(raw.settings):
        lines.append(f"{name}={raw.settings[name].value!r}")
    return "\n".join(lines)


# Excel reads a value written into a cell that starts with one of these as a formula (or, for
# - and +, an expression): "=HYPERLINK(…)" typed as an AftaleID elsewhere must come back as text.
# The leading apostrophe is Excel's own mark for "text as typed"; it is not shown.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text(value):
    """A text for a cell, never a formula; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _display(kind: OutKind, value):
    value = cell_value(kind, value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)  # xlwings writes datetimes
    return as_text(value)


def _write_block(sheet, table: OutTable, header_row: int) -> int:
    """One table with its header at `header_row` (1-based); returns the last row used."""
    n_cols = len(table.columns)
    header = sheet.range((header_row, 1), (header_row, n_cols))
    header.value = [as_text(c.header) for c in table.columns]
    header.font.bold = True
    header.color = "#D9E1F2"
    rows = [[_display(c.kind, v) for c, v in zip(table.columns, row)] for row in table.rows]
    if not rows:
        sheet.range((header_row + 1, 1)).value = as_text(table.empty_text)
        return header_row + 1
    has_totals = any(c.total for c in table.columns)
    if has_totals:
        totals = table.totals()
        rows.append(["I alt"] + [_display(c.kind, t) if c.total else None
                                 for c, t in zip(table.columns[1:], totals[1:])])
    sheet.range((header_row + 1, 1)).value = rows
    last = header_row + len(rows)
    for i, column in enumerate(table.columns, start=1):
        if column.kind.number_format:
            sheet.range((header_row + 1, i), (last, i)).number_format = column.kind.number_format
    if has_totals:
        sheet.range((last, 1), (last, n_cols)).font.bold = True
    for first, end in _bands(table.subtotal_rows)[:MAX_BOLD_BANDS]:
        sheet.range((header_row + 1 + first, 1), (header_row + 1 + end, n_cols)).font.bold = True
    return last


# Each band of subtotal rows made bold is one action for Excel to apply; past this many the
# rows keep their labels but not the bold face (a table that long is read filtered anyway).
MAX_BOLD_BANDS = 2_000


def _bands(rows: frozenset[int]) -> list[tuple[int, int]]:
    """Consecutive row indices as (first, last) bands: {3, 4, 5, 9} → [(3, 5), (9, 9)]."""
    out: list[tuple[int, int]] = []
    for i in sorted(rows):
        if out and out[-1][1] == i - 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def write_table(book, table: OutTable):
    """Replace the contents of `table.sheet` (added at the end if missing) with the table."""
    sheet = _sheet(book, table.sheet)
    if sheet is None:
        sheet = book.sheets.add(table.sheet, after=book.sheets[-1])
    else:
        sheet.clear()
    sheet["A1"].value = as_text(table.title)
    sheet["A1"].font.bold = True
    sheet["A1"].font.size = 14
    sheet["A2"].value = as_text(table.subtitle)
    sheet["A2"].font.italic = True
    row = _write_block(sheet, table, HEADER_ROW) + 2
    widths = [c.width for c in table.columns]
    for block in table.more:  # charts are drawn only in report workbooks
        sheet.range((row, 1)).value = as_text(block.title)
        sheet.range((row, 1)).font.bold = True
        row = _write_block(sheet, block, row + 1) + 2
        widths = [max(a, b) for a, b in zip(widths, [c.width for c in block.columns])] + \
            widths[len(block.columns):] + [c.width for c in block.columns[len(widths):]]
    for i, width in enumerate(widths, start=1):
        sheet.range((1, i)).column_width = width
    return sheet


def clear_outputs(book) -> list[str]:
    """Delete the output sheets (and the sheets a long table continued on); returns the names
    deleted."""
    deleted = []
    for sheet in list(book.sheets):
        if is_output_sheet(sheet.name):
            deleted.append(sheet.name)
            sheet.delete()
    return deleted


def drop_continuations(book, written: Iterable[str]) -> None:
    """Delete the sheets an earlier, longer table continued on that were not written now."""
    keep = {name.casefold() for name in written}
    for sheet in list(book.sheets):
        if continuation_of(sheet.name) is not None and sheet.name.casefold() not in keep:
            sheet.delete()


def write_population(book, rows: list[list]) -> None:
    """Replace the body of tblBefolkning with `rows` (declared column order), resizing it."""
    sheet = _sheet(book, BEFOLKNING.sheet)
    table = next(t for t in sheet.tables if t.name.casefold() == BEFOLKNING.name.casefold())
    header = table.header_row_range
    first_row, first_col = header.row + 1, header.column
    old_body = table.data_body_range
    old_last = old_body.last_cell.row if old_body is not None else header.row
    values = [[_display(OutKind.DATE, v) if isinstance(v, date) else as_text(v) for v in row]
              for row in rows]
    last_col = first_col + len(BEFOLKNING.columns) - 1
    if values:
        sheet.range((first_row, first_col)).value = values
    new_last = header.row + max(len(values), 1)
    if old_last > new_last:
        sheet.range((new_last + 1, first_col), (old_last, last_col)).clear_contents()
    table.resize(sheet.range((header.row, first_col), (new_last, last_col)))
    key_date = BEFOLKNING.column("key_date")  # written as datetimes: give them the date format
    col = first_col + BEFOLKNING.columns.index(key_date)
    sheet.range((first_row, col), (new_last, col)).number_format = key_date.num_format
