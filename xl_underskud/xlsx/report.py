"""Shell: render output tables (`output_tables.py`) as a new, print-ready report workbook.

The report is written to a temporary file beside the target and moved into place only when
complete, so a failure never leaves a half-written report.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from xl_underskud.xlsx.atomic import atomic_target
from xl_underskud.xlsx.rows import can_stream, stream_rows
from xl_underskud.outputs.tables import ROWS_ABOVE_DATA, OutKind, OutTable, cell_value

HEADER_ROW = ROWS_ABOVE_DATA - 1  # 0-based; title in row 1, subtitle in row 2
SUBTOTAL_FILL = "#EEF2F8"  # a light band behind subtotal rows


def kind_formats(wb, cell: dict, header: dict, total: dict, left=frozenset(),
                 subtotal: dict | None = None) -> dict:
    """XlsxWriter formats per column kind, in the shell's own style (`cell`, `header`, `total`,
    `subtotal`; a subtotal row looks like a totals row unless `subtotal` says otherwise).

    fm[kind] formats a data cell, fm["header", kind] its header and fm["total", kind] its sum
    in a totals row; fm["subtotal", kind] a number in a subtotal row (`OutTable.subtotal_rows`),
    fm["subtotal", None] a label or an empty cell there. The number format and the alignment
    come from the kind (`OutKind`): numeric kinds are right-aligned, header too, except those
    in `left`.
    """
    subtotal = total if subtotal is None else subtotal
    headers = {False: wb.add_format(header), True: wb.add_format({**header, "align": "right"})}
    fm = {("subtotal", None): wb.add_format(subtotal)}
    for kind in OutKind:
        right = kind.numeric and kind not in left
        fm["header", kind] = headers[right]
        fm["total", kind] = wb.add_format({**total, "num_format": kind.totals.number_format})
        if kind.number_format:
            fm[kind] = wb.add_format({**cell, "num_format": kind.number_format,
                                      **({} if right else {"align": "left"})})
            fm["subtotal", kind] = wb.add_format({**subtotal, "num_format": kind.number_format})
    return fm


def _formats(wb):
    base = {"font_name": "Calibri", "font_size": 10}
    header = {**base, "bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF",
              "text_wrap": True, "valign": "vcenter", "border": 1, "border_color": "#BFBFBF"}
    return {
        "title": wb.add_format({**base, "bold": True, "font_size": 14, "font_color": "#1F3864"}),
        "subtitle": wb.add_format({**base, "italic": True, "font_color": "#595959"}),
        "block_title": wb.add_format({**base, "bold": True, "font_size": 12,
                                      "font_color": "#1F3864"}),
        "text": wb.add_format({**base, "text_wrap": False, "valign": "top"}),
        "wrap": wb.add_format({**base, "text_wrap": True, "valign": "top"}),
        "total_label": wb.add_format({**base, "bold": True, "top": 1}),
        "total_blank": wb.add_format({**base, "top": 1}),
        "empty": wb.add_format({**base, "italic": True, "font_color": "#595959"}),
        **kind_formats(wb, base, header, {**base, "bold": True, "top": 1},
                       subtotal={**base, "bold": True, "top": 1, "top_color": "#BFBFBF",
                                 "bg_color": SUBTOTAL_FILL}),
    }


def write_rows(ws, fm, table: OutTable, first_row: int, wrap_width: float = 60,
               links: dict[int, str] | None = None) -> None:
    """The table's data rows from `first_row`, each cell in its kind's format.

    `fm` holds a format per column kind (`kind_formats`) plus "text" and "wrap" (and "link"
    when `links` names columns whose text is a file to link to). Text in columns at least
    `wrap_width` wide wraps. What each column needs is looked up once; a text, a whole number,
    a Decimal and a date (the common cells) are converted here as `cell_value` would, any
    other value by it.
    """
    if not links and can_stream(ws):  # the same cells as below, as text: ten times faster
        return stream_rows(ws, fm, table, first_row, wrap_width)
    subtotals = table.subtotal_rows
    links = links or {}
    plan = [(c, col.kind, col.kind is OutKind.MONEY, fm.get(col.kind, fm["text"]),
             fm["wrap" if col.width >= wrap_width else "text"], links.get(c))
            for c, col in enumerate(table.columns)]
    date_format = fm[OutKind.DATE]
    write_string, write_number, write_url = ws.write_string, ws.write_number, ws.write_url
    dates_as_numbers = not ws.date_1904
    for n, row in enumerate(table.rows):
        r = first_row + n
        if n in subtotals:
            _subtotal_row(ws, fm, table, r, row)
            continue
        for (c, kind, money, number_format, text_format, tip), value in zip(plan, row):
            if value is None:
                continue
            t = type(value)
            if t is str:
                if tip is not None and value:
                    write_url(r, c, "external:" + value, fm["link"], string=value, tip=tip)
                else:
                    write_string(r, c, value, text_format)
            elif t is int:
                write_number(r, c, value / 100 if money else value, number_format)
            elif t is Decimal:
                write_number(r, c, float(value.scaleb(-2) if money else value), number_format)
            elif t is date and dates_as_numbers:
                write_number(r, c, excel_serial(value), date_format)
            else:
                v = cell_value(kind, value)
                if isinstance(v, (date, datetime)):
                    ws.write_datetime(r, c, v, date_format)
                elif isinstance(v, str):  # a text the kind turned into (none today)
                    write_string(r, c, v, text_format)
                else:
                    write_number(r, c, v, number_format)


EXCEL_EPOCH = date(1899, 12, 31)  # day 0 of Excel's 1900 date system


def excel_serial(day: date) -> float:
    """A date as Excel's serial number in the 1900 date system, as `write_datetime` writes it
    (after 28-02-1900 one more: Excel counts a 29-02-1900 that never was)."""
    n = (day - EXCEL_EPOCH).days
    return float(n + 1 if n > 59 else n)


def _subtotal_row(ws, fm, table: OutTable, r: int, row: tuple) -> None:
    """A subtotal row across the whole table: numbers in their kind's format, labels as text
    (never wrapped: they run on into the empty cells beside them), empty cells blank."""
    plain = fm["subtotal", None]
    for c, (col, value) in enumerate(zip(table.columns, row)):
        v = cell_value(col.kind, value)
        if v is None:
            ws.write_blank(r, c, None, plain)
        elif isinstance(v, str):
            ws.write_string(r, c, v, plain)
        elif isinstance(v, (date, datetime)):
            ws.write_datetime(r, c, v, fm["subtotal", OutKind.DATE])
        else:
            ws.write_number(r, c, v, fm.get(("subtotal", col.kind), plain))


def write_block(ws, fm, table: OutTable, header_row: int, header_height: float,
                wrap_width: float = 60, links: dict[int, str] | None = None) -> tuple[int, int]:
    """One table (report and statement workbooks): its header at `header_row`, the data rows
    and, when a column is summed, a totals row "I alt"; without rows, the table's empty text.

    `fm` as for `write_rows`, plus ("header", kind) and ("total", kind) (`kind_formats`),
    "total_label", "total_blank" and "empty". Returns (last row written, last data row).
    """
    for c, col in enumerate(table.columns):
        ws.write(header_row, c, col.header, fm["header", col.kind])
    ws.set_row(header_row, header_height)
    if not table.rows:
        ws.write(header_row + 1, 0, table.empty_text, fm["empty"])
        return header_row + 1, header_row
    write_rows(ws, fm, table, header_row + 1, wrap_width, links)
    last_data = header_row + len(table.rows)
    if not any(c.total for c in table.columns):
        return last_data, last_data
    total_row = last_data + 1
    totals = table.totals()
    for c, col in enumerate(table.columns):
        if c == 0:
            ws.write(total_row, 0, "I alt", fm["total_label"])
        elif col.total:
            ws.write_number(total_row, c, cell_value(col.kind, totals[c]), fm["total", col.kind])
        else:
            ws.write_blank(total_row, c, None, fm["total_blank"])
    return total_row, last_data


def _chart(wb, ws, table: OutTable, header_row: int, last_data: int, anchor_row: int):
    spec = table.chart
    headers = [c.header for c in table.columns]
    cat = headers.index(spec.category)
    chart = wb.add_chart({"type": spec.kind})
    colors = ["#1F3864", "#8FAADC", "#C55A11", "#F4B183"]
    for i, name in enumerate(spec.series):
        col = headers.index(name)
        chart.add_series({
            "name": [ws.name, header_row, col],
            "categories": [ws.name, header_row + 1, cat, last_data, cat],
            "values": [ws.name, header_row + 1, col, last_data, col],
            "fill": {"color": colors[i % len(colors)]},
            "line": {"color": colors[i % len(colors)]},
        })
    chart.set_title({"name": spec.title, "name_font": {"size": 12}})
    chart.set_y_axis({"name": spec.y_axis, "num_format": '#,##0 "kr."',
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 320})
    ws.insert_chart(anchor_row, 0, chart)
    return anchor_row + 17  # rows the chart covers


def render_table(wb, fm, table: OutTable):
    ws = wb.add_worksheet(table.sheet)
    ws.write(0, 0, table.title, fm["title"])
    ws.write(1, 0, table.subtitle, fm["subtitle"])
    widths = [c.width for c in table.columns]
    last, last_data = write_block(ws, fm, table, HEADER_ROW, 32)
    if table.rows:
        ws.autofilter(HEADER_ROW, 0, last_data, len(table.columns) - 1)
    ncols = len(table.columns)
    row = last + 2
    for block in table.more:
        ws.write(row, 0, block.title, fm["block_title"])
        header = row + 1
        block_last, block_data = write_block(ws, fm, block, header, 32)
        widths[:len(block.columns)] = [max(w, c.width) for w, c in
                                       zip(widths, block.columns)] + widths[len(block.columns):]
        widths += [c.width for c in block.columns[len(widths):]]
        ncols = max(ncols, len(block.columns))
        row = block_last + 2
        if block.chart is not None and block.rows:
            row = _chart(wb, ws, block, header, block_data, row) + 1
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    ws.freeze_panes(HEADER_ROW + 1, table.freeze_columns)
    ws.set_paper(9)
    ws.set_landscape()
    if table.freeze_columns:
        # wide: pages across, the row labels repeated on each, at a readable size
        ws.repeat_columns(0, (table.print_columns or table.freeze_columns) - 1)
        ws.set_print_scale(70)
    else:
        ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_ROW)
    ws.print_area(0, 0, max(row - 1, last), ncols - 1)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
    ws.set_header(f"&L&\"Calibri,Bold\"Underskudsgaranti&R{table.sheet}")
    ws.set_footer("&LUdskrevet &D&RSide &P af &N")
    return ws


# Every text is written as text: an AftaleID, a name or a file name that starts with '=', '+',
# '-' or '@' never becomes a formula (nor a link or a number) in a file the product writes.
TEXT_ONLY = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def new_workbook(path: str | Path, created: datetime, properties: dict,
                 **options) -> xlsxwriter.Workbook:
    """An XlsxWriter workbook that writes text as text and whose bytes do not depend on the
    clock: `created` (derived from the settlement) is its only timestamp; XlsxWriter dates
    the zip entries 1980-01-01 itself."""
    wb = xlsxwriter.Workbook(str(path), {**TEXT_ONLY, **options})
    wb.set_properties({**properties, "created": created})
    return wb


def write_report(path: str | Path, tables: list[OutTable], created: datetime) -> Path:
    """Write the tables as sheets of a new workbook at `path`, atomically."""
    with atomic_target(path) as tmp:
        # Rows are written in order (`render_table`), so each is written out as soon as the
        # next begins: the sheets are never held in memory whole.
        wb = new_workbook(tmp, created, {"title": "Afregning af underskudsgaranti",
                                         "author": "xl-underskud"}, constant_memory=True)
        fm = _formats(wb)
        for table in tables:
            render_table(wb, fm, table)
        wb.close()
    return Path(path)
