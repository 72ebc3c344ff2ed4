"""Shell: read a standard workbook file (.xlsx/.xlsm) into a `RawWorkbook`.

Cell values come from python-calamine (fast, reads the cached results of formulas); the few
things calamine does not expose — defined names and formulas that have no cached result —
are read from the package XML directly. No rule lives here: the reader only finds the
declared tables, headers and named cells and reports what it cannot find. The file is
opened read-only and never written.
"""
from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree as ET

import python_calamine as pc

from xl_underskud.core.cpr import looks_like_cpr
from xl_underskud.core.grid import column_letter
from xl_underskud.core.municipalities import suggestion
from xl_underskud.core.parse import RawRow, RawSetting, RawTable, RawWorkbook
from xl_underskud.core.records import error, warning
from xl_underskud.outputs.tables import OUTPUT_SHEETS
from xl_underskud.core.declarations import (ALL_TABLES, GUIDE_SHEET, INPUT_SHEETS, LIST_SHEET,
                                            OPTIONAL_SHEETS, SETTINGS, SETTINGS_SHEET, Table)

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_CELL_REF = re.compile(r"^\$?([A-Z]+)\$?(\d+)$")
_FORMULA = re.compile(rb"<f[\s>/]")

# Sheets with a role of their own (guide, list helper, output sheets): never offered as "Mente du
# …?" for a missing input sheet — "Lister" is not a misspelled "Takster".
_OWN_SHEETS = INPUT_SHEETS + (GUIDE_SHEET, LIST_SHEET) + OUTPUT_SHEETS


def _others(candidates, taken) -> list[str]:
    """Candidates for a 'Mente du …?' hint: names that are not already a declared name."""
    folded = {str(t).casefold() for t in taken}
    return [c for c in candidates if str(c).casefold() not in folded]


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


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
        self._no_cache: dict[str, set[tuple[int, int]]] = {}
        wb_xml = ET.fromstring(self.zip.read("xl/workbook.xml"))
        rels = ET.fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", _NS)}
        self.sheet_paths: dict[str, str] = {}
        sheet_names = []
        for sheet in wb_xml.findall("m:sheets/m:sheet", _NS):
            target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
            path = target.lstrip("/") if target.startswith("/") else str(
                PurePosixPath("xl") / target)
            self.sheet_paths[sheet.get("name")] = path
            sheet_names.append(sheet.get("name"))
        self.names: dict[str, str] = {}
        for dn in wb_xml.findall("m:definedNames/m:definedName", _NS):
            name = dn.get("name")
            if dn.get("localSheetId") is not None:
                continue  # sheet-scoped names are not the workbook's settings
            self.names[name] = (dn.text or "").strip()

    def formulas_without_value(self, sheet: str) -> set[tuple[int, int]]:
        """(Excel row, column index) of formula cells that carry no cached result."""
        if sheet not in self._no_cache:
            self._no_cache[sheet] = self._scan_formulas(sheet)
        return self._no_cache[sheet]

    def _scan_formulas(self, sheet: str) -> set[tuple[int, int]]:
        path = self.sheet_paths.get(sheet)
        if path is None or path not in self.zip.namelist():
            return set()
        data = self.zip.read(path)
        # <f>, <f t="shared" …> or <f/>; not <formula1> of a data validation
        if not _FORMULA.search(data):
            return set()
        out = set()
        for m in _CELL.finditer(data):
            body = m.group(2) or b""
            if b"<f" not in body:
                continue
            has_value = re.search(rb"<v>[^<]+</v>", body) is not None
            is_text = b't="str"' in m.group(1) and b"<v" in body
            if not has_value and not is_text:
                ref = _REF.search(m.group(1))
                if ref:
                    out.add((int(ref.group(2)), column_index(ref.group(1).decode())))
        return out


def _blank(value) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def _header_key(text) -> str:
    return " ".join(str(text).split()).casefold()


class _Sheet:
    def __init__(self, wb: pc.CalamineWorkbook, name: str):
        sheet = wb.get_sheet_by_name(name)
        self.name = name
        self.grid = sheet.to_python(skip_empty_area=False)
        self.row0, self.col0 = 0, 0  # skip_empty_area=False anchors the grid at A1
        self.headers: dict[int, str] = {}  # column index -> declared header of a table column

    def value(self, row: int, col: int):
        """Value at 0-based sheet coordinates, None when empty."""
        r, c = row - self.row0, col - self.col0
        if 0 <= r < len(self.grid) and 0 <= c < len(self.grid[r]):
            v = self.grid[r][c]
            return None if v == "" else v
        return None

    @property
    def height(self) -> int:
        return self.row0 + len(self.grid)


def read_workbook(path: str | Path) -> RawWorkbook:
    path = Path(path)
    raw = RawWorkbook()
    problem = file_problem(path)
    if problem:
        raw.messages.append(error(None, None, None, problem))
        return raw
    try:
        wb = pc.CalamineWorkbook.from_path(str(path), load_tables=True)
        package = _Package(path)
    except Exception:  # calamine/zip/xml raise many kinds; all mean the same to the user
        raw.messages.append(error(None, None, None,
                                  f"Filen {path.name} kunne ikke læses som Excel-projektmappe; "
                                  f"den er måske beskadiget."))
        return raw

    sheet_names = list(wb.sheet_names)
    by_fold = {n.casefold(): n for n in sheet_names}
    sheets: dict[str, _Sheet] = {}
    for wanted in INPUT_SHEETS:
        actual = by_fold.get(wanted.casefold())
        if actual is None:
            if wanted in OPTIONAL_SHEETS:
                continue  # optional: the model's defaults apply / no rate tools
            raw.messages.append(error(wanted, None, None,
                                      f'Arket "{wanted}" mangler i projektmappen.'
                                      + suggestion(wanted, _others(sheet_names, _OWN_SHEETS))))
            continue
        try:
            sheets[wanted] = _Sheet(wb, actual)
        except Exception:
            raw.messages.append(error(wanted, None, None, f'Arket "{wanted}" kunne ikke læses.'))

    table_names = list(wb.table_names)
    for table in ALL_TABLES:
        if table.sheet in sheets:
            _read_table(wb, package, sheets[table.sheet], table, table_names, raw)
    _read_settings(package, sheets, raw)
    _scan_cpr(sheets, raw)
    return raw


def _read_table(wb, package: _Package, sheet: _Sheet, table: Table, table_names, raw: RawWorkbook):
    found = next((n for n in table_names if n.casefold() == table.name.casefold()), None)
    if found is None and table.optional:
        return
    if found is None:
        raw.messages.append(error(table.sheet, None, None,
                                  f"Tabellen {table.name} mangler på arket {table.sheet}."
                                  + suggestion(table.name, _others(
                                      table_names, [t.name for t in ALL_TABLES]))))
        return
    t = wb.get_table_by_name(found)
    if t.sheet.casefold() != sheet.name.casefold():
        raw.messages.append(error(table.sheet, None, None,
                                  f"Tabellen {table.name} skal ligge på arket {table.sheet}, men "
                                  f"ligger på arket {t.sheet}."))
        return
    # 0-based; calamine's table range is the data below the header row
    (first, left), (bottom, _right) = t.start, t.end
    header_row = first  # Excel row number (1-based) of the header = 0-based first data row
    headers = [str(h) for h in t.columns]
    position = {}
    for offset, header in enumerate(headers):
        position.setdefault(_header_key(header), left + offset)
    missing = False
    columns = {}
    for column in table.columns:
        col = position.get(_header_key(column.header))
        if col is None:
            missing = True
            raw.messages.append(error(table.sheet, header_row, column.header,
                                      f'Kolonnen "{column.header}" mangler i tabellen {table.name}.'
                                      + suggestion(column.header,
                                                   _others(headers, table.headers))))
        else:
            columns[column.field] = col
            sheet.headers[col] = column.header
    if missing:
        return

    # Data rows: the table's own range, plus rows typed directly below it that Excel would
    # have added to the table (contiguous, non-blank) — a file filled by a script often forgets
    # to widen the table.
    last = bottom
    while any(not _blank(sheet.value(last + 1, c)) for c in columns.values()):
        last += 1
    no_cache = package.formulas_without_value(sheet.name)
    rows = []
    for r in range(first, last + 1):
        values = {f: sheet.value(r, c) for f, c in columns.items()}
        reported = False
        for f, c in columns.items():
            if (r + 1, c) in no_cache:
                header = table.column(f).header
                raw.messages.append(error(table.sheet, r + 1, header,
                                          f"Cellen {column_letter(c)}{r + 1} indeholder en formel "
                                          f"uden gemt resultat. Åbn og gem filen i Excel, eller "
                                          f"skriv værdien direkte."))
                del values[f]  # absent = reported here; parse must not call it blank as well
                reported = True
        if not reported and all(_blank(v) for v in values.values()):
            continue
        rows.append(RawRow(r + 1, values))
    raw.tables[table.name] = RawTable(table, tuple(rows))


def _read_settings(package: _Package, sheets: dict[str, _Sheet], raw: RawWorkbook):
    if SETTINGS_SHEET not in sheets:
        raw.messages.append(warning(SETTINGS_SHEET, None, None,
                                    f'Arket "{SETTINGS_SHEET}" mangler; modellens standard bruges '
                                    f"(50 % i 3 år, højst 20 pladser, årlig afregning)."))
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
        sheet = sheets[SETTINGS_SHEET]
        value = sheet.value(row - 1, col)
        if (row, col) in package.formulas_without_value(sheet.name):
            raw.messages.append(error(SETTINGS_SHEET, row, setting.label,
                                      f"Cellen {cell.group(1)}{row} ({setting.name}) indeholder en "
                                      f"formel uden gemt resultat."))
            continue
        raw.settings[setting.name] = RawSetting(setting, value, row, cell.group(1))


def _scan_cpr(sheets: dict[str, _Sheet], raw: RawWorkbook):
    """SPEC rule 11: any cell of an input sheet that looks like a CPR number is an error."""
    for name, sheet in sheets.items():
        for r, line in enumerate(sheet.grid):
            for c, value in enumerate(line):
                if value != "" and looks_like_cpr(value):
                    ref = f"{column_letter(sheet.col0 + c)}{sheet.row0 + r + 1}"
                    column = sheet.headers.get(sheet.col0 + c, column_letter(sheet.col0 + c))
                    raw.messages.append(error(
                        name, sheet.row0 + r + 1, column,
                        f"Cellen {name}!{ref} ligner et CPR-nummer. Projektmappen deles med 29 "
                        f"kommuner og må ikke indeholde CPR-numre: brug et pseudonymt id."))
