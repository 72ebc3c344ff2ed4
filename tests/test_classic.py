"""The classic workbook (.xlsm) for the secretariat's PCs with Python and xlwings."""
import importlib
import re
import zipfile

from oletools.olevba import VBA_Parser

from conftest import REPO
from xl_underskud.xlsx.template import CLASSIC_MODULE, build_workbook, xlwings_vba_project

XLSM = REPO / "workbook" / "Underskudsgaranti.xlsm"


def _parts(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_committed_xlsm_equals_a_fresh_build(tmp_path):
    fresh = build_workbook(tmp_path / "Underskudsgaranti.xlsm")
    committed, rebuilt = _parts(XLSM), _parts(fresh)
    assert sorted(committed) == sorted(rebuilt)
    assert [n for n in committed if committed[n] != rebuilt[n]] == [], \
        "Run `xl-underskud skabelon --ud workbook/Underskudsgaranti.xlsm`"
    assert (tmp_path / "Underskudsgaranti.py").read_text() == CLASSIC_MODULE
    assert (REPO / "workbook" / "Underskudsgaranti.py").read_text() == CLASSIC_MODULE


def test_vba_project_is_xlwings_own_unchanged():
    with zipfile.ZipFile(XLSM) as z:
        assert z.read("xl/vbaProject.bin") == xlwings_vba_project()


def _procedures():
    parser = VBA_Parser(str(XLSM))
    try:
        code = "\n".join(src for _, _, _, src in parser.extract_macros())
    finally:
        parser.close()
    return set(re.findall(r"^\s*(?:Public\s+|Private\s+)?(?:Sub|Function)\s+(\w+)", code, re.M))


def test_every_button_calls_a_macro_that_exists():
    with zipfile.ZipFile(XLSM) as z:
        vml = [z.read(n).decode() for n in z.namelist() if n.endswith(".vml")]
    macros = re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", "\n".join(vml))
    assert macros, "the workbook has no button"
    procedures = _procedures()
    assert {"SampleCall", "RunPython"} <= procedures
    assert set(macros) <= procedures


def test_xlwings_conf_sheet_points_at_the_functions_module():
    from openpyxl import load_workbook

    wb = load_workbook(XLSM, keep_vba=True)
    conf = {r[0]: r[1] for r in wb["xlwings.conf"].iter_rows(values_only=True)}
    module = importlib.import_module(conf["UDF Modules"])
    assert hasattr(module, "ug_fordeling")
    assert "Handling" in wb.defined_names
    # the macro imports the module named after the workbook file, which calls scripts.main
    assert "from xl_underskud.excel.scripts import main" in CLASSIC_MODULE


# --------------------------------------------------------------------------------------------
# Code names: the workbook and its sheets carry the names of the VBA project's document modules.
# A workbook whose codeName differs from the project's workbook module opens with a second
# "ThisWorkbook1" object, and the project's ThisWorkbook code no longer runs (XlsxWriter issue
# #438, umya-spreadsheet PR #179); XlsxWriter's docs, "Setting the VBA codenames" (#246). Code
# names that start with a digit or are long make Excel repair the file (XlsxWriter #628,
# libxlsxwriter #256: letters, digits and _ from a letter on, well under 31 characters).


WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"  # VB_Base of a Workbook module
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"  # … of a Worksheet module


def vba_modules(vba: bytes) -> dict[str, str]:
    """Module name -> "workbook", "worksheet", "module" or "class", from the project's PROJECT
    stream (MS-OVBA 2.3.1: Document=, Module=, Class= lines) and each document module's
    VB_Base attribute."""
    import io

    import olefile

    ole = olefile.OleFileIO(io.BytesIO(vba))
    try:
        project = ole.openstream("PROJECT").read().decode("latin-1")
    finally:
        ole.close()
    kinds = {}
    for key, name in re.findall(r"^(Document|Module|Class)=([^/\r\n]+)", project, re.M):
        kinds[name] = key.lower()
    parser = VBA_Parser("vba.bin", data=vba)
    try:
        for _, _, filename, code in parser.extract_macros():
            name = filename.rsplit(".", 1)[0]
            base = re.search(r'Attribute VB_Base = "([^"]+)"', code)
            if kinds.get(name) == "document" and base:
                kinds[name] = {WORKBOOK_BASE: "workbook", WORKSHEET_BASE: "worksheet"}.get(
                    base.group(1), "document")
    finally:
        parser.close()
    return kinds


def code_name_problems(path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    kinds = vba_modules(parts["xl/vbaProject.bin"])
    workbook = re.search(rb'<workbookPr [^>]*codeName="([^"]+)"', parts["xl/workbook.xml"])
    sheets = [re.search(rb'<sheetPr [^>]*codeName="([^"]+)"', data)
              for name, data in sorted(parts.items())
              if name.startswith("xl/worksheets/sheet")]
    problems = []
    books = [n for n, k in kinds.items() if k == "workbook"]
    if not workbook or [workbook.group(1).decode()] != books:
        problems.append(f"workbook codeName {workbook and workbook.group(1)} is not the VBA "
                        f"project's workbook module {books}")
    names = [m.group(1).decode() if m else None for m in sheets]
    if None in names:
        problems.append("a sheet has no codeName")
    for name in filter(None, names):
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,21}", name):
            problems.append(f"sheet codeName {name!r} is not a short VBA identifier")
    for module in (n for n, k in kinds.items() if k == "worksheet"):
        if module not in names:
            problems.append(f"document module {module} has no sheet with that codeName")
    if len(set(names)) != len(names):
        problems.append(f"sheet codeNames repeat: {names}")
    for name in names:
        if kinds.get(name) in ("module", "class", "workbook"):
            problems.append(f"sheet codeName {name} is already a {kinds[name]} in the VBA "
                            f"project")
    return problems


def test_vba_project_document_modules_are_known():
    assert vba_modules(xlwings_vba_project()) == {
        "ThisWorkbook": "workbook", "Sheet1": "worksheet", "Sheet2": "worksheet",
        "Module1": "module", "xlwings": "module", "Dictionary": "class"}


def test_code_names_match_the_vba_project():
    assert code_name_problems(XLSM) == []


def _edited(src, dst, part, old, new):
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as w:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename == part:
                assert old in data
                data = data.replace(old, new)
            w.writestr(info, data)
    return dst


def test_code_name_check_can_fail(tmp_path):
    book = _edited(XLSM, tmp_path / "a.xlsm", "xl/workbook.xml",
                   b'codeName="ThisWorkbook"', b'codeName="DenneProjektmappe"')
    assert any("workbook codeName" in p for p in code_name_problems(book))
    sheet = _edited(XLSM, tmp_path / "b.xlsm", "xl/worksheets/sheet2.xml",
                    b'codeName="Sheet2"', b'codeName="Ark2"')
    assert code_name_problems(sheet) == ["document module Sheet2 has no sheet with that codeName"]
    digit = _edited(XLSM, tmp_path / "d.xlsm", "xl/worksheets/sheet4.xml",
                    b'codeName="Sheet4"', b'codeName="4Ark"')
    assert code_name_problems(digit) == ["sheet codeName '4Ark' is not a short VBA identifier"]
    clash = _edited(XLSM, tmp_path / "c.xlsm", "xl/worksheets/sheet3.xml",
                    b'codeName="Sheet3"', b'codeName="Module1"')
    assert code_name_problems(clash) == [
        "sheet codeName Module1 is already a module in the VBA project"]
