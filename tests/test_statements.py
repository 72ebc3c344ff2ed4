"""Statements (opgørelser): `xl-underskud afregning` on the bundled example, 2023.

The example's 2023 amounts (README, test_cli): A1 307.223,25 kr. (Region Hovedstaden),
A2 131.943,00 kr. (Gladsaxe), A3 109.040,00 kr. (Frederiksberg); total 548.206,25 kr.
"""
from __future__ import annotations

import hashlib
import zipfile
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import copy_of_example, run_cli
from render import ERROR_VALUES, pdf_text
from xl_underskud import __version__
from xl_underskud.core.engine import evaluate
from xl_underskud.pdf.statements import latin1
from xl_underskud.outputs.statements import (ROLE_BOTH, ROLE_OPERATOR, ROLE_PAYER, ascii_name,
                                     build_statements, kr, statement_sections)
from xl_underskud.xlsx.atomic import atomic_folder
from xl_underskud.xlsx.reader import read_workbook

TOTAL_2023 = 30_722_325 + 13_194_300 + 10_904_000  # 548.206,25 kr.
GLADSAXE, KOEBENHAVN, FREDERIKSBERG, REGION = 159, 101, 147, 1084


@pytest.fixture(scope="module")
def example_file(tmp_path_factory) -> Path:
    return copy_of_example(tmp_path_factory.mktemp("eks") / "eksempel.xlsx")


@pytest.fixture(scope="module")
def bundle(example_file):
    settlement, inputs, messages = evaluate(read_workbook(example_file), 2023)
    assert settlement is not None, messages
    return build_statements(settlement, inputs, example_file.name, date(2024, 3, 15), "9.9")


@pytest.fixture
def written(statements_2023):
    """`afregning` run once, as a user runs it; (result, folder). (conftest: the summary's
    rendering comes from the same run.)"""
    return statements_2023


def _by_code(bundle):
    return {st.code: st for st in bundle.statements}


# --------------------------------------------------------------------------- content (pure)


def test_statements_add_up_to_the_settlement_to_the_oere(bundle):
    assert bundle.total_oere == TOTAL_2023
    payers = [st for st in bundle.statements if st.is_payer]
    operators = [st for st in bundle.statements if st.is_operator]
    assert len(payers) == 29
    assert {st.code for st in operators} == {REGION, GLADSAXE, FREDERIKSBERG}
    assert sum(st.pays_oere for st in payers) == TOTAL_2023
    assert sum(st.receives_oere for st in operators) == TOTAL_2023
    assert sum(st.net_oere for st in bundle.statements) == 0
    for st in bundle.statements:
        assert st.pays_oere == sum(x.part_oere for x in st.payments)
        assert st.pays_oere == sum(c.amount_oere for c in st.pays_to)
        assert st.receives_oere == sum(x.agreement_oere for x in st.receipts)
        assert st.receives_oere == sum(c.amount_oere for c in st.receives_from)
        assert st.net_oere == st.receives_oere - st.pays_oere
    for aid, amount in (("A1", 30_722_325), ("A2", 13_194_300), ("A3", 10_904_000)):
        parts = [x.part_oere for st in payers for x in st.payments if x.agreement_id == aid]
        assert len(parts) == 29 and sum(parts) == amount


def test_koebenhavn_part_of_a2_by_hand(bundle):
    # README: 131.943,00 × 653.664 / 1.891.778 = 45.590,1216… kr. → 45.590,12 kr.
    assert Fraction(13_194_300 * 653_664, 1_891_778) == pytest.approx(4_559_012.16, abs=0.01)
    kbh = _by_code(bundle)[KOEBENHAVN]
    assert kbh.role == ROLE_PAYER and not kbh.receipts
    line = next(x for x in kbh.payments if x.agreement_id == "A2")
    assert (line.period, line.operator, line.offer) == ("2023", "Gladsaxe",
                                                        "Botilbuddet Søndergården")
    assert (line.window_days, line.paid_days, line.vacant_days) == (2190, 2129, 61)
    assert line.daily_rate_oere == 432_600 and line.coverage_text == "50 %"
    assert line.agreement_oere == 13_194_300
    assert (line.population, line.total_population) == (653_664, 1_891_778)
    assert line.key_date == date(2023, 1, 1)
    assert line.share == Fraction(653_664, 1_891_778)
    assert line.part_oere == 4_559_012
    assert kr(line.part_oere) == "45.590,12 kr."
    assert {c.name: c.amount_oere for c in kbh.pays_to}["Gladsaxe"] == 4_559_012


def test_gladsaxe_pays_and_receives_and_nets(bundle):
    glx = _by_code(bundle)[GLADSAXE]
    assert glx.role == ROLE_BOTH
    assert {x.agreement_id for x in glx.payments} == {"A1", "A2", "A3"}
    own = next(x for x in glx.payments if x.agreement_id == "A2").part_oere
    assert own == 488_225  # README: Gladsaxe (70.001) betaler 4.882,25 kr. af A2
    assert [(x.agreement_id, x.agreement_oere, x.part_oere) for x in glx.receipts] == [
        ("A2", 13_194_300, own)]
    assert glx.receives_oere == 13_194_300
    assert glx.net_oere == 13_194_300 - glx.pays_oere > 0
    assert glx.net_text == f"Gladsaxe modtager netto {kr(glx.net_oere)}"
    assert [c.own for c in glx.pays_to if c.code == GLADSAXE] == [True]
    titles = [t.sheet for t in statement_sections(glx)]
    assert titles == ["Betaler", "Betales til", "Modtager", "Modtages fra"]


def test_region_statement_shows_only_receipts(bundle):
    region = _by_code(bundle)[REGION]
    assert region.role == ROLE_OPERATOR and not region.is_payer
    assert region.payments == () and region.pays_to == () and region.pays_oere == 0
    assert region.receives_oere == region.net_oere == 30_722_325
    assert len(region.receives_from) == 29
    assert [t.sheet for t in statement_sections(region)] == ["Modtager", "Modtages fra"]
    assert region.file_stem == "Opgoerelse_1084_Region_Hovedstaden"


def test_every_year_when_no_year_is_given(example_file):
    settlement, inputs, _ = evaluate(read_workbook(example_file), None)
    ss = build_statements(settlement, inputs, example_file.name, date(2026, 1, 5), "9.9")
    assert ss.years_label == "2022-2025" and ss.overview_file == "Samlet_oversigt_2022-2025.xlsx"
    assert sum(st.net_oere for st in ss.statements) == 0
    assert sum(st.pays_oere for st in ss.statements) == settlement.total_oere
    glx = _by_code(ss)[GLADSAXE]
    assert [p.period for p in glx.periods] == ["2022", "2023", "2024", "2025"]
    assert "Perioder" in [t.sheet for t in statement_sections(glx)]
    history = {aid: row for aid, _, row in ss.history}
    assert history["A2"] == {2022: 0, 2023: 13_194_300, 2024: 13_590_038, 2025: 0}


def test_history_for_one_year_goes_back_to_the_first_year(bundle):
    assert {aid: row for aid, _, row in bundle.history} == {
        "A1": {2022: 0, 2023: 30_722_325}, "A2": {2022: 0, 2023: 13_194_300},
        "A3": {2022: 0, 2023: 10_904_000}}
    assert bundle.history_complete


def test_source_line_and_formats(bundle):
    assert bundle.source_line == ("Kilde: eksempel.xlsx, beregnet 15-03-2024 med xl-underskud "
                                  "9.9; folketal: Danmarks Statistik")
    assert kr(123_450) == "1.234,50 kr." and kr(-5) == "-0,05 kr." and kr(0) == "0,00 kr."
    assert ascii_name("Høje-Taastrup") == "Hoeje-Taastrup"
    assert ascii_name("Lyngby-Taarbæk") == "Lyngby-Taarbaek"
    assert ascii_name("Ærø Å/S") == "Aeroe_Aa_S"
    assert latin1("A1 – Søndergården × 2 ✓") == "A1 - Søndergården × 2 ?"


# --------------------------------------------------------------------------- the command


def test_afregning_writes_a_pair_per_party_and_the_summary(written, bundle):
    res, out = written
    names = sorted(p.name for p in out.iterdir())
    stems = {st.file_stem for st in bundle.statements}
    assert len(stems) == 30  # 29 municipalities + Region Hovedstaden
    assert names == sorted([f"{s}.xlsx" for s in stems] + [f"{s}.pdf" for s in stems]
                           + ["Samlet_oversigt_2023.xlsx"])
    assert "Opgoerelse_101_Koebenhavn.pdf" in names
    assert "Opgoerelse_169_Hoeje-Taastrup.xlsx" in names
    assert all(n.isascii() for n in names)
    assert "548.206,25 kr." in res.stdout
    assert "Opgørelser:" not in res.stdout and "\r" not in res.stdout  # progress: stderr, tty
    assert not list(out.parent.glob(".xl-underskud-*")), "no temporary folder left behind"


def test_pdf_statements_read_as_danish(written):
    _, out = written
    kbh = pdf_text(out / "Opgoerelse_101_Koebenhavn.pdf")
    for expected in ("Opgørelse af underskudsgaranti 2023", "København (kommunekode 101)",
                     "betalende kommune", "45.590,12 kr.", "653.664", "01-01-2023",
                     "Botilbuddet Søndergården", "Side 1 af", "Kilde: eksempel.xlsx, beregnet",
                     f"med xl-underskud {__version__}; folketal: Danmarks Statistik",
                     "Betales til driftsherrerne", "Grundlag"):
        assert expected in kbh, expected
    glx = pdf_text(out / "Opgoerelse_159_Gladsaxe.pdf")
    for expected in ("betalende kommune og driftsherre", "Gladsaxe modtager netto",
                     "131.943,00 kr.", "4.882,25 kr.", "egen aftale", "Modtages fra"):
        assert expected in glx, expected
    region = pdf_text(out / "Opgoerelse_1084_Region_Hovedstaden.pdf")
    assert "Region Hovedstaden (regionskode 1084), driftsherre" in region
    assert "307.223,25 kr." in region and "Side 2 af 2" in region
    assert "Betaler:" not in region and "Betales til" not in region


def test_xlsx_statement_has_numbers_and_a4_pages(written):
    _, out = written
    wb = load_workbook(out / "Opgoerelse_101_Koebenhavn.xlsx")
    ws = wb["Opgørelse"]
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert "Opgørelse af underskudsgaranti 2023" in values
    assert 45590.12 in [round(v, 2) for v in values if isinstance(v, float)]
    assert any(isinstance(v, str) and v.startswith("Kilde: eksempel.xlsx") for v in values)
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert "Side &P af &N" in ws.oddFooter.right.text


def test_summary_workbook_has_native_charts(written):
    _, out = written
    path = out / "Samlet_oversigt_2023.xlsx"
    with zipfile.ZipFile(path) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 2
    assert any('<c:barDir val="bar"/>' in c for c in charts)  # parts per municipality
    assert any('<c:barDir val="col"/>' in c for c in charts)  # amount per agreement per year
    wb = load_workbook(path)
    assert wb.sheetnames[:4] == ["Oversigt", "Kommuner", "Aftaler", "Pr. år"]
    ws = wb["Oversigt"]
    total = next(r for r in ws.iter_rows(values_only=True) if r[0] == "I alt")
    assert round(total[3], 2) == round(total[4], 2) == 548206.25 and round(total[5], 2) == 0


def test_summary_workbook_renders_in_a_spreadsheet(rendered):
    text = rendered["oversigt"]
    assert not [e for e in ERROR_VALUES if e in text]
    for expected in ("Samlet oversigt: underskudsgaranti 2023", "Region Hovedstaden",
                     "Kommunernes andel 2023", "Garantibeløb pr. aftale og år"):
        assert expected in text, expected


def _tree(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_invalid_workbook_writes_nothing(example_file, tmp_path):
    bad = tmp_path / "forkert.xlsx"
    wb = load_workbook(example_file)
    ws = wb["Takster"]
    col = next(c.column for c in ws[4] if c.value == "Døgntakst")
    ws.cell(row=5, column=col).value = "mange penge"
    wb.save(bad)
    new = tmp_path / "ny" / "UD"
    res = run_cli("afregning", bad, "--aar", "2023", "--mappe", new)
    assert res.returncode == 1
    assert "FEJL (ark Takster, række 5, kolonne Døgntakst)" in res.stderr
    assert "Intet er skrevet." in res.stderr and res.stdout == ""
    assert not (tmp_path / "ny").exists()
    old = tmp_path / "gammel"
    old.mkdir()
    (old / "Opgoerelse_101_Koebenhavn.pdf").write_bytes(b"tidligere")
    before = _tree(old)
    assert run_cli("afregning", bad, "--mappe", old).returncode == 1
    assert _tree(old) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forkert.xlsx", "gammel"]


def test_folder_that_is_a_file_is_refused(example_file, tmp_path):
    target = tmp_path / "UD"
    target.write_text("ikke en mappe")
    res = run_cli("afregning", example_file, "--aar", "2023", "--mappe", target)
    assert res.returncode == 1
    assert "er en fil, ikke en mappe" in res.stderr
    assert target.read_text() == "ikke en mappe"


def test_atomic_folder_replaces_together_or_not_at_all(tmp_path):
    folder = tmp_path / "UD"
    folder.mkdir()
    (folder / "a.txt").write_text("gammel a")
    (folder / "andet.txt").write_text("rør ikke")
    with pytest.raises(RuntimeError):
        with atomic_folder(folder) as tmp:
            (tmp / "a.txt").write_text("ny a")
            raise RuntimeError("halvvejs")
    assert _tree(folder) == {"a.txt": hashlib.sha256(b"gammel a").hexdigest(),
                             "andet.txt": hashlib.sha256("rør ikke".encode()).hexdigest()}
    with atomic_folder(folder) as tmp:
        (tmp / "a.txt").write_text("ny a")
        (tmp / "b.txt").write_text("ny b")
    assert {p.name: p.read_text() for p in folder.iterdir()} == {
        "a.txt": "ny a", "b.txt": "ny b", "andet.txt": "rør ikke"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["UD"]
    with atomic_folder(tmp_path / "ny" / "mappe") as tmp:
        (tmp / "c.txt").write_text("c")
    assert (tmp_path / "ny" / "mappe" / "c.txt").read_text() == "c"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["UD", "ny"]
