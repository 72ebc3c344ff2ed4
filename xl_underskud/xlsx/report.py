"""Shell: render output tables (`output_tables.py`) as a new, print-ready report workbook.

The report is written to a temporary file beside the target and moved into place only when
complete, so a failure never leaves a half-written report.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from .atomic import atomic_target
from ..output_tables import DATE, DECIMAL, INT, MONEY, PERCENT, OutTable

HEADER_ROW = 3  # 0-based; title in row 1, subtitle in row 2


def _formats(wb):
    base = {"font_name": "Calibri", "font_size": 10}
    return {
        "title": wb.add_format({**base, "bold": True, "font_size": 14, "font_color": "#1F3864"}),
        "subtitle": wb.add_format({**base, "italic": True, "font_color": "#595959"}),
        "header": wb.add_format({**base, "bold": True, "bg_color": "#1F3864",
                                 "font_color": "#FFFFFF", "text_wrap": True, "valign": "vcenter",
                                 "border": 1, "border_color": "#BFBFBF"}),
        "header_num": wb.add_format({**base, "bold": True, "bg_color": "#1F3864",
                                     "font_color": "#FFFFFF", "text_wrap": True, "align": "right",
                                     "valign": "vcenter", "border": 1, "border_color": "#BFBFBF"}),
        MONEY: wb.add_format({**base, "num_format": '#,##0.00 "kr."'}),
        INT: wb.add_format({**base, "num_format": "#,##0"}),
        DECIMAL: wb.add_format({**base, "num_format": "#,##0.00"}),
        PERCENT: wb.add_format({**base, "num_format": "0.0000%"}),
        DATE: wb.add_format({**base, "num_format": "dd-mm-yyyy", "align": "left"}),
        "text": wb.add_format({**base, "text_wrap": False, "valign": "top"}),
        "wrap": wb.add_format({**base, "text_wrap": True, "valign": "top"}),
        "total_label": wb.add_format({**base, "bold": True, "top": 1}),
        "total_" + MONEY: wb.add_format({**base, "bold": True, "top": 1,
                                         "num_format": '#,##0.00 "kr."'}),
        "total_" + INT: wb.add_format({**base, "bold": True, "top": 1, "num_format": "#,##0"}),
        "total_blank": wb.add_format({**base, "top": 1}),
        "empty": wb.add_format({**base, "italic": True, "font_color": "#595959"}),
    }


def _display(kind: str, value):
    if value is None:
        return None
    if kind == MONEY:
        return float(Decimal(value) / 100)  # øre → kr. for display; the sum is exact in øre
    if isinstance(value, Decimal):
        return float(value)
    return value


def render_table(wb, fm, table: OutTable):
    ws = wb.add_worksheet(table.sheet)
    ws.write(0, 0, table.title, fm["title"])
    ws.write(1, 0, table.subtitle, fm["subtitle"])
    numeric = {MONEY, INT, DECIMAL, PERCENT}
    for c, col in enumerate(table.columns):
        ws.write(HEADER_ROW, c, col.header, fm["header_num" if col.kind in numeric else "header"])
        ws.set_column(c, c, col.width)
    ws.set_row(HEADER_ROW, 32)
    if not table.rows:
        ws.write(HEADER_ROW + 1, 0, table.empty_text, fm["empty"])
    for r, row in enumerate(table.rows, start=HEADER_ROW + 1):
        for c, (col, value) in enumerate(zip(table.columns, row)):
            v = _display(col.kind, value)
            if v is None:
                continue
            if isinstance(v, (date, datetime)):
                ws.write_datetime(r, c, v, fm[DATE])
            elif isinstance(v, str):
                ws.write_string(r, c, v, fm["wrap" if col.width >= 60 else "text"])
            else:
                ws.write_number(r, c, v, fm.get(col.kind, fm["text"]))
    last = HEADER_ROW + max(len(table.rows), 1)
    if table.rows and any(c.total for c in table.columns):
        total_row = HEADER_ROW + len(table.rows) + 1
        totals = table.totals()
        for c, col in enumerate(table.columns):
            if c == 0:
                ws.write(total_row, 0, "I alt", fm["total_label"])
            elif col.total:
                ws.write_number(total_row, c, _display(col.kind, totals[c]),
                                fm["total_" + (MONEY if col.kind == MONEY else INT)])
            else:
                ws.write_blank(total_row, c, None, fm["total_blank"])
        last = total_row
    if table.rows:
        ws.autofilter(HEADER_ROW, 0, HEADER_ROW + len(table.rows), len(table.columns) - 1)
    ws.freeze_panes(HEADER_ROW + 1, 0)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_ROW)
    ws.print_area(0, 0, last, len(table.columns) - 1)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
    ws.set_header(f"&L&\"Calibri,Bold\"Underskudsgaranti&R{table.sheet}")
    ws.set_footer("&LUdskrevet &D&RSide &P af &N")
    return ws


def write_report(path: str | Path, tables: list[OutTable]) -> Path:
    """Write the tables as sheets of a new workbook at `path`, atomically."""
    with atomic_target(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp))
        wb.set_properties({"title": "Afregning af underskudsgaranti",
                           "author": "xl-underskud"})
        fm = _formats(wb)
        for table in tables:
            render_table(wb, fm, table)
        wb.close()
    return Path(path)
