"""The distributed standard workbook: built from the declarations, read back by the reader."""
import zipfile

from openpyxl import load_workbook

from conftest import REPO
from xl_underskud.core.parse import parse_inputs
from xl_underskud.core.records import KeyDateRule, Period
from xl_underskud.core.declarations import ALL_TABLES, SETTINGS
from xl_underskud.xlsx.reader import read_workbook
from xl_underskud.xlsx.template import build_workbook

COMMITTED = REPO / "workbook" / "Underskudsgaranti.xlsx"
EXAMPLE = REPO / "workbook" / "Underskudsgaranti_eksempel.xlsx"


def _parts(path):
    with zipfile.ZipFile(path) as z:
        # core.xml carries the document's timestamps; everything else is content
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def _assert_same_content(committed_path, fresh_path, command):
    committed, rebuilt = _parts(committed_path), _parts(fresh_path)
    assert sorted(committed) == sorted(rebuilt)
    changed = [n for n in committed if committed[n] != rebuilt[n]]
    assert changed == [], f"Run `{command}`: {changed}"


def test_committed_workbook_equals_a_fresh_build(tmp_path):
    _assert_same_content(COMMITTED, build_workbook(tmp_path / "fresh.xlsx"),
                         "xl-underskud skabelon --ud workbook/Underskudsgaranti.xlsx")


def test_committed_example_equals_a_fresh_build(tmp_path):
    from xl_underskud.xlsx.example import write_example

    _assert_same_content(EXAMPLE, write_example(tmp_path / "fresh.xlsx"),
                         "xl-underskud eksempel --ud workbook/Underskudsgaranti_eksempel.xlsx")


def test_template_has_every_declared_table_and_header():
    wb = load_workbook(COMMITTED)
    for table in ALL_TABLES:
        ws = wb[table.sheet]
        assert table.name in ws.tables, table.name
        ref = ws.tables[table.name].ref
        header_row = ws[ref.split(":")[0]].row
        first_col = ws[ref.split(":")[0]].column
        headers = [ws.cell(header_row, first_col + i).value for i in range(len(table.columns))]
        assert headers == list(table.headers)
    for setting in SETTINGS:
        assert setting.name in wb.defined_names, setting.name


def test_template_data_validation_covers_choices_and_dates():
    wb = load_workbook(COMMITTED)
    rules = {(dv.type, tuple(str(r) for r in dv.sqref.ranges)[0][:1]) for dv in
             wb["Aftaler"].data_validations.dataValidation}
    kinds = {t for t, _ in rules}
    assert {"list", "whole", "date"} <= kinds
    formulas = [dv.formula1 for dv in wb["Aftaler"].data_validations.dataValidation
                if dv.type == "list"]
    assert any("§ 108" in (f or "") for f in formulas)
    assert any("lstDriftsherrer" in (f or "") for f in formulas)


def test_template_reads_back_with_defaults_and_bundled_population():
    inputs, messages = parse_inputs(read_workbook(COMMITTED))
    assert messages == []
    s = inputs.settings
    assert s.guarantee_years == 3 and s.max_places_total == 20
    assert s.period is Period.YEAR and s.key_date_rule is KeyDateRule.SAME_YEAR
    assert [str(x) for x in s.coverage_schedule] == ["0.5", "0.5", "0.5"]
    # 29 municipalities × 3 key dates (2022, 2023, 2024)
    assert len(inputs.population) == 87
    assert {p.municipality_code for p in inputs.population} >= {101, 147, 400}
    # DST: København 1 Jan 2024 = 659,350 (data/folketal_hovedstaden.csv)
    kbh = [p for p in inputs.population if p.municipality_code == 101 and p.key_date.year == 2024]
    assert kbh[0].population == 659350
