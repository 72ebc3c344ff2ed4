"""Is a workbook file one Excel opens without "We found a problem with some content…"?

`excel_problems(path)` returns every problem found, as short English lines; `assert_excel_valid`
fails on any. Two kinds of check:

1. `openxml-audit` (a Python port of Microsoft's Open XML SDK validator, Office 2019 rules):
   the schemas of every part, relationships, package structure. Findings that Excel is known to
   accept are listed in ACCEPTED with the evidence, one pattern each — never a whole check.
2. The project's lint for what Excel silently "repairs" although the schemas allow it:
   - each table's header cells equal its tableColumn names (Excel rewrites the table);
   - table names unique in the workbook (name and displayName), and no table named like a
     defined name;
   - defined names syntactically valid and referring only to sheets that exist;
   - explicit list data validations ("a,b,c") at most 255 characters;
   - hyperlinks (cell and drawing) to a location in the workbook name an existing sheet and a
     valid cell or a defined name;
   - a content type (Default or Override) for every part;
   - table ranges inside the sheet's dimension.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
REL_TABLE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"
REL_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
REL_DRAWING = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"

# Validator findings Excel is known to accept: finding id -> the evidence. Only that finding is
# let through, and only as long as it says what the evidence covers (the pattern).
ACCEPTED: dict[str, tuple[str, str]] = {
    # The reports (`beregn --ud`, `eksponering --ud`) are written in XlsxWriter's constant_memory
    # mode (rows leave memory as they are written; report.py), which stores text as inline
    # strings (<c t="inlineStr">, ECMA-376 Part 1 §18.3.1.4 / ST_CellType "inlineStr"; valid
    # SpreadsheetML). openxml-audit's own module docstring (openxml_audit/excel/
    # canonical_form.py) classes this finding as EXCEL_APP_COMPAT, severity WARNING: not an
    # OOXML violation and not one of the Open XML SDK's checks, but Excel converting the
    # strings to a shared-strings table "on the next save … with no repair dialog".
    "Excel_InlineStrCells": (r"inline-string cell\(s\)",
                             "inline strings: valid; Excel converts them on save"),
}

_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")
_NAME = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.\\]*$")
MAX_ROW, MAX_COL = 1_048_576, 16_384
# Excel stores an explicit list as one comma-separated string of at most 255 characters; a
# longer one makes Excel repair the file ("Removed Feature: Data validation", XlsxWriter issue
# #89; XlsxWriter docs, "Working with Data Validation"; ClosedXML #1016).
LIST_LIMIT = 255


def assert_excel_valid(path: str | Path) -> None:
    problems = excel_problems(path)
    assert problems == [], f"{Path(path).name}:\n" + "\n".join(problems)


def excel_problems(path: str | Path) -> list[str]:
    return validator_problems(path) + lint_problems(path)


# --------------------------------------------------------------------------------------------
# 1. The Open XML SDK's rules


def validator_problems(path: str | Path) -> list[str]:
    from openxml_audit import FileFormat, OpenXmlValidator

    result = OpenXmlValidator(file_format=FileFormat.OFFICE_2019).validate(str(path))
    return ["validator: " + str(e) for e in result.errors if not _accepted(e)]


def _accepted(error) -> bool:
    known = ACCEPTED.get(getattr(error, "id", None))
    return known is not None and re.search(known[0], str(error)) is not None


# --------------------------------------------------------------------------------------------
# 2. The lint


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def cell(ref: str) -> tuple[int, int] | None:
    """"$B$4" -> (row 4, column 2); None if not a cell inside Excel's grid."""
    m = _CELL.match(ref)
    if not m:
        return None
    row, col = int(m.group(2)), _col_number(m.group(1))
    return (row, col) if 1 <= row <= MAX_ROW and 1 <= col <= MAX_COL else None


def area(ref: str) -> tuple[int, int, int, int] | None:
    """"A4:E5" -> (first row, first col, last row, last col)."""
    first, _, last = ref.partition(":")
    a, b = cell(first), cell(last or first)
    if a is None or b is None:
        return None
    return a[0], a[1], b[0], b[1]


class Package:
    """The parts of a workbook package, with its relationships resolved."""

    def __init__(self, path: str | Path):
        with zipfile.ZipFile(path) as z:
            self.parts = {n: z.read(n) for n in z.namelist() if not n.endswith("/")}
        self.workbook = self.xml("xl/workbook.xml")
        rels = self.rels("xl/workbook.xml")
        self.sheets: dict[str, str] = {}  # sheet name -> part
        self.sheet_order: list[str] = []
        for sheet in self.workbook.iter(f"{S}sheet"):
            self.sheets[sheet.get("name")] = rels[sheet.get(f"{R}id")][1]
            self.sheet_order.append(sheet.get("name"))
        self.defined_names = [(d.get("name"), d.get("localSheetId"), (d.text or ""))
                              for d in self.workbook.iter(f"{S}definedName")]
        self._strings = None

    def xml(self, name: str) -> ET.Element:
        return ET.fromstring(self.parts[name])

    def rels(self, part: str) -> dict[str, tuple[str, str, str | None]]:
        """rId -> (type, resolved target part, TargetMode)."""
        folder, base = posixpath.split(part)
        name = posixpath.join(folder, "_rels", base + ".rels")
        if name not in self.parts:
            return {}
        out = {}
        for rel in self.xml(name).iter(f"{PR}Relationship"):
            target, mode = rel.get("Target"), rel.get("TargetMode")
            if mode != "External" and not target.startswith("#"):
                target = (target.lstrip("/") if target.startswith("/")
                          else posixpath.normpath(posixpath.join(folder, target)))
            out[rel.get("Id")] = (rel.get("Type"), target, mode)
        return out

    def strings(self) -> list[str]:
        if self._strings is None:
            self._strings = []
            if "xl/sharedStrings.xml" in self.parts:
                for si in self.xml("xl/sharedStrings.xml").iter(f"{S}si"):
                    self._strings.append("".join(t.text or "" for t in si.iter(f"{S}t")))
        return self._strings

    def cell_text(self, sheet: ET.Element, ref: str) -> str | None:
        for c in sheet.iter(f"{S}c"):
            if c.get("r") == ref:
                kind, v = c.get("t"), c.find(f"{S}v")
                if kind == "s":
                    return self.strings()[int(v.text)]
                if kind == "inlineStr":
                    return "".join(t.text or "" for t in c.iter(f"{S}t"))
                return None if v is None else v.text
        return None


def lint_problems(path: str | Path) -> list[str]:
    pkg = Package(path)
    return (content_type_problems(pkg) + table_problems(pkg) + defined_name_problems(pkg)
            + validation_problems(pkg) + hyperlink_problems(pkg))


def content_type_problems(pkg: Package) -> list[str]:
    types = ET.fromstring(pkg.parts["[Content_Types].xml"])
    defaults = {d.get("Extension").lower() for d in types.iter(f"{CT}Default")}
    overrides = {o.get("PartName").lower() for o in types.iter(f"{CT}Override")}
    problems = []
    for name in pkg.parts:
        if name == "[Content_Types].xml":
            continue
        ext = name.rsplit(".", 1)[-1].lower() if "." in posixpath.basename(name) else ""
        if "/" + name.lower() not in overrides and ext not in defaults:
            problems.append(f"content type: no Default or Override for part {name}")
    return problems


def _tables(pkg: Package):
    """(sheet name, sheet element, table part, table element) for every table."""
    for sheet_name, part in pkg.sheets.items():
        sheet = pkg.xml(part)
        for rel_type, target, _ in pkg.rels(part).values():
            if rel_type == REL_TABLE:
                yield sheet_name, sheet, target, pkg.xml(target)


def table_problems(pkg: Package) -> list[str]:
    problems = []
    seen: dict[str, str] = {}
    defined = {name.casefold() for name, _, _ in pkg.defined_names}
    for sheet_name, sheet, part, table in _tables(pkg):
        names = {table.get("name"), table.get("displayName")}
        for name in sorted(n for n in names if n):
            if name.casefold() in seen and seen[name.casefold()] != part:
                problems.append(f"table name {name} used twice ({seen[name.casefold()]}, {part})")
            seen[name.casefold()] = part
            if name.casefold() in defined:
                problems.append(f"table name {name} is also a defined name")
        box = area(table.get("ref", ""))
        if box is None:
            problems.append(f"table {table.get('name')}: invalid ref {table.get('ref')!r}")
            continue
        dim = sheet.find(f"{S}dimension")
        dbox = area(dim.get("ref")) if dim is not None else None
        if dbox is None or not (dbox[0] <= box[0] and dbox[1] <= box[1]
                                and box[2] <= dbox[2] and box[3] <= dbox[3]):
            problems.append(f"table {table.get('name')} ({table.get('ref')}) lies outside the "
                            f"dimension of sheet {sheet_name} "
                            f"({None if dim is None else dim.get('ref')})")
        columns = [c.get("name") for c in table.iter(f"{S}tableColumn")]
        if len(columns) != box[3] - box[1] + 1:
            problems.append(f"table {table.get('name')}: {len(columns)} columns for "
                            f"ref {table.get('ref')}")
        if table.get("headerRowCount", "1") != "0":
            from xlsxwriter.utility import xl_rowcol_to_cell

            for i, name in enumerate(columns):
                ref = xl_rowcol_to_cell(box[0] - 1, box[1] - 1 + i)
                text = pkg.cell_text(sheet, ref)
                if text != name:
                    problems.append(f"table {table.get('name')}: header cell {sheet_name}!{ref} "
                                    f"is {text!r}, its column is named {name!r}")
    return problems


_SHEET_REF = re.compile(r"(?:'((?:[^']|'')+)'|([A-Za-z_\\][\w.\\]*))!")


def _sheet_references(formula: str) -> list[str]:
    text = re.sub(r'"[^"]*"', '""', formula)  # not inside string literals
    return [(quoted.replace("''", "'") if quoted else bare)
            for quoted, bare in _SHEET_REF.findall(text)]


def defined_name_problems(pkg: Package) -> list[str]:
    problems = []
    seen = set()
    for name, local, formula in pkg.defined_names:
        key = (name.casefold(), local)
        if key in seen:
            problems.append(f"defined name {name} defined twice")
        seen.add(key)
        bare = name.split(".", 1)[1] if name.startswith("_xlnm.") else name
        if (not _NAME.match(bare) or len(name) > 255 or cell(bare.upper()) is not None
                or re.fullmatch(r"[RrCc]", bare)
                or re.fullmatch(r"[Rr]\d*[Cc]\d*", bare)):
            problems.append(f"defined name {name!r} is not a valid name")
        if local is not None and not (local.isdigit() and int(local) < len(pkg.sheet_order)):
            problems.append(f"defined name {name}: localSheetId {local} is not a sheet")
        if "#REF!" in formula:
            problems.append(f"defined name {name} refers to #REF!")
        for sheet in _sheet_references(formula):
            if sheet not in pkg.sheets:
                problems.append(f"defined name {name} refers to a missing sheet {sheet!r}")
    return problems


def validation_problems(pkg: Package) -> list[str]:
    problems = []
    for sheet_name, part in pkg.sheets.items():
        for dv in pkg.xml(part).iter(f"{S}dataValidation"):
            if dv.get("type") != "list":
                continue
            formula = dv.find(f"{S}formula1")
            text = "" if formula is None else (formula.text or "")
            if text.startswith('"') and len(text) - 2 > LIST_LIMIT:
                problems.append(f"data validation list on {sheet_name}!{dv.get('sqref')} is "
                                f"{len(text) - 2} characters (Excel allows {LIST_LIMIT})")
    return problems


def _location_problem(pkg: Package, location: str, where: str) -> str | None:
    sheet, bang, ref = location.rpartition("!")
    if not bang:  # a defined name
        names = {n.casefold() for n, _, _ in pkg.defined_names}
        return None if location.casefold() in names else \
            f"hyperlink in {where} to {location!r}: no such sheet!cell or name"
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    if sheet not in pkg.sheets:
        return f"hyperlink in {where} to {location!r}: no sheet {sheet!r}"
    if area(ref.upper()) is None:
        return f"hyperlink in {where} to {location!r}: {ref!r} is not a cell"
    return None


def hyperlink_problems(pkg: Package) -> list[str]:
    problems = []
    for sheet_name, part in pkg.sheets.items():
        rels = pkg.rels(part)
        for link in pkg.xml(part).iter(f"{S}hyperlink"):
            rid = link.get(f"{R}id")
            if rid is not None:
                if rid not in rels or rels[rid][0] != REL_HYPERLINK:
                    problems.append(f"hyperlink on {sheet_name}!{link.get('ref')}: "
                                    f"relationship {rid} missing")
            elif link.get("location") is not None:
                p = _location_problem(pkg, link.get("location"), f"{sheet_name}!{link.get('ref')}")
                if p:
                    problems.append(p)
        for rel_type, drawing, _ in rels.values():
            if rel_type != REL_DRAWING:
                continue
            drels = pkg.rels(drawing)
            for click in pkg.xml(drawing).iter(f"{A}hlinkClick"):
                rid = click.get(f"{R}id")
                if not rid:
                    continue
                if rid not in drels:
                    problems.append(f"hyperlink in {drawing}: relationship {rid} missing")
                    continue
                _, target, mode = drels[rid]
                if target.startswith("#"):
                    p = _location_problem(pkg, target[1:], drawing)
                    if p:
                        problems.append(p)
    return problems
