"""Shell: update the tables of a workbook file by writing a NEW package that keeps everything.

Re-saving a workbook with openpyxl drops what it does not model (charts, shapes, images, the
add-in's buttons); rebuilding it from the template drops the user's own sheets and formatting.
`replace_tables` does neither: it copies the source package part by part, byte for byte, and
rewrites only what a change of table rows must change —

- the sheet part holding each table: only the cells inside the table's columns, from the first
  data row to the last old or new row, are replaced; every other cell of those rows, the other
  rows, and the rest of the sheet XML (column widths, data validations, conditional formats,
  protection, drawing and comment references …) stay as they were. `<dimension>` and the
  `spans` of touched rows follow the cells; a data validation or conditional format that covered
  the table's data is extended when the table grows beyond it (the template's cover 5,000 rows);
- the table parts (`ref`, `autoFilter ref`, `sortState ref`);
- only when asked for: the custom document properties part, and then, if the package had none,
  `[Content_Types].xml` and `_rels/.rels` to register it.

Values are written as the declared kinds need them: text as inline strings (so
sharedStrings.xml is untouched, and a text starting with = + - @ stays text: nothing is ever
written as a formula), numbers as numbers, dates as serial numbers with the column's style.
Each column keeps its cell style: the `s` of the first data cell of the column, else the
column's style from `<cols>`. (A column with neither — a hand-made table never formatted —
shows a date as its serial number; styles.xml is not changed to add a format. The reader
reads it as the date all the same.)

The zip is deterministic: the source's entries in the source's order, each with a fixed date,
so the same source and rows give the same bytes. The file is written atomically.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from xl_underskud.core.grid import column_letter
from xl_underskud.xlsx.atomic import atomic_target
from xl_underskud.xlsx.parts import CUSTOM_TYPE as _CUSTOM_TYPE
from xl_underskud.xlsx.parts import NS as _NS
from xl_underskud.xlsx.parts import column_index, read_custom_properties  # noqa: F401 (API)
from xl_underskud.xlsx.parts import custom_part as _custom_part
from xl_underskud.xlsx.parts import target as _target
from xl_underskud.xlsx.parts import with_override, with_root_relationship

_CUSTOM_CONTENT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_CUSTOM_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the one fmtid of user properties
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)  # every entry: the same rows give the same bytes
_EXCEL_EPOCH = datetime(1899, 12, 30)

_ROW = re.compile(rb"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_ATTR_R = re.compile(rb'\br="([A-Z]+)(\d+)"')
_ROW_R = re.compile(rb'\br="(\d+)"')
_ATTR_S = re.compile(rb'\bs="(\d+)"')
_SPANS = re.compile(rb'\s*\bspans="[^"]*"')
_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData\b[^>]*>(.*?)</sheetData>", re.S)
_DIMENSION = re.compile(rb'(<dimension\b[^>]*\bref=")([^"]*)(")')
_COLS = re.compile(rb"<col\b([^>]*)/>")
_SQREF_ATTR = re.compile(rb'(\bsqref=")([^"]*)(")')
_SQREF_ELEM = re.compile(rb"(<xm:sqref>)([^<]*)(</xm:sqref>)")
_RANGE = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")
_HAS_CONTENT = re.compile(rb"<(?:v|is|f)\b")
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE_LIKE = re.compile(r"_x[0-9A-Fa-f]{4}_")


class InPlaceError(ValueError):
    """The rows cannot be written into this workbook; the text is a Danish sentence."""


@dataclass
class _TableRef:
    name: str
    sheet: str
    sheet_path: str
    table_path: str
    header_row: int
    first_col: int
    last_col: int
    last_row: int
    headers: tuple[str, ...]  # the table's column names, left to right
    problem: str | None = None  # why its rows cannot be rewritten (a totals row …)


def _rels_path(part: str) -> str:
    folder, _, leaf = part.rpartition("/")
    return f"{folder}/_rels/{leaf}.rels" if folder else f"_rels/{leaf}.rels"


def _locate_tables(z: zipfile.ZipFile, names: set[str]) -> dict[str, _TableRef]:
    """Every Excel Table of the package: name (case-folded) → where it is."""
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("rel:Relationship", _NS)}
    out: dict[str, _TableRef] = {}
    for sheet in wb.findall("m:sheets/m:sheet", _NS):
        sheet_path = _target("xl", targets.get(sheet.get(f"{{{_NS['r']}}}id"), ""))
        rels_path = _rels_path(sheet_path)
        if sheet_path not in names or rels_path not in names:
            continue
        folder = sheet_path.rpartition("/")[0]
        for rel in ET.fromstring(z.read(rels_path)).findall("rel:Relationship", _NS):
            if not rel.get("Type", "").endswith("/table") or rel.get("TargetMode") == "External":
                continue
            table_path = _target(folder, rel.get("Target", ""))
            if table_path not in names:
                continue
            table = ET.fromstring(z.read(table_path))
            name = table.get("displayName") or table.get("name") or ""
            m = _RANGE.match(table.get("ref") or "")
            if not m or not m.group(3):
                continue
            headers = tuple(c.get("name") or "" for c in
                            table.findall("m:tableColumns/m:tableColumn", _NS))
            rows = sorted((int(m.group(2)), int(m.group(4))))
            cols = sorted((column_index(m.group(1)), column_index(m.group(3))))
            problem = None
            where = f"Tabellen {name} på arket {sheet.get('name')}"
            if table.get("totalsRowCount") not in (None, "0"):
                problem = (f"{where} har en totalrække; fjern den (Tabeldesign › Totalrække), "
                           f"og prøv igen.")
            elif table.get("headerRowCount") == "0":
                problem = (f"{where} har ingen overskriftsrække; slå den til (Tabeldesign › "
                           f"Overskriftsrække), og prøv igen.")
            elif len(headers) != cols[1] - cols[0] + 1:
                problem = f"{where} er beskadiget (kolonnerne passer ikke til området)."
            out.setdefault(name.casefold(), _TableRef(
                name, sheet.get("name"), sheet_path, table_path, rows[0], cols[0], cols[1],
                rows[1], headers, problem))
    return out


def _fold(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _in_table_order(ref: _TableRef, headers, rows: list) -> list[tuple]:
    """Rows given in the order of `headers` → rows in the table's column order. A table may
    have its columns in another order than declared (the reader finds them by header); a
    column of the table that is not among `headers` would lose its values: refused."""
    given = [_fold(h) for h in headers]
    position = {h: i for i, h in enumerate(given)}
    missing = [h for h in ref.headers if _fold(h) not in position]
    unknown = [h for h, f in zip(headers, given) if f not in {_fold(x) for x in ref.headers}]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"kolonnerne {', '.join(missing)} kendes ikke af xl-underskud og ville "
                         f"miste deres værdier; flyt dem ud af tabellen")
        if unknown:
            parts.append(f"kolonnerne {', '.join(unknown)} mangler i tabellen")
        raise InPlaceError(f"Tabellen {ref.name} på arket {ref.sheet}: " + "; ".join(parts)
                           + ". Ret tabellen, og prøv igen.")
    order = [position[_fold(h)] for h in ref.headers]
    return [tuple(row[i] for i in order) for row in rows]


def _sheet_names(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name (case-folded) → its part."""
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("rel:Relationship", _NS)}
    return {s.get("name").casefold(): _target("xl", targets.get(s.get(f"{{{_NS['r']}}}id"), ""))
            for s in wb.findall("m:sheets/m:sheet", _NS)}


# -- values → cell XML -------------------------------------------------------------------------

def _text(value: str) -> bytes:
    """An inline string. Characters XML cannot hold, and text that already looks like Excel's
    _xHHHH_ escape, are escaped the way Excel does, so the text reads back unchanged."""
    value = _ESCAPE_LIKE.sub(lambda m: "_x005F" + m.group(0), value)
    value = _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group(0)):04X}_", value)
    space = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
    return f"<is><t{space}>{escape(value)}</t></is>".encode("utf-8")


def _number(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InPlaceError(f"{value} er ikke et tal, der kan skrives i en celle.")
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InPlaceError(f"{value} er ikke et tal, der kan skrives i en celle.")
        return repr(value)
    raise TypeError(type(value))


def _serial(value) -> int | float:
    """Excel's 1900 date system (every declared date is after 1 March 1900)."""
    if isinstance(value, datetime):
        delta = value - _EXCEL_EPOCH
        return delta.days + delta.seconds / 86400 if delta.seconds else delta.days
    if isinstance(value, date):
        return (value - _EXCEL_EPOCH.date()).days
    if isinstance(value, time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    if isinstance(value, timedelta):
        return value.total_seconds() / 86400
    raise TypeError(type(value))


def cell_xml(ref: str, value, style: bytes | None) -> bytes | None:
    """One `<c>` element, or None for an empty cell without a style of its own."""
    s = b' s="' + style + b'"' if style is not None else b""
    head = b'<c r="' + ref.encode() + b'"' + s
    if value is None or (isinstance(value, str) and value == ""):
        return head + b"/>" if style is not None else None
    if isinstance(value, str):
        return head + b' t="inlineStr">' + _text(value) + b"</c>"
    if isinstance(value, bool):
        return head + b' t="b"><v>' + _number(value).encode() + b"</v></c>"
    if isinstance(value, (date, datetime, time, timedelta)):
        return head + b"><v>" + _number(_serial(value)).encode() + b"</v></c>"
    if isinstance(value, (int, float, Decimal)):
        return head + b"><v>" + _number(value).encode() + b"</v></c>"
    raise TypeError(f"{ref}: a value of type {type(value).__name__} cannot be written")


# -- the sheet --------------------------------------------------------------------------------

@dataclass
class _Row:
    attrs: bytes  # the <row> attributes as they were (r, spans, ht …)
    cells: dict[int, bytes] = field(default_factory=dict)  # column index → <c> element
    touched: bool = False


def _parse_rows(data: bytes, sheet: str) -> dict[int, _Row]:
    rows: dict[int, _Row] = {}
    for m in _ROW.finditer(data):
        attrs, body = m.group(1), m.group(2) or b""
        r = _ROW_R.search(attrs)
        if r is None:
            raise InPlaceError(f"Arket {sheet} har rækker uden rækkenummer; åbn og gem filen i "
                               f"Excel, og prøv igen.")
        row = _Row(attrs)
        rest = _CELL.sub(b"", body)
        if rest.strip():
            raise InPlaceError(f"Arket {sheet}, række {int(r.group(1))}, indeholder noget, der "
                               f"ikke kan bevares; åbn og gem filen i Excel, og prøv igen.")
        for c in _CELL.finditer(body):
            ref = _ATTR_R.search(c.group(1))
            if ref is None:
                raise InPlaceError(f"Arket {sheet} har celler uden adresse; åbn og gem filen i "
                                   f"Excel, og prøv igen.")
            row.cells[column_index(ref.group(1).decode())] = c.group(0)
        rows[int(r.group(1))] = row
    return rows


def _column_styles(prefix: bytes) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    for m in _COLS.finditer(prefix):
        attrs = m.group(1)
        lo, hi, st = (re.search(rb'\b%s="(\d+)"' % k, attrs) for k in (b"min", b"max", b"style"))
        if lo and hi and st:
            for col in range(int(lo.group(1)) - 1, int(hi.group(1))):
                out[col] = st.group(1)
    return out


def _row_xml(number: int, row: _Row) -> bytes:
    attrs = row.attrs
    if row.touched:
        attrs = _SPANS.sub(b"", attrs)
        if row.cells:
            attrs = _ROW_R.sub(lambda m: m.group(0) + b' spans="%d:%d"' % (
                min(row.cells) + 1, max(row.cells) + 1), attrs, count=1)
    cells = b"".join(row.cells[c] for c in sorted(row.cells))
    return b"<row" + attrs + (b">" + cells + b"</row>" if cells else b"/>")


def _extend_ranges(sqref: str, grown: list[tuple[_TableRef, int]]) -> str:
    """A data validation or conditional format that covered a table's data is made to cover its
    new rows too (only ranges inside the table's columns that start at its first data row)."""
    out = []
    for part in sqref.split():
        m = _RANGE.match(part)
        if m:
            c1, r1 = column_index(m.group(1)), int(m.group(2))
            c2 = column_index(m.group(3)) if m.group(3) else c1
            r2 = int(m.group(4)) if m.group(4) else r1
            for ref, new_last in grown:
                if (ref.first_col <= c1 <= c2 <= ref.last_col and r1 == ref.header_row + 1
                        and ref.last_row <= r2 < new_last):
                    part = f"{column_letter(c1)}{r1}:{column_letter(c2)}{new_last}"
                    break
        out.append(part)
    return " ".join(out)


def _rewrite_sheet(data: bytes, sheet: str, changes: list[tuple[_TableRef, list[tuple]]],
                   cells: dict[str, object], others: list[_TableRef]) -> bytes:
    m = _SHEET_DATA.search(data)
    if m is None:
        prefixed = re.search(rb"<([A-Za-z_][\w.-]*):sheetData\b", data)
        if prefixed:  # valid XML (the reader reads it), but not what this writer edits
            raise InPlaceError(f"Arket {sheet} er gemt med XML-præfikset "
                               f"{prefixed.group(1).decode()}: (af et andet program end "
                               f"Excel), som xl-underskud ikke kan skrive i. Åbn og gem filen "
                               f"i Excel, og prøv igen.")
        raise InPlaceError(f"Arket {sheet} har ingen celledata; åbn og gem filen i Excel.")
    prefix, body, suffix = data[:m.start()], m.group(1) or b"", data[m.end():]
    rows = _parse_rows(body, sheet)
    col_styles = _column_styles(prefix)
    grown: list[tuple[_TableRef, int]] = []
    problems: list[str] = []

    for ref, new_rows in changes:
        width = ref.last_col - ref.first_col + 1
        bad = [i for i, r in enumerate(new_rows) if len(r) != width]
        if bad:
            raise ValueError(f"{ref.name}: row {bad[0]} has {len(new_rows[bad[0]])} values, "
                             f"the table has {width} columns")
        first = ref.header_row + 1
        new_last = ref.header_row + max(len(new_rows), 1)  # a table keeps one (empty) row
        # rows typed directly below the table, without extending it, are the table's (as the
        # reader reads them, `core.grid.read_table`): their values are among `new_rows`, so
        # they are rewritten with the table, not refused as something in its way
        old_last = ref.last_row
        while (row := rows.get(old_last + 1)) is not None and any(
                c in row.cells and _HAS_CONTENT.search(row.cells[c])
                for c in range(ref.first_col, ref.last_col + 1)):
            old_last += 1
        # the style of each column: its first data cell's, else the column's own
        styles: dict[int, bytes | None] = {}
        for col in range(ref.first_col, ref.last_col + 1):
            style = None
            for r in range(first, ref.last_row + 1):
                cell = rows[r].cells.get(col) if r in rows else None
                if cell is not None:
                    s = _ATTR_S.search(cell[:cell.find(b">") + 1] if b">" in cell else cell)
                    if s:
                        style = s.group(1)
                        break
            styles[col] = style if style is not None else col_styles.get(col)
        # the table may only grow into empty cells (Excel would refuse too)
        for r in range(old_last + 1, new_last + 1):
            row = rows.get(r)
            taken = [c for c in range(ref.first_col, ref.last_col + 1)
                     if row is not None and c in row.cells and _HAS_CONTENT.search(row.cells[c])]
            if taken:
                problems.append(f"Arket {sheet}, række {r}, kolonne {column_letter(taken[0])}: "
                                f"tabellen {ref.name} skal have {len(new_rows)} rækker og "
                                f"vokser ned til række {new_last}, men cellen under tabellen er "
                                f"ikke tom. Flyt det, der står under tabellen, og prøv igen.")
                break
        for merged in _MERGE_REF.findall(suffix):
            # Excel cannot have a table over merged cells: it would repair the file on opening
            mm = _RANGE.match(merged.decode())
            if not mm:
                continue
            c1, r1 = column_index(mm.group(1)), int(mm.group(2))
            c2, r2 = (column_index(mm.group(3)), int(mm.group(4))) if mm.group(3) else (c1, r1)
            if (c1 <= ref.last_col and ref.first_col <= c2 and r1 <= new_last
                    and ref.last_row < r2):
                problems.append(f"Arket {sheet}: tabellen {ref.name} skal have {len(new_rows)} "
                                f"rækker og vokser ned til række {new_last}, men cellerne "
                                f"{merged.decode()} under tabellen er flettet, og en tabel kan "
                                f"ikke dække flettede celler. Ophæv fletningen (Start › Flet og "
                                f"centrer), og prøv igen.")
                break
        for other in others:
            if other is ref:
                continue
            if (other.first_col <= ref.last_col and ref.first_col <= other.last_col
                    and other.header_row <= new_last and ref.header_row <= other.last_row):
                problems.append(f"Arket {sheet}: tabellen {ref.name} vokser ned til række "
                                f"{new_last} og ind i tabellen {other.name}. Flyt den ene "
                                f"tabel, og prøv igen.")
        for r in range(first, max(old_last, new_last) + 1):
            row = rows.get(r)
            if row is None:
                if r > new_last:
                    continue
                row = rows[r] = _Row(b' r="%d"' % r)
            row.touched = True
            for col in range(ref.first_col, ref.last_col + 1):
                row.cells.pop(col, None)
            i = r - first
            if i < len(new_rows):
                for col, value in zip(range(ref.first_col, ref.last_col + 1), new_rows[i]):
                    xml = cell_xml(f"{column_letter(col)}{r}", value, styles[col]
                                   if styles[col] != col_styles.get(col) or value is not None
                                   else None)
                    if xml is not None:
                        row.cells[col] = xml
        if new_last > ref.last_row:
            grown.append((ref, new_last))

    for address, value in cells.items():
        cm = _RANGE.match(address)
        if not cm or cm.group(3):
            raise ValueError(f"{address}: one cell, like A2")
        col, r = column_index(cm.group(1)), int(cm.group(2))
        if any(t.first_col <= col <= t.last_col and t.header_row <= r <= t.last_row
               for t in others):
            raise ValueError(f"{sheet}!{address} lies in a table")
        row = rows.get(r)
        if row is None:
            row = rows[r] = _Row(b' r="%d"' % r)
        row.touched = True
        old = row.cells.get(col, b"")
        s = _ATTR_S.search(old[:old.find(b">") + 1]) if old else None
        xml = cell_xml(address, value, s.group(1) if s else col_styles.get(col))
        if xml is None:
            row.cells.pop(col, None)
        else:
            row.cells[col] = xml

    if problems:
        raise InPlaceError("\n".join(problems))
    # a row of the old table area that is now empty and has nothing of its own goes
    for r in [r for r, row in rows.items() if row.touched and not row.cells
              and not _SPANS.sub(b"", row.attrs).replace(b' r="%d"' % r, b"").strip()]:
        del rows[r]
    new_body = b"".join(_row_xml(r, rows[r]) for r in sorted(rows))
    sheet_data = b"<sheetData>" + new_body + b"</sheetData>" if new_body else b"<sheetData/>"

    cells_at = [(r, c) for r, row in rows.items() for c in row.cells]
    if cells_at:
        top, bottom = min(r for r, _ in cells_at), max(r for r, _ in cells_at)
        left, right = min(c for _, c in cells_at), max(c for _, c in cells_at)
        dim = f"{column_letter(left)}{top}"
        if (top, left) != (bottom, right):
            dim += f":{column_letter(right)}{bottom}"
    else:
        dim = "A1"
    prefix = _DIMENSION.sub(lambda d: d.group(1) + dim.encode() + d.group(3), prefix, count=1)
    if grown:
        def widen(mm):
            return mm.group(1) + _extend_ranges(mm.group(2).decode(), grown).encode() + mm.group(3)
        suffix = _SQREF_ELEM.sub(widen, _SQREF_ATTR.sub(widen, suffix))
    return prefix + sheet_data + suffix


_MERGE_REF = re.compile(rb'<mergeCell\b[^>]*?\bref="([^"]*)"')
_TABLE_REFS = re.compile(rb'(<(?:table|autoFilter)\b[^>]*?\bref=")([^"]*)(")')
_SORT_REF = re.compile(rb'(<sortState\b[^>]*?\bref=")([^"]*)(")')


def _rewrite_table(data: bytes, ref: _TableRef, rows: int) -> bytes:
    last = ref.header_row + max(rows, 1)
    area = (f"{column_letter(ref.first_col)}{ref.header_row}:"
            f"{column_letter(ref.last_col)}{last}").encode()
    body = (f"{column_letter(ref.first_col)}{ref.header_row + 1}:"
            f"{column_letter(ref.last_col)}{last}").encode()
    data = _TABLE_REFS.sub(lambda m: m.group(1) + area + m.group(3), data)
    return _SORT_REF.sub(lambda m: m.group(1) + body + m.group(3), data)


# -- custom document properties ----------------------------------------------------------------

_PROPERTY = re.compile(rb'<property\b([^>]*)>(.*?)</property>', re.S)
_NAME = re.compile(rb'\bname="([^"]*)"')
_PID = re.compile(rb'\bpid="(\d+)"')


def _property_value(value) -> bytes:
    if isinstance(value, bool):
        return b"<vt:bool>" + (b"true" if value else b"false") + b"</vt:bool>"
    if isinstance(value, int):
        return b"<vt:i4>%d</vt:i4>" % value
    return b"<vt:lpwstr>" + escape(str(value)).encode("utf-8") + b"</vt:lpwstr>"


def custom_properties_xml(old: bytes | None, properties: dict[str, object]) -> bytes:
    """The custom properties part with `properties` set: an existing property keeps its place
    and pid and gets the new value; a new one is added at the end."""
    if old is None:
        old = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties '
               b'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
               b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
               b'</Properties>')
    todo = dict(properties)
    pids = [int(p) for p in _PID.findall(old)]

    def update(m):
        name = _NAME.search(m.group(1))
        key = next((k for k in todo if name and escape(k, {'"': "&quot;"}).encode("utf-8")
                    == name.group(1)), None)
        if key is None:
            return m.group(0)
        return b"<property" + m.group(1) + b">" + _property_value(todo.pop(key)) + b"</property>"

    data = _PROPERTY.sub(update, old)
    # the values written use the prefix vt: declare it on the root, where a package saved by
    # another program (openpyxl) declares it only on each value
    root = re.search(rb"<Properties\b[^>]*>", data)
    if root and b"xmlns:vt=" not in root.group(0):
        tag = root.group(0)
        end = -2 if tag.endswith(b"/>") else -1
        data = (data[:root.start()] + tag[:end] + b' xmlns:vt="http://schemas.openxmlformats.org/'
                b'officeDocument/2006/docPropsVTypes"' + tag[end:] + data[root.end():])
    added = b""
    pid = max(pids, default=1)
    for name, value in todo.items():
        pid += 1
        added += (b'<property fmtid="' + _CUSTOM_FMTID.encode() + b'" pid="%d" name="' % pid
                  + escape(name, {'"': "&quot;"}).encode("utf-8") + b'">'
                  + _property_value(value) + b"</property>")
    if added:
        if b"</Properties>" in data:
            data = data.replace(b"</Properties>", added + b"</Properties>", 1)
        else:  # <Properties …/>
            data = re.sub(rb"<Properties\b([^>]*?)/>", lambda m: b"<Properties" + m.group(1)
                          + b">" + added + b"</Properties>", data, count=1)
    return data


def _register_custom(content_types: bytes, root_rels: bytes, path: str) -> tuple[bytes, bytes]:
    return (with_override(content_types, path, _CUSTOM_CONTENT),
            with_root_relationship(root_rels, _CUSTOM_TYPE, path))


# -- reading a cell ---------------------------------------------------------------------------

_SI = re.compile(rb"<si>(.*?)</si>|<si/>", re.S)
_T = re.compile(rb"<t\b[^>]*>(.*?)</t>|<t/>", re.S)


def _unescape(text: bytes) -> str:
    import html

    return html.unescape(text.decode("utf-8"))


def cell_text(source: Path, sheet: str, address: str) -> str | None:
    """The text in one cell (a shared or an inline string), None for anything else."""
    with zipfile.ZipFile(source) as z:
        path = _sheet_names(z).get(sheet.casefold())
        if path is None or path not in z.namelist():
            return None
        m = re.search(rb'<c r="' + address.encode() + rb'"([^>]*?)(?:/>|>(.*?)</c>)',
                      z.read(path), re.S)
        if m is None or not m.group(2):
            return None
        attrs, body = m.group(1), m.group(2)
        if b't="inlineStr"' in attrs:
            return "".join(_unescape(t.group(1) or b"") for t in _T.finditer(body))
        v = re.search(rb"<v>(\d+)</v>", body)
        if b't="s"' not in attrs or v is None or "xl/sharedStrings.xml" not in z.namelist():
            return None
        items = _SI.findall(z.read("xl/sharedStrings.xml"))
        index = int(v.group(1))
        if index >= len(items):
            return None
        return "".join(_unescape(t.group(1) or b"") for t in _T.finditer(items[index]))


def sheet_intro(source: Path, table) -> tuple[str, str] | None:
    """(sheet, address) of the standard workbook's intro line above a declared table (A2), when
    the cell still holds the template's intro or an earlier source note; else None."""
    text = cell_text(source, table.sheet, "A2")
    if text is not None and (text == table.intro or text.startswith("Kilde: ")):
        return table.sheet, "A2"
    return None


# -- the package ------------------------------------------------------------------------------

def replace_tables(source: Path, target: Path, tables: dict[str, list[tuple]], *,
                   properties: dict[str, str | int] | None = None,
                   cells: dict[tuple[str, str], object] | None = None,
                   headers: dict[str, tuple[str, ...]] | None = None) -> None:
    """Write `target`: the package `source` with each named table's data rows replaced.

    `tables` maps a table name (tblOphold …, any case) to the complete new list of data rows,
    each a tuple of values in the table's column order (str, int, Decimal, float, date,
    datetime, bool or None). `properties` sets custom document properties (an int is written
    as a number, anything else as text). `cells` sets single cells outside the tables,
    `(sheet name, "A2")` → value (a sheet's intro line, say). `headers` (optional) names, per
    table, the column header of each value of its rows: the values are then put in the
    columns with those headers wherever the user moved them, and a table with a column of its
    own is refused rather than emptied. Every other part of the package
    is copied byte for byte; `source` is only read. Raises `InPlaceError` (a Danish sentence)
    when the rows cannot be written into this workbook, and writes nothing then.
    """
    source, target = Path(source), Path(target)
    if target.exists() and target.resolve() == source.resolve():
        raise InPlaceError(f"Der må ikke skrives oven i indfilen ({source.name}).")
    with zipfile.ZipFile(source) as z:
        infos = z.infolist()
        names = {i.filename for i in infos}
        located = _locate_tables(z, names)
        wanted: dict[str, list[tuple[_TableRef, list[tuple]]]] = {}
        for name, rows in tables.items():
            ref = located.get(name.casefold())
            if ref is None:
                raise InPlaceError(f"Tabellen {name} findes ikke i {source.name}.")
            if ref.problem:
                raise InPlaceError(ref.problem)
            rows = list(rows)
            given = {k.casefold(): v for k, v in (headers or {}).items()}.get(name.casefold())
            if given is not None:
                rows = _in_table_order(ref, given, rows)
            wanted.setdefault(ref.sheet_path, []).append((ref, rows))
        sheet_cells: dict[str, dict[str, object]] = {}
        sheet_parts = _sheet_names(z)
        sheet_title = {ref.sheet_path: ref.sheet for ref in located.values()}
        for (sheet, address), value in (cells or {}).items():
            path = sheet_parts.get(sheet.casefold())
            if path is None or path not in names:
                raise InPlaceError(f"Arket {sheet} findes ikke i {source.name}.")
            sheet_cells.setdefault(path, {})[address] = value
            sheet_title.setdefault(path, sheet)

        changed: dict[str, bytes] = {}
        for path in sorted(set(wanted) | set(sheet_cells)):
            others = [r for r in located.values() if r.sheet_path == path]
            changed[path] = _rewrite_sheet(z.read(path), sheet_title[path],
                                           wanted.get(path, []), sheet_cells.get(path, {}),
                                           others)
        for changes in wanted.values():
            for ref, rows in changes:
                changed[ref.table_path] = _rewrite_table(
                    changed.get(ref.table_path, z.read(ref.table_path)), ref, len(rows))

        added: list[str] = []
        if properties:
            part = _custom_part(z)
            old = z.read(part) if part else None
            new = custom_properties_xml(old, properties)
            if part is None:
                part = "docProps/custom.xml"
                while part in names:  # a stray part of that name that nothing refers to
                    part = part.replace(".xml", "1.xml")
                changed["[Content_Types].xml"], changed["_rels/.rels"] = _register_custom(
                    z.read("[Content_Types].xml"), z.read("_rels/.rels"), part)
                added.append(part)
            if new != old:
                changed[part] = new

        with atomic_target(target) as tmp:
            with zipfile.ZipFile(tmp, "w") as out:
                for info in infos:
                    _write_entry(out, info.filename,
                                 changed.get(info.filename) or z.read(info.filename))
                for part in added:
                    _write_entry(out, part, changed[part])


def _write_entry(out: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 0  # the same bytes whichever system writes the file
    info.external_attr = 0
    out.writestr(info, data)
