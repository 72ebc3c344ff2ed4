"""The format version of the standard workbook (issue 11, part 4): the reader says when a file is
from an older or newer program, and `opgrader` carries an older workbook into today's template.

The format-1 fixtures were built by the template on main before the version existed
(tests/fixtures/README.md)."""
from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest

from conftest import REPO, run_cli
from xl_underskud.core.declarations import FORMAT_VERSION, FORMAT_VERSION_PROPERTY, SETTING
from xl_underskud.xlsx.inplace import read_custom_properties, replace_tables
from xl_underskud.xlsx.reader import read_workbook

FIXTURES = REPO / "tests" / "fixtures"
FORMAT1_EXAMPLE = FIXTURES / "format1_eksempel.xlsx"
FORMAT1_SETTINGS = FIXTURES / "format1_indstillinger.xlsx"
FORMAT1_TEMPLATE = FIXTURES / "format1_skabelon.xlsx"
EXAMPLE = REPO / "workbook" / "Underskudsgaranti_eksempel.xlsx"


def _sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _copy(src: Path, dst: Path) -> Path:
    dst.write_bytes(src.read_bytes())
    return dst


def test_the_distributed_workbooks_carry_the_current_version():
    assert FORMAT_VERSION == 2
    for name in ("Underskudsgaranti.xlsx", "Underskudsgaranti.xlsm",
                 "Underskudsgaranti_eksempel.xlsx"):
        with zipfile.ZipFile(REPO / "workbook" / name) as z:
            assert read_custom_properties(z) == {FORMAT_VERSION_PROPERTY: "2"}, name
        raw = read_workbook(REPO / "workbook" / name)
        assert raw.format_version == 2 and not any("formatversion" in m.text
                                                   for m in raw.messages), name


def test_a_newer_workbook_is_an_error_and_nothing_is_written(tmp_path):
    newer = tmp_path / "ny_udgave.xlsx"
    replace_tables(EXAMPLE, newer, {}, properties={FORMAT_VERSION_PROPERTY: 3})
    raw = read_workbook(newer)
    assert raw.format_version == 3
    assert [m.text for m in raw.messages] == [
        "ny_udgave.xlsx er lavet af en nyere udgave af xl-underskud (formatversion 3; denne "
        "udgave kender op til formatversion 2). Opdatér programmet (python -m pip install "
        "--upgrade xl-underskud), og prøv igen."]
    assert raw.messages[0].is_error
    before = _sha(newer)
    res = run_cli("beregn", newer, "--ud", tmp_path / "rapport.xlsx")
    assert res.returncode == 1 and "nyere udgave af xl-underskud" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ny_udgave.xlsx"]
    assert _sha(newer) == before


@pytest.mark.parametrize("fixture", [FORMAT1_EXAMPLE, FORMAT1_TEMPLATE])
def test_a_standard_workbook_without_the_property_is_version_1(fixture):
    raw = read_workbook(fixture)
    assert raw.format_version == 1
    warnings = [m for m in raw.messages if "formatversion" in m.text]
    assert [m.is_error for m in warnings] == [False]
    assert (f"{fixture.name} har formatversion 1; denne udgave af xl-underskud bruger "
            f"formatversion 2. Kør 'xl-underskud opgrader {fixture.name} --ud NY.xlsx'"
            in warnings[0].text)


def test_an_older_version_written_as_the_property_is_named(tmp_path):
    old = tmp_path / "gammel.xlsx"
    replace_tables(EXAMPLE, old, {}, properties={FORMAT_VERSION_PROPERTY: 1})
    res = run_cli("valider", old)
    assert res.returncode == 0, res.stderr
    assert "Advarsel (filen): gammel.xlsx har formatversion 1" in res.stdout
    assert "xl-underskud opgrader gammel.xlsx" in res.stdout


def test_a_hand_made_workbook_without_the_property_reads_as_before(tmp_path):
    """The right tables in a workbook of the user's own (no guide, no list sheet, no
    property): no message about the version, and the figures are read."""
    import xlsxwriter

    from xl_underskud.core.declarations import INPUT_TABLES
    from xl_underskud.xlsx.example import AGREEMENTS, PLACES, RATES, STAYS

    data = {"tblAftaler": AGREEMENTS, "tblPladser": PLACES, "tblTakster": RATES,
            "tblOphold": STAYS}
    path = tmp_path / "egen.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    dates = wb.add_format({"num_format": "dd-mm-yyyy"})
    for table in INPUT_TABLES:
        ws = wb.add_worksheet(table.sheet)
        rows = data.get(table.name) or [[101, "København", date(2022, 1, 1), 650000]]
        ws.add_table(0, 0, len(rows), len(table.columns) - 1, {
            "name": table.name, "columns": [{"header": h} for h in table.headers],
            "data": [[float(v) if hasattr(v, "as_tuple") else v for v in r] for r in rows]})
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row):
                if isinstance(v, date):
                    ws.write_datetime(r, c, v, dates)
    wb.close()
    raw = read_workbook(path)
    assert raw.format_version is None and raw.properties == {}
    assert not any("formatversion" in m.text for m in raw.messages)
    assert [m.text for m in raw.messages if m.is_error] == []
    assert len(raw.tables["tblOphold"].rows) == len(STAYS)


def _tables(path):
    raw = read_workbook(path)
    assert [m.text for m in raw.messages if m.is_error] == []
    return ({name: [r.values for r in t.rows] for name, t in raw.tables.items()},
            {name: s.value for name, s in raw.settings.items()})


def _amounts(path, *args):
    res = run_cli("beregn", path, "--json", *args)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    del out["kilde"]  # the input's name and checksum: the files differ by design
    # the old file's warning to upgrade is the one message the upgrade removes
    out["advarsler"] = [w for w in out["advarsler"] if "formatversion" not in w["besked"]]
    return out


@pytest.mark.parametrize("fixture", [FORMAT1_EXAMPLE, FORMAT1_SETTINGS, FORMAT1_TEMPLATE])
def test_opgrader_carries_every_row_and_setting(fixture, tmp_path):
    old = _copy(fixture, tmp_path / fixture.name)
    before = _sha(old)
    new = tmp_path / "ny.xlsx"
    res = run_cli("opgrader", old, "--ud", new)
    assert res.returncode == 0, res.stderr
    assert _sha(old) == before, "the old workbook is only read"
    assert "formatversion 1" in res.stdout and "formatversion 2" in res.stdout

    raw = read_workbook(new)
    assert raw.format_version == 2
    assert not any("formatversion" in m.text for m in raw.messages)
    new_tables, new_settings = _same_inputs(new, old)
    if fixture is FORMAT1_SETTINGS:  # every setting differs from its default there
        assert new_settings["Periode"] == "Kvartal" and new_settings["Garantiaar"] == 4
        assert len(new_tables["tblDaekning"]) == 4
    if fixture is not FORMAT1_TEMPLATE:
        amounts = _amounts(new)
        assert amounts["aftaler"] and any(a["beloeb_oere"] for a in amounts["aftaler"])
        assert amounts == _amounts(old)
        assert _amounts(new, "--aar", "2024") == _amounts(old, "--aar", "2024")


def _same_inputs(new, old):
    """Every table row and setting of `old` in `new`; what is new in today's template is
    empty or its default."""
    old_tables, old_settings = _tables(old)
    new_tables, new_settings = _tables(new)
    # today's template may hold tables and settings format 1 did not have (the ledger
    # tblAfregnet, the statements' settings): empty there, and blank/defaults here
    assert {name: new_tables[name] for name in old_tables} == old_tables
    assert all(new_tables[name] == [] for name in set(new_tables) - set(old_tables))
    assert {name: new_settings[name] for name in old_settings} == old_settings
    assert all(SETTING[name].cell_value(SETTING[name].default) == new_settings[name]
               for name in set(new_settings) - set(old_settings))
    return new_tables, new_settings


def test_opgrader_to_a_classic_workbook(tmp_path):
    new = tmp_path / "Ny.xlsm"
    res = run_cli("opgrader", FORMAT1_SETTINGS, "--ud", new)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "Ny.py").exists()
    _same_inputs(new, FORMAT1_SETTINGS)
    with zipfile.ZipFile(new) as z:
        assert "xl/vbaProject.bin" in z.namelist()


def test_opgrader_replaces_nothing_without_overskriv(tmp_path):
    new = tmp_path / "ny.xlsx"
    new.write_bytes(b"noget andet")
    res = run_cli("opgrader", FORMAT1_EXAMPLE, "--ud", new)
    assert res.returncode == 1 and "--overskriv" in res.stderr
    assert new.read_bytes() == b"noget andet"
    assert run_cli("opgrader", FORMAT1_EXAMPLE, "--ud", new, "--overskriv").returncode == 0


def test_opgrader_of_a_newer_workbook_writes_nothing(tmp_path):
    newer = tmp_path / "nyere.xlsx"
    replace_tables(EXAMPLE, newer, {}, properties={FORMAT_VERSION_PROPERTY: 7})
    res = run_cli("opgrader", newer, "--ud", tmp_path / "ny.xlsx")
    assert res.returncode == 1 and "formatversion 7" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nyere.xlsx"]
