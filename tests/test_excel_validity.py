"""Every workbook file the product writes is one Excel opens without repairing it.

ARTIFACTS builds each kind of file the way a user gets it (the command line, or the builder the
command calls) and `excel_validity.assert_excel_valid` checks it: the Open XML SDK validator
(openxml-audit) and the project's lint for Excel's "repair" triggers. A new command that writes
a workbook is one more line in ARTIFACTS; `test_every_command_is_covered` fails until it is
there. The second half proves each check can fail: a real artifact with one thing broken.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, copy_of_example, run_cli
from excel_validity import (ACCEPTED, Package, assert_excel_valid, excel_problems,
                            lint_problems, validator_problems)

COMMITTED = [REPO / "workbook" / n for n in ("Underskudsgaranti.xlsx", "Underskudsgaranti.xlsm",
                                             "Underskudsgaranti_eksempel.xlsx")]


def _example(folder: Path) -> Path:
    (folder / "ind").mkdir(parents=True, exist_ok=True)
    return copy_of_example(folder / "ind" / "eksempel.xlsx")


def _cli(folder: Path, *args) -> list[Path]:
    """Run `xl-underskud ARGS` (an argument "UD" means folder/ud) and return the workbooks it
    wrote under folder/ud."""
    out = folder / "ud"
    out.mkdir(parents=True, exist_ok=True)
    res = run_cli(*[out / a[3:] if isinstance(a, str) and a.startswith("UD/") else a
                    for a in args])
    assert res.returncode == 0, res.stderr
    return sorted(p for p in out.rglob("*") if p.suffix in (".xlsx", ".xlsm"))


def _template(folder, suffix):
    from xl_underskud.xlsx.template import build_workbook

    return [build_workbook(folder / f"Underskudsgaranti{suffix}")]


def _population_update(folder):
    from fake_dst import FakeDST
    from xl_underskud.dst import folk1a

    server = FakeDST()
    mp = pytest.MonkeyPatch()
    try:
        mp.setenv(folk1a.URL_ENV, server.url)
        mp.setenv("NO_PROXY", "127.0.0.1,localhost")
        mp.setenv("no_proxy", "127.0.0.1,localhost")
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
                     "all_proxy", folk1a.TIMEOUT_ENV):
            mp.delenv(name, raising=False)
        return _cli(folder, "befolkning", "--aar", 2024, "--fil", _example(folder),
                    "--ud", "UD/ny.xlsx")
    finally:
        mp.undo()
        server.close()


def _collected(folder):
    """`saml` of the example and one operator's report (written in place into the master)."""
    master = _example(folder)
    report = folder / "ind" / "gladsaxe.xlsx"
    assert run_cli("indberetning", master, "--driftsherre", "Gladsaxe Kommune",
                   "--ud", report).returncode == 0
    return _cli(folder, "saml", master, report, "--ud", "UD/samlet.xlsx")


# name -> (the command it covers, folder -> the workbooks written). One line per artifact.
ARTIFACTS = {
    "skabelon.xlsx": ("skabelon", lambda d: _cli(d, "skabelon", "--ud", "UD/s.xlsx")),
    "skabelon.xlsm": ("skabelon", lambda d: _template(d, ".xlsm")),
    "eksempel": ("eksempel", lambda d: _cli(d, "eksempel", "--ud", "UD/e.xlsx")),
    "beregn --ud": ("beregn", lambda d: _cli(d, "beregn", _example(d), "--ud", "UD/r.xlsx")),
    "beregn --aar (kvartal)": ("beregn", lambda d: _cli(d, "beregn", _example(d), "--aar", 2023,
                                                        "--ud", "UD/r.xlsx")),
    "afregning (opgørelser og samlet oversigt)": (
        "afregning", lambda d: _cli(d, "afregning", _example(d), "--aar", 2023, "--mappe", "UD/a")),
    "eksponering --ud": ("eksponering",
                         lambda d: _cli(d, "eksponering", _example(d), "--ud", "UD/x.xlsx")),
    "befolkning --fil": ("befolkning", _population_update),
    "indberetning": ("indberetning", lambda d: _cli(d, "indberetning", _example(d),
                                                    "--driftsherre", "Gladsaxe Kommune",
                                                    "--ud", "UD/i.xlsx")),
    "saml": ("saml", _collected),
    "opgrader": ("opgrader", lambda d: _cli(d, "opgrader", REPO / "tests" / "fixtures" /
                                            "format1_eksempel.xlsx", "--ud", "UD/o.xlsx")),
    "committed workbooks": (None, lambda d: COMMITTED),
}
NO_WORKBOOK = {"valider": "prints messages", "server": "serves the add-in",
               "manifest": "writes the add-in's manifest (XML, tested in test_addin.py)"}


def _uncovered(artifacts) -> set[str]:
    from xl_underskud.cli.main import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    covered = {command for command, _ in artifacts.values() if command}
    return set(sub.choices) - covered - set(NO_WORKBOOK)


def test_every_command_is_covered():
    missing = _uncovered(ARTIFACTS)
    assert not missing, f"add the workbooks these commands write to ARTIFACTS: {missing}"
    without = {k: v for k, v in ARTIFACTS.items() if v[0] != "eksponering"}
    assert _uncovered(without) == {"eksponering"}  # the check can fail


@pytest.mark.parametrize("name", ARTIFACTS)
def test_artifact_is_excel_valid(name, tmp_path):
    paths = ARTIFACTS[name][1](tmp_path)
    assert paths, "the command wrote no workbook"
    for path in paths:
        assert_excel_valid(path)
    if name.startswith("afregning"):
        names = [p.name for p in paths]
        assert any(n.startswith("Samlet_oversigt") for n in names) and len(names) > 2, names


# --------------------------------------------------------------------------------------------
# Each check can fail: one thing broken in a copy of a real artifact.


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """A template, the example, a report and a statement folder, written once."""
    folder = tmp_path_factory.mktemp("real")
    statements = ARTIFACTS["afregning (opgørelser og samlet oversigt)"][1](folder / "a")
    return {"template": COMMITTED[0], "example": COMMITTED[2],
            "report": ARTIFACTS["beregn --ud"][1]((folder / "r"))[0],
            "statement": next(p for p in statements if p.name.startswith("Opgoerelse")),
            "folder": folder}


def broken(real, source: str, name: str, edit=None, part=None, drop=None) -> Path:
    """A copy of real[source] with `edit(text)` applied to `part` (or the part dropped)."""
    src, out = real[source], real["folder"] / f"{name}.xlsx"
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as w:
        for info in z.infolist():
            if info.filename == drop:
                continue
            data = z.read(info.filename)
            if info.filename == part:
                changed = edit(data.decode("utf-8"))
                assert changed != data.decode("utf-8"), "the edit changed nothing"
                data = changed.encode("utf-8")
            w.writestr(info, data)
    return out


def _table_part(real, source, table_name):
    pkg = Package(real[source])
    return next(n for n in pkg.parts if n.startswith("xl/tables/")
                and f'name="{table_name}"' in pkg.parts[n].decode())


def _sheet_part(real, source, sheet):
    return Package(real[source]).sheets[sheet]


def _only(problems, fragment):
    hits = [p for p in problems if fragment in p]
    assert hits, problems
    return hits


def test_the_real_artifacts_used_below_are_clean(real):
    for key in ("template", "example", "report", "statement"):
        assert excel_problems(real[key]) == [], key


def test_validator_reports_a_schema_error(real):
    path = broken(real, "template", "schema", part="xl/webextensions/webextension1.xml",
                  edit=lambda t: t.replace("<we:bindings/>", ""))
    _only(validator_problems(path), "Required element 'bindings' is missing")
    path = broken(real, "template", "sheet", part=_sheet_part(real, "template", "Aftaler"),
                  edit=lambda t: t.replace("<sheetData>", "<bogus/><sheetData>", 1))
    _only(validator_problems(path), "Unexpected element 'bogus'")


def test_accepted_finding_is_real_and_nothing_else_is_let_through(real):
    from openxml_audit import OpenXmlValidator

    raw = OpenXmlValidator().validate(str(real["report"])).errors
    assert {e.id for e in raw} == set(ACCEPTED) == {"Excel_InlineStrCells"}  # shown, accepted
    # the same report with a real error still fails
    path = broken(real, "report", "report-schema", part="xl/worksheets/sheet1.xml",
                  edit=lambda t: t.replace("<sheetData>", "<bogus/><sheetData>", 1))
    _only(validator_problems(path), "Unexpected element 'bogus'")


def test_lint_table_header_differs_from_its_column_name(real):
    part = _table_part(real, "template", "tblAftaler")
    path = broken(real, "template", "header", part=part,
                  edit=lambda t: t.replace('name="Driftsherre"', 'name="Driftsherren"'))
    _only(lint_problems(path), "header cell Aftaler!B4 is 'Driftsherre', its column is named "
                               "'Driftsherren'")


def test_lint_table_name_used_twice(real):
    part = _table_part(real, "template", "tblPladser")
    path = broken(real, "template", "twice", part=part,
                  edit=lambda t: t.replace('"tblPladser"', '"tblAftaler"'))
    _only(lint_problems(path), "table name tblAftaler used twice")


def test_lint_table_named_like_a_defined_name(real):
    part = _table_part(real, "template", "tblPladser")
    path = broken(real, "template", "clash", part=part,
                  edit=lambda t: t.replace('"tblPladser"', '"Garantiaar"'))
    _only(lint_problems(path), "table name Garantiaar is also a defined name")


def test_lint_defined_name_invalid(real):
    path = broken(real, "template", "badname", part="xl/workbook.xml",
                  edit=lambda t: t.replace('name="Garantiaar"', 'name="GA1"'))
    _only(lint_problems(path), "defined name 'GA1' is not a valid name")
    path = broken(real, "template", "badname2", part="xl/workbook.xml",
                  edit=lambda t: t.replace('name="Garantiaar"', 'name="Garanti år"'))
    _only(lint_problems(path), "defined name 'Garanti år' is not a valid name")


def test_lint_defined_name_pointing_at_a_missing_sheet(real):
    path = broken(real, "template", "nosheet", part="xl/workbook.xml",
                  edit=lambda t: re.sub(r">Indstillinger!\$E\$5<", ">Indstilling!$E$5<", t))
    _only(lint_problems(path), "refers to a missing sheet 'Indstilling'")


def test_lint_list_validation_longer_than_255_characters(real):
    part = _sheet_part(real, "template", "Aftaler")
    long_list = '"' + ",".join(f"Valg nummer {i}" for i in range(30)) + '"'
    path = broken(real, "template", "longlist", part=part,
                  edit=lambda t: re.sub(r'<formula1>"§[^<]*"</formula1>',
                                        "<formula1>" + long_list + "</formula1>", t, count=1))
    _only(lint_problems(path), "characters (Excel allows 255)")


def test_lint_cell_hyperlink_to_a_missing_sheet(real):
    pkg = Package(real["statement"])
    part = next(p for p in pkg.sheets.values() if b"location=\"'Bilag'!A1\"" in pkg.parts[p])
    path = broken(real, "statement", "link", part=part,
                  edit=lambda t: t.replace("location=\"'Bilag'!A1\"", "location=\"'Bilaget'!A1\""))
    _only(lint_problems(path), "no sheet 'Bilaget'")
    path = broken(real, "statement", "link2", part=part,
                  edit=lambda t: t.replace("location=\"'Bilag'!A1\"", "location=\"'Bilag'!AAAA1\""))
    _only(lint_problems(path), "'AAAA1' is not a cell")


def test_lint_button_hyperlink_to_a_missing_sheet(real):
    path = broken(real, "template", "button", part="xl/drawings/_rels/drawing1.xml.rels",
                  edit=lambda t: t.replace("#Vejledning!C3", "#Vejl!C3"))
    _only(lint_problems(path), "to 'Vejl!C3': no sheet 'Vejl'")


def test_lint_part_without_content_type(real):
    path = broken(real, "template", "ctype", part="[Content_Types].xml",
                  edit=lambda t: re.sub(r'<Default Extension="rels"[^>]*/>', "", t))
    _only(lint_problems(path), "no Default or Override for part _rels/.rels")
    path = broken(real, "template", "ctype2", part="[Content_Types].xml",
                  edit=lambda t: re.sub(r'<Override PartName="/xl/theme/theme1\.xml"[^>]*/>',
                                        '<Default Extension="png" ContentType="image/png"/>', t))
    assert not [p for p in lint_problems(path) if "theme1" in p]  # covered by Default "xml"


def test_lint_table_outside_the_sheet_dimension(real):
    part = _sheet_part(real, "template", "Aftaler")
    path = broken(real, "template", "dimension", part=part,
                  edit=lambda t: t.replace('<dimension ref="A1:G5"/>', '<dimension ref="A1:G4"/>'))
    _only(lint_problems(path), "table tblAftaler (A4:G5) lies outside the dimension of sheet "
                               "Aftaler (A1:G4)")
