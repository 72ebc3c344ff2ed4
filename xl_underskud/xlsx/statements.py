"""Shell: render statements (`statements.py`) as Excel files with XlsxWriter.

One workbook per party (sheet Opgørelse: header, result box, the statement's sections, the
basis) and the summary workbook (samlet oversigt) with native charts. Numbers are written as
numbers with Danish-looking formats (Excel shows 1.234,50 kr. in a Danish locale), pages are
A4 landscape, one page wide, with page numbers. No rule lives here.
"""
from __future__ import annotations

from pathlib import Path


from xl_underskud.xlsx.report import kind_formats, new_workbook, write_block
from xl_underskud.outputs.tables import OutKind, OutTable, cell_value
from xl_underskud.outputs.statements import (OverviewSheet, Statement, StatementSet,
                                             overview_sheets, statement_annex, statement_sections,
                                             summary_rows)

NAVY, GREY, LIGHT = "#1F3864", "#595959", "#DDE4F0"
SERIES_COLORS = ["#1F3864", "#8FAADC", "#C55A11", "#F4B183", "#548235", "#A9D18E", "#7F6000",
                 "#FFD966"]
CODES_LEFT = {OutKind.CODE}  # codes read as labels here: left-aligned, their headers too


def _formats(wb):
    base = {"font_name": "Calibri", "font_size": 10}
    header = {**base, "bold": True, "bg_color": NAVY, "font_color": "#FFFFFF", "text_wrap": True,
              "valign": "vcenter", "border": 1, "border_color": "#BFBFBF"}
    fm = {
        "title": {**base, "bold": True, "font_size": 15, "font_color": NAVY},
        "party": {**base, "bold": True, "font_size": 12},
        "subtitle": {**base, "italic": True, "font_color": GREY},
        "section": {**base, "bold": True, "font_size": 12, "font_color": NAVY},
        "note": {**base, "italic": True, "font_color": GREY},
        "text": {**base},
        "text_bold": {**base, "bold": True},
        "wrap": {**base, "text_wrap": True, "valign": "top"},
        "empty": {**base, "italic": True, "font_color": GREY},
        "box_label": {**base, "bg_color": LIGHT},
        "box_money": {**base, "bg_color": LIGHT, "num_format": OutKind.MONEY.number_format},
        "box_net_label": {**base, "bold": True, "bg_color": LIGHT, "top": 1},
        "box_net_money": {**base, "bold": True, "bg_color": LIGHT, "top": 1,
                          "num_format": OutKind.MONEY.number_format},
        "net_text": {**base, "bold": True, "font_size": 11, "font_color": NAVY},
        "basis": {**base, "text_wrap": True, "valign": "top", "font_color": "#404040"},
        "link": {**base, "font_color": "#0563C1", "underline": 1, "indent": 1},
    }
    out = {k: wb.add_format(v) for k, v in fm.items()}
    total = {**base, "bold": True, "top": 1, "bottom": 6}
    out["total_label"] = wb.add_format(total)
    out["total_blank"] = wb.add_format(total)
    subtotal = {**base, "bold": True, "top": 1, "top_color": "#BFBFBF", "bg_color": LIGHT}
    return out | kind_formats(wb, base, header, total, left=CODES_LEFT, subtotal=subtotal)


def _block(ws, fm, table: OutTable, row: int, links: dict[int, str] | None = None
           ) -> tuple[int, int]:
    """Header at `row`, data, totals. Returns (last data row, next free row): a blank row
    after a table, none after an empty table's note."""
    last, last_data = write_block(ws, fm, table, row, 30, wrap_width=40, links=links)
    return last_data, last + (2 if table.rows else 1)


def _page_setup(ws, header_left: str, footer_left: str, last_row: int, last_col: int):
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.75)
    ws.set_header(f"&L&\"Calibri,Bold\"{_hf(header_left)}&RUdskrevet &D")
    ws.set_footer(f"&L&8{_hf(footer_left)}&RSide &P af &N")
    ws.print_area(0, 0, last_row, last_col)
    ws.hide_gridlines(2)


def _hf(text: str) -> str:
    return text.replace("&", "&&")


def _widths(ws, tables: list[OutTable], minimum: int = 0) -> int:
    widths: list[float] = []
    for t in tables:
        for c, col in enumerate(t.columns):
            if c < len(widths):
                widths[c] = max(widths[c], col.width)
            else:
                widths.append(col.width)
    widths += [10] * max(0, minimum - len(widths))
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    return len(widths)


# --------------------------------------------------------------------------- statements
def write_statement_xlsx(path: str | Path, st: Statement, ss: StatementSet) -> Path:
    """One party's statement as a new workbook at `path` (the caller handles atomicity)."""
    wb = new_workbook(path, ss.stamp, {"title": f"{ss.title}: {st.name}",
                                       "author": "xl-underskud", "comments": ss.source_line},
                      in_memory=True)
    fm = _formats(wb)
    ws = wb.add_worksheet("Opgørelse")
    sections = statement_sections(st)
    ncols = _widths(ws, sections, minimum=6)
    last_col = ncols - 1

    ws.write(0, 0, ss.title, fm["title"])
    ws.set_row(0, 22)
    ws.write(1, 0, f"{st.name} ({st.code_label}), {st.role}", fm["party"])
    ws.write(2, 0, ss.source_line, fm["subtitle"])

    row = 4
    for label, text in ss.payment_lines(st):
        ws.write(row, 0, label, fm["text_bold"])
        ws.write(row, 2, text, fm["text"])
        row += 1
    row += 1
    for label, oere in summary_rows(st):
        net = label.startswith("Netto")
        ws.merge_range(row, 0, row, 2, label, fm["box_net_label" if net else "box_label"])
        ws.merge_range(row, 3, row, 4, cell_value(OutKind.MONEY, oere),
                       fm["box_net_money" if net else "box_money"])
        row += 1
    ws.write(row, 0, st.net_text, fm["net_text"])
    row += 2

    for table in sections:
        ws.write(row, 0, table.title, fm["section"])
        row += 1
        if table.subtitle:
            ws.write(row, 0, table.subtitle, fm["note"])
            row += 1
        _, row = _block(ws, fm, table, row)

    ws.write(row, 0, "Grundlag", fm["section"])
    row += 1
    for text in ss.settings_text:
        ws.merge_range(row, 0, row, last_col, text, fm["basis"])
        ws.set_row(row, 27 if len(text) > 150 else 15)
        row += 1
    annex = statement_annex(st)
    contents = "; ".join(t.title.removeprefix("Bilag: ") for t in annex)
    ws.write_url(row + 1, 0, "internal:'Bilag'!A1", fm["link"],
                 string=f"Bilag (arket Bilag): {contents}", tip="Gå til arket Bilag")
    row += 2

    _page_setup(ws, f"{ss.title} · {st.name} ({st.code})", ss.source_line, row, last_col)
    ws.set_selection(0, 0, 0, 0)
    _annex_sheet(wb, fm, annex, st, ss)
    wb.close()
    return Path(path)


def _annex_sheet(wb, fm, annex: list[OutTable], st: Statement, ss: StatementSet) -> None:
    """Sheet Bilag: the annex's tables, with their own column widths; the last (the runs of
    vacant days, the long one) filterable and its header repeated on every printed page."""
    ws = wb.add_worksheet("Bilag")
    last_col = _widths(ws, annex) - 1
    ws.write(0, 0, f"Bilag til {ss.title[0].lower()}{ss.title[1:]}", fm["title"])
    ws.set_row(0, 22)
    ws.write(1, 0, f"{st.name} ({st.code_label}), {st.role}", fm["party"])
    ws.write(2, 0, ss.source_line, fm["subtitle"])
    row = 4
    for table in annex:
        ws.write(row, 0, table.title, fm["section"])
        ws.merge_range(row + 1, 0, row + 1, last_col, table.subtitle, fm["basis"])
        ws.set_row(row + 1, 27)
        header = row + 2
        last_data, row = _block(ws, fm, table, header)
    if table.rows:
        ws.autofilter(header, 0, last_data, len(table.columns) - 1)
    _page_setup(ws, f"Bilag · {ss.title} · {st.name} ({st.code})", ss.source_line, row - 1,
                last_col)
    ws.repeat_rows(header)


# --------------------------------------------------------------------------- overview
def _chart(wb, ws, sheet: OverviewSheet, header: int, last_data: int, anchor: tuple[int, int],
           width: int):
    spec = sheet.chart
    headers = [c.header for c in sheet.table.columns]
    cat = headers.index(spec.category)
    n = last_data - header
    options = {"type": spec.kind}
    if spec.stacked:
        options["subtype"] = "stacked"
    chart = wb.add_chart(options)
    for i, name in enumerate(spec.series):
        col = headers.index(name)
        color = SERIES_COLORS[i % len(SERIES_COLORS)]
        chart.add_series({
            "name": [ws.name, header, col],
            "categories": [ws.name, header + 1, cat, last_data, cat],
            "values": [ws.name, header + 1, col, last_data, col],
            "fill": {"color": color}, "border": {"color": color},
            "gap": 60 if spec.kind == "bar" else 120,
        })
    chart.set_title({"name": spec.title, "name_font": {"size": 12, "bold": True}})
    value_axis = {"num_format": "#,##0", "num_font": {"size": 8, "rotation": 0},
                  "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}}
    if spec.kind == "bar":  # XlsxWriter: x = value axis (horizontal), y = category axis
        chart.set_x_axis(value_axis)
        chart.set_y_axis({"reverse": True, "num_font": {"size": 8}})
        size = {"width": width, "height": max(320, 20 * n + 110)}
    else:
        chart.set_y_axis(value_axis)
        chart.set_x_axis({"num_font": {"size": 9}})
        size = {"width": width, "height": 340}
    chart.set_legend({"position": "bottom"})
    chart.set_size(size)
    chart.set_chartarea({"border": {"none": True}})
    ws.insert_chart(anchor[0], anchor[1], chart, {"x_offset": 10, "y_offset": 5})
    return size


def write_overview(path: str | Path, ss: StatementSet) -> Path:
    """The summary workbook (samlet oversigt) with native Excel charts."""
    wb = new_workbook(path, ss.stamp, {"title": f"Samlet oversigt: underskudsgaranti "
                                                f"{ss.years_label}", "author": "xl-underskud",
                                       "comments": ss.source_line}, in_memory=True)
    fm = _formats(wb)
    for sheet in overview_sheets(ss):
        ws = wb.add_worksheet(sheet.name)
        table = sheet.table
        ncols = _widths(ws, [table])
        ws.write(0, 0, sheet.title, fm["title"])
        ws.set_row(0, 22)
        ws.write(1, 0, sheet.subtitle, fm["subtitle"])
        links = ({len(table.columns) - 1: "Åbn opgørelsen (samme mappe)"}
                 if sheet.name == "Oversigt" else None)
        header = 3
        last_data, nxt = _block(ws, fm, table, header, links)
        if table.rows:
            ws.autofilter(header, 0, last_data, ncols - 1)
        ws.freeze_panes(header + 1, 0)
        last_row, last_col = nxt - 1, ncols - 1
        if sheet.chart is not None and table.rows:
            pixels = [int(c.width * 7 + 5) for c in table.columns]
            width = min(max(sum(pixels), 640), 980)
            size = _chart(wb, ws, sheet, header, last_data, (nxt, 0), width)
            last_row = nxt + int(size["height"] / 20) + 1
            covered, col = sum(pixels), ncols
            while covered < width + 20:  # print area wide enough for the chart
                covered += 64
                col += 1
            last_col = col - 1
        _page_setup(ws, f"Samlet oversigt {ss.years_label} · {sheet.name}", ss.source_line,
                    last_row, last_col)
        ws.repeat_rows(header)
    wb.close()
    return Path(path)
