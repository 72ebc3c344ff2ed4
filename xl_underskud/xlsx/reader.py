"""Shell: read a standard workbook file (.xlsx/.xlsm) into a `RawWorkbook`.

Cell values come from python-calamine (fast, reads the cached results of formulas); what
calamine does not expose is read from the package XML directly: defined names, formulas that
have no cached result, and cached error values (calamine reads #N/A, #DIV/0! … as an empty
cell, and refuses a whole sheet that holds a newer one such as #SPILL!). Each input sheet
becomes a `Grid` and each declared table is read from it by `core.grid.read_table`, the path
the add-in and the worksheet functions take too. No rule lives here: the reader only finds the
declared sheets, tables and named cells and reports what it cannot find. The file is opened
read-only and never written.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import zipfile
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree as ET

import python_calamine as pc

from xl_underskud.core.grid import (Grid, TableArea, column_letter, read_table, scan_cpr,
                                    settings_sheet_missing)
from xl_underskud.core.formatversion import format_version
from xl_underskud.core.municipalities import suggestion
from xl_underskud.core.parse import NO_CACHED_RESULT, ExcelError, RawSetting, RawWorkbook
from xl_underskud.core.records import Origin, error
from xl_underskud.outputs.tables import OUTPUT_SHEETS
from xl_underskud.core.declarations import (ALL_TABLES, FORMAT_VERSION_PROPERTY, GUIDE_SHEET,
                                            INPUT_SHEETS, LIST_SHEET, OPTIONAL_SHEETS, SETTINGS,
                                            SETTINGS_SHEET, Table)
from xl_underskud.xlsx.parts import NS as _NS
from xl_underskud.xlsx.parts import column_index, read_custom_properties
from xl_underskud.xlsx.parts import normalise as _normalise

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_CELL_REF = re.compile(r"^\$?([A-Z]+)\$?(\d+)$")
_FORMULA = re.compile(rb"<f[\s>/]")
_ERROR_TYPE = re.compile(rb'\bt="e"')
_VALUE = re.compile(rb"<v>([^<]+)</v>")

# Limits on an untrusted package (the workbook travels between 29 organisations), checked before
# a byte is inflated: a nationwide workbook unpacks to ~35 MB, with sheets compressed ~8×; a
# file that inflates to gigabytes, or a sheet whose used range is billions of cells (a value in
# XFD1048576), would make the reader allocate until the machine gives up.
MAX_UNPACKED_BYTES = int(os.environ.get("XL_UNDERSKUD_MAX_UDPAKKET_MB", "400")) * 1024 ** 2
MAX_RATIO = 100  # inflated / compressed size of one part, for parts over 1 MB
MAX_SHEET_AREA = 10_000_000  # rows × columns of an input sheet's used range, from A1 (5× nationwide: 3.5 M)
MAX_CELLS = 20_000_000  # cells in the input sheets together
_ROW_NUMBER = re.compile(rb'<row [^>]*?r="(\d+)"')
_WIDE_CELL = re.compile(rb'<c r="([A-Z]{2,})\d')
_NARROW_CELL = re.compile(rb'<c r="([A-Z])\d')
_FAR_CELL = re.compile(rb'<c r="[A-Z]+\d{7}')
_TABLE_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)$")

# Sheets with a role of their own (guide, list helper, output sheets): never offered as "Mente du
# …?" for a missing input sheet — "Lister" is not a misspelled "Takster".
_OWN_SHEETS = INPUT_SHEETS + (GUIDE_SHEET, LIST_SHEET) + OUTPUT_SHEETS


def _others(candidates, taken) -> list[str]:
    """Candidates for a 'Mente du …?' hint: names that are not already a declared name."""
    folded = {str(t).casefold() for t in taken}
    return [c for c in candidates if str(c).casefold() not in folded]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_problem(path: Path) -> str | None:
    """A Danish sentence when the file cannot be a readable .xlsx/.xlsm, else None."""
    if not path.exists():
        return f"Filen {path.name} findes ikke."
    if path.is_dir():
        return f"{path.name} er en mappe, ikke en projektmappe."
    if not stat.S_ISREG(path.stat().st_mode):  # a FIFO or a device would block or never end
        return f"{path.name} er ikke en almindelig fil; angiv en Excel-projektmappe (.xlsx)."
    with open(path, "rb") as fh:
        head = fh.read(8)
        if head == _OLE_MAGIC:
            data = head + fh.read()
            if "EncryptedPackage".encode("utf-16-le") in data:
                return (f"Filen {path.name} er beskyttet med adgangskode. Fjern adgangskoden i "
                        f"Excel (Filer › Oplysninger › Beskyt projektmappe) og prøv igen.")
            return (f"Filen {path.name} er i det gamle .xls-format. Gem den som Excel-projektmappe "
                    f"(.xlsx) og prøv igen.")
    if not zipfile.is_zipfile(path):
        return f"Filen {path.name} er ikke en gyldig Excel-projektmappe (.xlsx) eller er beskadiget."
    return None


class _Package:
    """The parts of the OOXML package that calamine does not expose."""

    def __init__(self, path: Path):
        self.zip = zipfile.ZipFile(path)
        self._markers: dict[str, dict[tuple[int, int], ExcelError]] = {}
        self._patched: pc.CalamineWorkbook | None = None
        self._last_xml: tuple[str | None, bytes] = (None, b"")
        wb_xml = ET.fromstring(self.zip.read("xl/workbook.xml"))
        rels = ET.fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", _NS)}
        self.sheet_paths: dict[str, str] = {}
        for sheet in wb_xml.findall("m:sheets/m:sheet", _NS):
            target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
            path = target.lstrip("/") if target.startswith("/") else str(
                PurePosixPath("xl") / target)
            self.sheet_paths[sheet.get("name")] = path
        self.names: dict[str, str] = {}
        for dn in wb_xml.findall("m:definedNames/m:definedName", _NS):
            name = dn.get("name")
            if dn.get("localSheetId") is not None:
                continue  # sheet-scoped names are not the workbook's settings
            self.names[name] = (dn.text or "").strip()
        self.tables = self._tables()

    def _tables(self) -> dict[str, tuple[str, str]]:
        """Excel Table name → (sheet, ref), from each sheet's table parts. Read here rather
        than through calamine, which panics on a range it does not expect (header only,
        reversed)."""
        out: dict[str, tuple[str, str]] = {}
        parts = set(self.zip.namelist())
        for sheet, path in self.sheet_paths.items():
            folder, leaf = path.rsplit("/", 1)
            rels_path = f"{folder}/_rels/{leaf}.rels"
            if rels_path not in parts:
                continue
            rels = ET.fromstring(self.zip.read(rels_path))
            for rel in rels.findall("rel:Relationship", _NS):
                if not rel.get("Type", "").endswith("/table"):
                    continue
                target = rel.get("Target", "")
                table_path = target.lstrip("/") if target.startswith("/") else str(
                    PurePosixPath(folder) / target)
                table_path = _normalise(table_path)
                if table_path not in parts:
                    continue
                table = ET.fromstring(self.zip.read(table_path))
                name = table.get("displayName") or table.get("name") or ""
                out.setdefault(name, (sheet, table.get("ref") or ""))
        return out

    def is_standard(self) -> bool:
        """Recognisably the standard workbook (made by the template): its hidden list names
        and its guide sheet, which a hand-made workbook with the right tables does not have."""
        return ("lstKommuner" in self.names and "lstDriftsherrer" in self.names
                and any(s.casefold() == GUIDE_SHEET.casefold() for s in self.sheet_paths))

    def limits_problem(self, name: str) -> str | None:
        """Why the package is too big to read safely, in Danish; None when it is not."""
        infos = self.zip.infolist()
        unpacked = sum(i.file_size for i in infos)
        if unpacked > MAX_UNPACKED_BYTES:
            return (f"Filen {name} fylder {unpacked / 1024 ** 2:,.0f} MB udpakket; højst "
                    f"{MAX_UNPACKED_BYTES / 1024 ** 2:,.0f} MB læses. Er det den rigtige "
                    f"projektmappe?").replace(",", ".")
        for i in infos:
            if i.file_size > 1024 ** 2 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                return (f"Filen {name} indeholder en del ({i.filename}), der pakkes ud til "
                        f"{i.file_size / 1024 ** 2:,.0f} MB fra "
                        f"{i.compress_size / 1024:,.0f} kB; den læses ikke (en "
                        f"'zip-bombe' eller en beskadiget fil).").replace(",", ".")
        return None

    def area_problem(self, sheet: str) -> str | None:
        """Why an input sheet's used range is too big to read, in Danish; None when it is not.
        Cheap scans of the sheet XML: row numbers, columns beyond Z, rows of seven digits."""
        data = self._sheet_xml(sheet)
        cells = data.count(b"<c ") + data.count(b"<c>")
        rows = [int(r) for r in _ROW_NUMBER.findall(data)]
        last_row = max(rows, default=0)
        if _FAR_CELL.search(data):
            last_row = max(last_row, 1_000_000)
        wide = _WIDE_CELL.findall(data)
        if wide:
            last_col = max(column_index(w.decode()) for w in wide) + 1
        else:  # the usual case: columns A–Z only (one scan, ~0.04 s for 600,000 cells)
            last_col = column_index(max(_NARROW_CELL.findall(data), default=b"A").decode()) + 1
        if last_row * last_col > MAX_SHEET_AREA or cells > MAX_CELLS:
            return (f"Arket {sheet} bruger celler langt fra tabellerne (op til række "
                    f"{last_row:,} og kolonne {column_letter(last_col - 1)}); det kan ikke læses "
                    f"sikkert. Slet indholdet i de fjerne celler (Ctrl+End viser den sidste), og "
                    f"gem filen igen.").replace(",", ".")
        return None

    def _sheet_xml(self, sheet: str) -> bytes:
        """The sheet's XML; the last one read is kept (area_problem, then markers, read it)."""
        if self._last_xml[0] == sheet:
            return self._last_xml[1]
        path = self.sheet_paths.get(sheet)
        if path is None or path not in self.zip.namelist():
            return b""
        data = self.zip.read(path)
        self._last_xml = (sheet, data)
        return data

    def markers(self, sheet: str) -> dict[tuple[int, int], ExcelError]:
        """(Excel row, column index) → marker, for the cells calamine reads as empty although
        they are not: cached error values (`t="e"`) and formulas without a cached result."""
        if sheet not in self._markers:
            self._markers[sheet] = self._scan(self._sheet_xml(sheet))
            self._last_xml = (None, b"")  # not held while calamine reads the sheet
        return self._markers[sheet]

    @staticmethod
    def _scan(data: bytes) -> dict[tuple[int, int], ExcelError]:
        # <f>, <f t="shared" …> or <f/>; not <formula1> of a data validation. (The plain find
        # first: the regular expression takes ten times as long to find nothing in 25 MB.)
        if not _FORMULA.search(data) and (data.find(b't="e"') < 0
                                          or not _ERROR_TYPE.search(data)):
            return {}
        out = {}
        for m in _CELL.finditer(data):
            attributes, body = m.group(1), m.group(2) or b""
            value = _VALUE.search(body)
            if _ERROR_TYPE.search(attributes) and value:
                marker = ExcelError(value.group(1).decode("utf-8", "replace"))
            elif _FORMULA.search(body) and not value and not (
                    b't="str"' in attributes and b"<v" in body):
                marker = NO_CACHED_RESULT
            else:
                continue
            ref = _REF.search(attributes)
            if ref:
                out[(int(ref.group(2)), column_index(ref.group(1).decode()))] = marker
        return out

    def without_newer_errors(self) -> pc.CalamineWorkbook:
        """The workbook for calamine with every cached error value written as #N/A: calamine
        refuses a whole sheet that holds a newer one (#SPILL!, #CALC! …). Which error each
        cell holds comes from `markers`."""
        if self._patched is None:
            def classic(m: re.Match) -> bytes:
                if not _ERROR_TYPE.search(m.group(1)) or not m.group(2):
                    return m.group(0)
                return b"<c" + m.group(1) + b">" + _VALUE.sub(b"<v>#N/A</v>", m.group(2)) + b"</c>"
            sheets = set(self.sheet_paths.values())
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
                for name in self.zip.namelist():
                    data = self.zip.read(name)
                    out.writestr(name, _CELL.sub(classic, data) if name in sheets else data)
            buffer.seek(0)
            self._patched = pc.CalamineWorkbook.from_filelike(buffer)
        return self._patched


def _sheet_grid(wb: pc.CalamineWorkbook, package: _Package, name: str) -> Grid:
    """The sheet's values anchored at A1, with the package's error and formula markers."""
    values = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    for (row, col), marker in package.markers(name).items():
        while len(values) < row:
            values.append([])
        line = values[row - 1]
        line.extend([""] * (col + 1 - len(line)))
        line[col] = marker
    return Grid(values, top=1, left=0, sheet=name)


def read_workbook(path: str | Path) -> RawWorkbook:
    path = Path(path)
    raw = RawWorkbook()
    problem = file_problem(path)
    if problem:
        raw.messages.append(error(None, None, None, problem))
        return raw
    raw.origin = Origin(path.name, _sha256(path))
    unreadable = error(None, None, None, f"Filen {path.name} kunne ikke læses som "
                                         f"Excel-projektmappe; den er måske beskadiget.")
    try:
        package = _Package(path)
    except Exception:  # zip/xml raise many kinds; all mean the same to the user
        raw.messages.append(unreadable)
        return raw
    problem = package.limits_problem(path.name)
    if problem:
        raw.messages.append(error(None, None, None, problem))
        return raw
    try:
        raw.properties = read_custom_properties(package.zip)
    except Exception:  # a broken properties part says nothing about the tables
        raw.properties = {}
    raw.format_version, messages = format_version(
        raw.properties.get(FORMAT_VERSION_PROPERTY), package.is_standard(), path.name)
    raw.messages.extend(messages)
    if any(m.is_error for m in messages):
        return raw  # a newer layout: what this program would read from it could be wrong
    try:
        wb = _calamine(lambda: pc.CalamineWorkbook.from_path(str(path)))
    except Exception:
        raw.messages.append(unreadable)
        return raw

    sheet_names = list(wb.sheet_names)
    by_fold = {n.casefold(): n for n in sheet_names}
    grids: dict[str, Grid] = {}
    for wanted in INPUT_SHEETS:
        actual = by_fold.get(wanted.casefold())
        if actual is None:
            if wanted in OPTIONAL_SHEETS:
                continue  # optional: the model's defaults apply / no rate tools
            raw.messages.append(error(wanted, None, None,
                                      f'Arket "{wanted}" mangler i projektmappen.'
                                      + suggestion(wanted, _others(sheet_names, _OWN_SHEETS))))
            continue
        problem = package.area_problem(actual)
        if problem:
            raw.messages.append(error(wanted, None, None, problem))
            continue
        package.markers(actual)  # from the XML area_problem has just read
        try:
            try:
                grids[wanted] = _calamine(lambda: _sheet_grid(wb, package, actual))
            except pc.CalamineError:  # a newer error value: read the sheets without it
                wb = _calamine(package.without_newer_errors)
                grids[wanted] = _calamine(lambda: _sheet_grid(wb, package, actual))
        except Exception:
            raw.messages.append(error(wanted, None, None, f'Arket "{wanted}" kunne ikke læses.'))

    headers: dict[str, dict[int, str]] = {name: {} for name in grids}
    for table in ALL_TABLES:
        if table.sheet in grids:
            _read_table(package.tables, grids[table.sheet], table, raw, headers[table.sheet])
    _read_settings(package, grids, raw)
    for name, grid in grids.items():
        scan_cpr(name, grid, headers[name], raw.messages)
    return raw


def _read_table(tables: dict[str, tuple[str, str]], grid: Grid, table: Table, raw: RawWorkbook,
                headers: dict[int, str]):
    found = next((n for n in tables if n.casefold() == table.name.casefold()), None)
    if found is None and table.optional:
        return
    if found is None:
        raw.messages.append(error(table.sheet, None, None,
                                  f"Tabellen {table.name} mangler på arket {table.sheet}."
                                  + suggestion(table.name, _others(
                                      list(tables), [t.name for t in ALL_TABLES]))))
        return
    sheet, ref = tables[found]
    if sheet.casefold() != grid.sheet.casefold():
        raw.messages.append(error(table.sheet, None, None,
                                  f"Tabellen {table.name} skal ligge på arket {table.sheet}, men "
                                  f"ligger på arket {sheet}."))
        return
    m = _TABLE_REF.match(ref)
    if not m:
        raw.messages.append(error(table.sheet, None, None,
                                  f"Tabellen {table.name} har et ugyldigt område ({ref[:40]}). "
                                  f"Opret tabellen igen i Excel (Indsæt › Tabel)."))
        return
    # Excel writes top-left:bottom-right; a hand-edited file may not. Either way the header is
    # the top row and the body the rows below it (none: a table of headers only).
    rows = sorted((int(m.group(2)), int(m.group(4))))
    cols = sorted((column_index(m.group(1)), column_index(m.group(3))))
    area = TableArea(header_row=rows[0], first_col=cols[0], last_col=cols[1], last_row=rows[1])
    raw_table = read_table(table, grid, area, f"tabellen {table.name}", raw.messages, headers)
    if raw_table is not None:
        raw.tables[table.name] = raw_table


def _calamine(read):
    """Run a python-calamine call; a panic in its Rust code (a BaseException) becomes an
    ordinary exception, so a malformed file is a message, never a crash."""
    try:
        return read()
    except (KeyboardInterrupt, SystemExit):
        raise
    except pc.CalamineError:
        raise
    except BaseException as exc:  # pyo3's PanicException derives from BaseException
        if isinstance(exc, Exception):
            raise
        raise RuntimeError(f"calamine: {type(exc).__name__}") from None


def _read_settings(package: _Package, grids: dict[str, Grid], raw: RawWorkbook):
    if SETTINGS_SHEET not in grids:
        raw.messages.append(settings_sheet_missing())
        return
    for setting in SETTINGS:
        ref = package.names.get(setting.name)
        if ref is None:
            continue  # an older workbook without this setting: the default applies
        m = re.match(r"^'?(.+?)'?!(.+)$", ref)
        cell = _CELL_REF.match(m.group(2)) if m else None
        if not m or not cell or m.group(1).replace("''", "'").casefold() != SETTINGS_SHEET.casefold():
            raw.messages.append(error(SETTINGS_SHEET, None, setting.label,
                                      f"Navnet {setting.name} skal pege på én celle på arket "
                                      f"{SETTINGS_SHEET} (peger på {ref})."))
            continue
        row, col = int(cell.group(2)), column_index(cell.group(1))
        value = grids[SETTINGS_SHEET].value(row, col)
        raw.settings[setting.name] = RawSetting(setting, value, row, cell.group(1))
