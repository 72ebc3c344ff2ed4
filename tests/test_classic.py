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
