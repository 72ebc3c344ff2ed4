"""Shell: render a statement (`statements.py`) as PDF with fpdf2.

A4 landscape, the PDF core font Helvetica (latin-1: æøå and § are fine; other characters are
replaced by look-alikes), header with the party, footer with the source line and
"Side n af m". The sections are the same tables as in the statement's Excel file.
No rule lives here.
"""
from __future__ import annotations

from datetime import timezone
from pathlib import Path

from fpdf import FPDF

from xl_underskud.outputs.display import kr
from xl_underskud.outputs.tables import OutTable
from xl_underskud.outputs.statements import (Statement, StatementSet, statement_annex,
                                             statement_sections, summary_rows)

NAVY = (31, 56, 100)
GREY = (89, 89, 89)
LIGHT = (221, 228, 240)
STRIPE = (243, 245, 249)
FONT = "Helvetica"
MM_PER_CHAR = 1.75  # column widths are given in Excel characters

_LOOKALIKES = {"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'",
               "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2026": "...", "\u2264": "<=",
               "\u2265": ">=", "\u00a0": " ", "\u202f": " ", "\u2192": "->", "\u2022": "·"}


def latin1(text: str) -> str:
    """Text the core fonts can draw: look-alikes for common typography, '?' for the rest."""
    text = "".join(_LOOKALIKES.get(ch, ch) for ch in str(text))
    return text.encode("latin-1", "replace").decode("latin-1")


class _Doc(FPDF):
    def __init__(self, head_left: str, head_right: str, foot_left: str):
        super().__init__(orientation="L", unit="mm", format="A4")
        self._head = (latin1(head_left), latin1(head_right))
        self._foot = latin1(foot_left)
        self.set_margins(12, 10, 12)
        self.set_auto_page_break(True, margin=12)
        self.set_line_width(0.2)

    def header(self):
        self.set_font(FONT, "", 8)
        self.set_text_color(*GREY)
        self.cell(0, 4, self._head[0], align="L")
        self.set_x(self.l_margin)
        self.cell(0, 4, self._head[1], align="R")
        self.set_draw_color(191, 191, 191)
        self.line(self.l_margin, self.t_margin + 5, self.w - self.r_margin, self.t_margin + 5)
        self.set_y(self.t_margin + 8)
        self.set_text_color(0)

    def footer(self):
        self.set_y(-10)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*GREY)
        self.cell(0, 4, self._foot, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 4, f"Side {self.page_no()} af {{nb}}", align="R")
        self.set_text_color(0)

    @property
    def usable(self) -> float:
        return self.w - self.l_margin - self.r_margin


_REMEMBER = 100_000  # texts per cache; a long-lived process starts over beyond that


def _room(cache: dict) -> dict:
    if len(cache) > _REMEMBER:
        cache.clear()
    return cache


_TEXT_LINES: dict = {}  # (style, size, text, width, line height) -> lines of a paragraph


def _text_lines(pdf: _Doc, text: str, w: float, h: float) -> list[str]:
    """The lines fpdf2's multi_cell(w, h, text) breaks `text` into in the current font,
    remembered: the same paragraphs (Grundlag, the tables' subtitles) stand in every statement,
    and fpdf2's line breaking of a long paragraph is slow."""
    key = (pdf.font_style, pdf.font_size_pt, text, w, h)
    got = _TEXT_LINES.get(key)
    if got is None:
        got = _room(_TEXT_LINES)[key] = pdf.multi_cell(w, h, text, dry_run=True,
                                                        output="LINES")
    return got


def _paragraph(pdf: _Doc, w: float, h: float, text: str, align: str, new_x: str) -> None:
    """multi_cell(w, h, text, align=align, new_x=new_x, new_y="NEXT"), drawn line by line from
    the remembered lines (justified lines but the last, as multi_cell justifies them)."""
    w = w or pdf.w - pdf.r_margin - pdf.x
    if "\n" in text or "\f" in text:
        pdf.multi_cell(w, h, text, align=align, new_x=new_x, new_y="NEXT")
        return
    x = pdf.x
    lines = _text_lines(pdf, text, w, h) or [""]
    for n, line in enumerate(lines):
        how = align if align != "J" or n < len(lines) - 1 else "L"
        pdf.cell(w, h, line, align=how, new_x="LEFT", new_y="NEXT")
    pdf.set_x(pdf.l_margin if new_x == "LMARGIN" else x)


def _section(pdf: _Doc, table: OutTable) -> None:
    # Keep a table that fits on one page together (no lone totals row on the next page).
    chars = [c.width for c in table.columns]
    factor = min(MM_PER_CHAR, (pdf.usable - 0.01) / sum(chars))
    widths = [w * factor for w in chars]
    gap = 8
    room = pdf.h - pdf.b_margin - pdf.t_margin - 8
    # A long, narrow list (the paying municipalities): as many columns side by side as fit.
    ways = 1
    if len(table.rows) > 12 and not table.subtotal_rows:
        ways = max((k for k in (3, 2) if k * sum(widths) + (k - 1) * gap <= pdf.usable
                    and 22 + (-(-len(table.rows) // k) + 1) * ROW_MM <= room), default=1)
    half = -(-len(table.rows) // ways)
    two_columns = ways > 1
    lines = half if two_columns else len(table.rows)
    needed = 14 + 8 + (lines + 1) * ROW_MM
    pages = None
    if table.subtotal_rows and table.rows:
        # Groups of rows with their subtotals: page by page, a group never split when it fits
        # on a page, and never a subtotal row alone at the top of a page.
        title = _title_height(pdf, table)
        pages = _pages(pdf, table, widths, pdf.page_break_trigger - pdf.get_y() - title)
        if not pages[0]:  # the first group fits on the next page, not on this one
            pdf.add_page()
            pages = _pages(pdf, table, widths, pdf.page_break_trigger - pdf.get_y() - title,
                           move_first=False)
    elif pdf.will_page_break(min(needed, 28) if needed > room else needed):
        pdf.add_page()
    _title(pdf, table)
    if not table.rows:
        pdf.set_font(FONT, "I", 9)
        pdf.set_text_color(*GREY)
        pdf.cell(0, 5, latin1(table.empty_text), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
        pdf.ln(3)
        return
    if pages is not None:
        for n, page in enumerate(pages):
            if n:
                pdf.add_page()
            _table(pdf, table, page, widths, totals=n == len(pages) - 1)
    elif two_columns:
        top, left, bottom = pdf.get_y(), pdf.l_margin, pdf.get_y()
        for k in range(ways):
            pdf.set_left_margin(left + k * (sum(widths) + gap))
            pdf.set_xy(pdf.l_margin, top)
            rows = range(k * half, min((k + 1) * half, len(table.rows)))
            _table(pdf, table, rows, widths, totals=k == ways - 1)
            bottom = max(bottom, pdf.get_y())
        pdf.set_left_margin(left)
        pdf.set_xy(left, bottom)
    else:
        _table(pdf, table, range(len(table.rows)), widths, totals=True)
    pdf.ln(2.5)


def _title(pdf: _Doc, table: OutTable) -> None:
    pdf.set_font(FONT, "B", 11)
    pdf.set_text_color(*NAVY)
    pdf.cell(0, 5.5, latin1(table.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    if table.subtitle:
        pdf.set_font(FONT, "I", 8)
        pdf.set_text_color(*GREY)
        _paragraph(pdf, 0, 4, latin1(table.subtitle), "J", "LMARGIN")
        pdf.set_text_color(0)
    pdf.ln(1)


def _title_height(pdf: _Doc, table: OutTable) -> float:
    height = 7
    if table.subtitle:
        pdf.set_font(FONT, "I", 8)
        height += 4 * len(_text_lines(pdf, latin1(table.subtitle), pdf.w - pdf.r_margin
                                      - pdf.x, 4))
    return height


LINE_MM, PAD_MM = 3.1, (0.4, 1.2)  # a table row: line height, padding (vertical, horizontal)
ROW_MM = LINE_MM + 2 * PAD_MM[0]  # the height of a row of one line


def _cells(table: OutTable, row: tuple, subtotal: bool) -> list[tuple[str, int]]:
    """(text, columns spanned) of a row: in a subtotal row a label runs on into the empty
    cells to its right, as it does in a spreadsheet."""
    out: list[tuple[str, int]] = []
    running = False  # the last cell is a label that may run on
    for col, value in zip(table.columns, row):
        text = latin1(col.kind.text(value))
        if running and not text:
            out[-1] = (out[-1][0], out[-1][1] + 1)
            continue
        out.append((text, 1))
        running = subtotal and isinstance(value, str) and bool(text)
    return out


_MEASURED: dict = {}


def _height(pdf: _Doc, cells: list[tuple[str, int]], widths: list[float],
            known: dict | None = None) -> float:
    """A row's height in the current font, its cells wrapping at words in their columns.
    `known` remembers the lines of texts already measured (dates, rates and shares repeat; by
    default for the whole run: the same texts stand in every statement)."""
    known = _room(_MEASURED) if known is None else known
    lines, col = 1, 0
    for text, span in cells:
        width = sum(widths[col:col + span]) - 2 * PAD_MM[1]
        col += span
        key = (pdf.font_style, text, width)
        if key not in known:
            known[key] = 1
            if "\n" in text or pdf.get_string_width(text) > width:
                known[key] = len(pdf.multi_cell(width, LINE_MM, text, dry_run=True,
                                                output="LINES", padding=0))
        lines = max(lines, known[key])
    return lines * LINE_MM + 2 * PAD_MM[0]


def _pages(pdf: _Doc, table: OutTable, widths: list[float], room: float,
           move_first: bool = True) -> list[list[int]]:
    """The table's rows page by page (row indices), the first page having `room` mm below the
    title. A group of rows (`OutTable.groups`) that fits on a page is not split; a longer one
    breaks where the page is full, but never so that a page starts with a subtotal row. An
    empty first page means: start the table on a new page (unless not `move_first`: then the
    first group starts on the first page whatever its length)."""
    sub = table.subtotal_rows
    heights, known = [], _room(_MEASURED)
    for i, row in enumerate(table.rows):
        pdf.set_font(FONT, "B" if i in sub else "", 7.5)
        heights.append(_height(pdf, _cells(table, row, i in sub), widths, known))
    pdf.set_font(FONT, "B", 7.5)
    head = _height(pdf, [(latin1(c.header), 1) for c in table.columns], widths)
    full = pdf.page_break_trigger - pdf.t_margin - 8 - head  # a page below the repeated header
    pages: list[list[int]] = [[]]
    room -= head
    for group in table.groups():
        needed = sum(heights[i] for i in group)
        if needed > room and needed <= full and room < full and (pages[-1] or move_first):
            pages.append([])  # the whole group on the next page
            room = full
        rows = list(group)
        while rows:
            fit, used = 0, 0.0
            while fit < len(rows) and used + heights[rows[fit]] <= room:
                used += heights[rows[fit]]
                fit += 1
            if fit == len(rows):
                pages[-1] += rows
                room -= used
                break
            cut = fit
            while cut > 0 and rows[cut] in sub:  # carry a data row along with its subtotals
                cut -= 1
            if cut == 0 and not pages[-1]:
                cut = max(fit, 1)  # nowhere clean to break on an empty page: break where full
            pages[-1] += rows[:cut]
            rows = rows[cut:]
            pages.append([])
            room = full
    return [page for n, page in enumerate(pages) if page or n == 0]


_LINES: dict = {}  # (style, size, text, width) -> the text's lines: texts repeat in every statement
_WIDTHS: dict = {}  # (style, size, text) -> width in mm


def _width(pdf: _Doc, text: str) -> float:
    key = (pdf.font_style, pdf.font_size_pt, text)
    got = _WIDTHS.get(key)
    if got is None:
        got = _room(_WIDTHS)[key] = pdf.get_string_width(text)
    return got


def _cell_lines(pdf: _Doc, text: str, width: float) -> list[str]:
    """The lines of `text` in a table cell `width` mm wide (padding included) in the current
    font, broken at words as fpdf2's multi_cell breaks them (asked only of the rare text wider
    than its cell; a word longer than the cell is broken, nothing is lost)."""
    key = (pdf.font_style, pdf.font_size_pt, text, width)
    got = _LINES.get(key)
    if got is None:
        if "\n" not in text and _width(pdf, text) <= width - 2 * PAD_MM[1]:
            got = [text]
        else:
            got = pdf.multi_cell(width, LINE_MM, text, dry_run=True, output="LINES",
                                 padding=PAD_MM) or [""]
        _room(_LINES)[key] = got
    return got


def _table(pdf: _Doc, table: OutTable, indices, widths: list[float], totals: bool) -> None:
    """The rows `indices` of the table under a navy header row, drawn directly (fpdf2's
    `FPDF.table()` laid out the same rows several times over): striped rows, horizontal lines,
    subtotal and totals rows bold on light blue, a row as high as its most wrapped cell, the
    header row repeated on a new page."""
    align = ["R" if c.kind.numeric else "L" for c in table.columns]
    sub = table.subtotal_rows
    # the rows between the stripes are filled with the fill colour in force (as fpdf2's table
    # filled them: the result box's light blue), which is kept for what follows the table
    saved = pdf.fill_color
    base = pdf.font_face().fill_color
    # (cells, aligns, style, fill, text colour) of every row, the header row first
    rows = [([(latin1(c.header), 1) for c in table.columns], align, "B", NAVY, 255)]
    for i in indices:
        if i in sub:
            cells = _cells(table, table.rows[i], True)
            aligns, col = [], 0
            for _, span in cells:
                aligns.append("L" if span > 1 else align[col])
                col += span
            rows.append((cells, aligns, "B", LIGHT, 0))
        else:
            rows.append((_cells(table, table.rows[i], False), align, "",
                         STRIPE if len(rows) % 2 else base, 0))
    if totals and any(c.total for c in table.columns):
        sums = table.totals()
        rows.append(([(latin1("I alt" if i == 0 else (col.kind.text(sums[i]) if col.total
                                                      else "")), 1)
                      for i, col in enumerate(table.columns)], align, "B", LIGHT, 0))
    left = pdf.x
    edges = [left]
    for w in widths:
        edges.append(edges[-1] + w)
    right = edges[-1]
    laid = []  # (row, the lines of each cell, height)
    for row in rows:
        cells, style = row[0], row[2]
        pdf.set_font(FONT, style, 7.5)
        lines, most, col = [], 0, 0
        for text, span in cells:
            got = _cell_lines(pdf, text, edges[col + span] - edges[col]) if text else []
            lines.append(got)
            most = max(most, len(got))
            col += span
        laid.append((row, lines, most * LINE_MM + 2 * PAD_MM[0] if most else LINE_MM))
    pdf.set_font(FONT, "", 7.5)
    last = len(laid) - 1
    if last > 0 and pdf.will_page_break(laid[0][2] + laid[1][2]):
        pdf.add_page(same=True)  # never the header row alone at the foot of a page
        pdf.set_x(left)
    for n, (row, lines, height) in enumerate(laid):
        if pdf.will_page_break(height):
            pdf.add_page(same=True)
            pdf.set_x(left)
            if n:
                _row(pdf, laid[0], 0, last, edges)
        _row(pdf, (row, lines, height), n, last, edges)
    pdf.set_font(FONT, "", 7.5)
    pdf.set_fill_color(saved)
    pdf.set_xy(pdf.l_margin, pdf.y)


def _row(pdf: _Doc, laid, n: int, last: int, edges: list[float]) -> None:
    (cells, aligns, style, fill, colour), lines, height = laid
    y = pdf.y
    left, right = edges[0], edges[-1]
    if fill is not None:
        pdf.set_fill_color(fill)
        pdf.rect(left, y, right - left, height, style="F")
    if n > 0:
        pdf.line(left, y, right, y)
    if n < last:
        pdf.line(left, y + height, right, y + height)
    pdf.set_font(FONT, style, 7.5)
    pdf.set_text_color(colour)
    base = y + PAD_MM[0] + 0.5 * LINE_MM + 0.3 * pdf.font_size
    col = 0
    for (_, span), how, texts in zip(cells, aligns, lines):
        x0, x1 = edges[col] + PAD_MM[1], edges[col + span] - PAD_MM[1]
        col += span
        for k, text in enumerate(texts):
            if not text:
                continue
            x = x1 - _width(pdf, text) if how == "R" else x0
            pdf.text(x, base + k * LINE_MM, text)
    pdf.set_text_color(0)
    pdf.set_xy(left, y + height)


def _basis(pdf: _Doc, paragraphs) -> None:
    """Grundlag: the paragraphs in two columns side by side (kept together on a page)."""
    gap = 8
    width = (pdf.usable - gap) / 2
    pdf.set_font(FONT, "", 7)
    lines = [len(_text_lines(pdf, latin1(t), width, 3.2)) for t in paragraphs]
    total, split, run = sum(lines), len(paragraphs), 0
    for i, n in enumerate(lines):
        if run + n / 2 >= total / 2:
            split = i
            break
        run += n
    split = max(split, 1)
    height = max(sum(lines[:split]), sum(lines[split:])) * 3.2 + len(paragraphs) * 0.6 + 7
    if pdf.will_page_break(height):
        pdf.add_page()
    pdf.set_font(FONT, "B", 11)
    pdf.set_text_color(*NAVY)
    pdf.cell(0, 5.5, "Grundlag", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(60, 60, 60)
    pdf.set_font(FONT, "", 7)
    top, bottom = pdf.get_y(), pdf.get_y()
    for column, texts in enumerate((paragraphs[:split], paragraphs[split:])):
        pdf.set_y(top)
        for text in texts:
            pdf.set_x(pdf.l_margin + column * (width + gap))
            _paragraph(pdf, width, 3.2, latin1(text), "L", "LEFT")
            pdf.ln(0.6)
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(pdf.l_margin, bottom)
    pdf.set_text_color(0)
    pdf.ln(3)


def _payment_block(pdf: _Doc, lines, top: float) -> None:
    """Label: value lines in a column right of the result box (x from 152 mm)."""
    left, label_w = pdf.l_margin + 140, 36
    width = pdf.w - pdf.r_margin - left - label_w
    pdf.set_xy(left, top)
    for label, text in lines:
        pdf.set_x(left)
        pdf.set_font(FONT, "B", 7.5)
        pdf.cell(label_w, 3.3, latin1(label))
        pdf.set_font(FONT, "", 7.5)
        _paragraph(pdf, width, 3.3, latin1(text), "L", "LEFT")
    pdf.ln(0.5)


def write_statement_pdf(path: str | Path, st: Statement, ss: StatementSet) -> Path:
    """One party's statement as a PDF at `path` (the caller handles atomicity)."""
    pdf = _Doc(f"{ss.title} · {st.name} ({st.code_label})",
               f"Input SHA-256 {ss.origin.sha256[:12]}…", ss.source_line)
    # the only timestamp in the file, derived from the settlement: the same input gives the
    # same bytes (fpdf2's file /ID is a hash of the content and this date)
    pdf.set_creation_date(ss.stamp.replace(tzinfo=timezone.utc))
    pdf.set_title(latin1(f"{ss.title}: {st.name}"))
    pdf.set_author("xl-underskud")
    pdf.set_creator(latin1(f"xl-underskud {ss.version}"))
    pdf.set_subject(latin1(ss.source_line))
    pdf.set_lang("da")
    pdf.add_page()

    pdf.set_font(FONT, "B", 15)
    pdf.set_text_color(*NAVY)
    pdf.cell(0, 7, latin1(ss.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 12)
    pdf.set_text_color(0)
    pdf.cell(0, 7, latin1(f"{st.name} ({st.code_label}), {st.role}"), new_x="LMARGIN",
             new_y="NEXT")
    pdf.ln(1)  # the source line stands in every page's footer; its checksum in the block

    # Result box on the left, the payment details beside it on the right
    top = pdf.get_y()
    _payment_block(pdf, ss.payment_lines(st), top)
    bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin, top)
    label_w, value_w = 95, 40
    pdf.set_fill_color(*LIGHT)
    for label, oere in summary_rows(st):
        net = label.startswith("Netto")
        pdf.set_font(FONT, "B" if net else "", 10)
        border = "T" if net else 0
        pdf.cell(label_w, 5.5, latin1(label), border=border, fill=True)
        pdf.cell(value_w, 5.5, kr(oere), border=border, fill=True, align="R",
                 new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)
    pdf.set_font(FONT, "B", 11)
    pdf.set_text_color(*NAVY)
    pdf.cell(135, 6, latin1(st.net_text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.set_y(max(pdf.get_y(), bottom))
    pdf.ln(3)

    for table in statement_sections(st):
        _section(pdf, table)

    _basis(pdf, ss.settings_text)

    for table in statement_annex(st):
        _section(pdf, table)
    pdf.output(str(path))
    return Path(path)
