"""Statements (opgørelser): `xl-underskud afregning` on the bundled example, 2023.

The example's 2023 amounts (README, test_cli): A1 307.223,25 kr. (Region Hovedstaden),
A2 131.943,00 kr. (Gladsaxe), A3 109.040,00 kr. (Frederiksberg); total 548.206,25 kr.
"""
from __future__ import annotations

import hashlib
import shutil
import zipfile
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import copy_of_example, run_cli
from render import ERROR_VALUES, pdf_text
from xl_underskud.core.records import Origin
from xl_underskud import __version__
from xl_underskud.core.engine import evaluate
from xl_underskud.pdf.statements import latin1
from xl_underskud.outputs.statements import (ROLE_BOTH, ROLE_OPERATOR, ROLE_PAYER, ascii_name,
                                     build_statements, kr, statement_annex, statement_sections)
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
    return build_statements(settlement, inputs, Origin(example_file.name, "ab" * 32), "9.9")


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


# The annex (bilag). README: A2 in 2023 is one run, place 2, 01-05-2023 … 30-06-2023, 61 days
# in guarantee year 2, 61 × 50 % × 4.326,00 kr. = 131.943,00 kr. (13.194.300 øre); the 29
# municipalities' population on 01-01-2023 is 1.891.778, København's 653.664.
A2_RUN = ("A2", 2, "2023", date(2023, 5, 1), date(2023, 6, 30), 61, 2, Fraction(1, 2),
          432_600, 13_194_300, None)
A2_SUBTOTAL = ("A2", None, "2023", "I alt", None, 61, None, None, None, 13_194_300, 13_194_300)


def _annex(st):
    tables = {t.sheet: t for t in statement_annex(st)}
    runs = tables["Tomgang"]
    rows = [tuple(Fraction(v) if i == 7 and v is not None else v for i, v in enumerate(r))
            for r in runs.rows]
    subtotals = {r[:3]: r for n, r in enumerate(rows) if n in runs.subtotal_rows}
    return tables, rows, subtotals


def test_annex_of_a_paying_municipality_by_hand(bundle):
    kbh = _by_code(bundle)[KOEBENHAVN]
    tables, rows, subtotals = _annex(kbh)
    assert [t.title for t in tables.values()] == ["Bilag: kommunens andel af beløbene",
                                                  "Bilag: tomme døgn bag beløbene"]
    # the key: København's part = amount × own population / total population
    key = {r[0]: r for r in tables["Fordelingsnøgle"].rows}
    assert key["A2"] == ("A2", "2023", date(2023, 1, 1), 13_194_300, 653_664, 1_891_778,
                         Fraction(653_664, 1_891_778), 4_559_012)
    for aid, _, _, amount, own, total, share, part in key.values():
        assert abs(Fraction(amount * own, total) - part) < 1  # largest remainder: < 1 øre off
        assert total == 1_891_778 and share == Fraction(own, total)
    # the runs behind every amount it pays a part of, each closed by the amount
    i = rows.index(A2_RUN)
    assert rows[i + 1] == A2_SUBTOTAL
    assert {aid for aid, _, _ in subtotals} == {"A1", "A2", "A3", "Alle aftaler"}
    for x in kbh.payments:
        assert subtotals[(x.agreement_id, None, x.period)][-1] == x.agreement_oere
    assert subtotals[("Alle aftaler", None, None)][-1] == TOTAL_2023


def test_annex_of_an_operator_lists_its_own_agreements(bundle):
    region = _by_code(bundle)[REGION]
    tables, rows, subtotals = _annex(region)
    assert list(tables) == ["Tomgang"]  # it pays no part: no key
    assert {r[0] for r in rows} == {"A1", "Alle aftaler"}
    assert subtotals[("A1", None, "2023")][-1] == 30_722_325
    glx = _by_code(bundle)[GLADSAXE]  # operator of A2, and pays a part of every agreement
    tables, rows, subtotals = _annex(glx)
    assert list(tables) == ["Fordelingsnøgle", "Tomgang"]
    assert A2_RUN in rows and {aid for aid, _, _ in subtotals} == {"A1", "A2", "A3",
                                                                   "Alle aftaler"}


def test_annex_with_the_normal_vacancy_deduction(example_file, tmp_path):
    # A2's occupancy in 2023 set to 99 %: normal vacancy (1 − 99 %) × 2.190 window days =
    # 21,9 days worth 21,9 × 50 % × 4.326,00 = 47.369,70 kr.; 131.943,00 − 47.369,70 =
    # 84.573,30 kr. is A2's amount.
    from test_vacancy import with_deduction

    path = with_deduction(Path(shutil.copy(example_file, tmp_path / "fradrag.xlsx")))
    settlement, inputs, messages = evaluate(read_workbook(path), 2023)
    assert settlement is not None, messages
    ss = build_statements(settlement, inputs, Origin(path.name, "ab" * 32), "9.9")
    kbh = _by_code(ss)[KOEBENHAVN]
    _, rows, _ = _annex(kbh)
    a2 = [r for r in rows if r[0] == "A2"]
    assert [(r[3], r[5], r[9], r[10]) for r in a2[1:]] == [
        ("I alt før fradrag", 61, 13_194_300, None),
        ("Fradrag normal tomgang", Fraction(-219, 10), -4_736_970, None),
        ("I alt efter fradrag", Fraction(391, 10), 8_457_330, 8_457_330)]
    assert next(x for x in kbh.payments if x.agreement_id == "A2").agreement_oere == 8_457_330


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
    # the year in every file name: two years' statements never mix in one folder
    assert region.file_stem == "Opgoerelse_2023_1084_Region_Hovedstaden"


def test_every_year_when_no_year_is_given(example_file):
    settlement, inputs, _ = evaluate(read_workbook(example_file), None)
    ss = build_statements(settlement, inputs, Origin(example_file.name, "ab" * 32), "9.9")
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
    # the input's name and checksum, never the clock: the same input gives the same statement
    assert bundle.source_line == ("Kilde: eksempel.xlsx (SHA-256 " + "ab" * 32 + "); beregnet "
                                  "med xl-underskud 9.9; folketal: Danmarks Statistik")
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
                           + ["Samlet_oversigt_2023.xlsx", "eksempel_afregnet_2023.xlsx"])
    assert "Opgoerelse_2023_101_Koebenhavn.pdf" in names
    assert "Opgoerelse_2023_169_Hoeje-Taastrup.xlsx" in names
    assert all(n.isascii() for n in names)
    assert "548.206,25 kr." in res.stdout
    assert "Opgørelser:" not in res.stdout and "\r" not in res.stdout  # progress: stderr, tty
    assert not list(out.parent.glob(".xl-underskud-*")), "no temporary folder left behind"


def test_pdf_statements_read_as_danish(written, example_file):
    _, out = written
    kbh = pdf_text(out / "Opgoerelse_2023_101_Koebenhavn.pdf")
    for expected in ("Opgørelse af underskudsgaranti 2023", "København (kommunekode 101)",
                     "betalende kommune", "45.590,12 kr.", "653.664", "01-01-2023",
                     "Botilbuddet Søndergården", "Side 1 af",
                     f"Kilde: eksempel.xlsx (SHA-256 {_sha256(example_file)})",
                     f"med xl-underskud {__version__}; folketal: Danmarks Statistik",
                     "Betales til driftsherrerne", "Grundlag"):
        assert expected in kbh, expected
    glx = pdf_text(out / "Opgoerelse_2023_159_Gladsaxe.pdf")
    for expected in ("betalende kommune og driftsherre", "Gladsaxe modtager netto",
                     "131.943,00 kr.", "4.882,25 kr.", "egen aftale", "Modtages fra"):
        assert expected in glx, expected
    region = pdf_text(out / "Opgoerelse_2023_1084_Region_Hovedstaden.pdf")
    assert "Region Hovedstaden (regionskode 1084), driftsherre" in region
    assert "307.223,25 kr." in region and "Side 1 af 1" in region  # the annex fits too
    assert "Betaler:" not in region and "Betales til" not in region


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


def test_pdf_annex_lists_the_run_and_the_population_total(written):
    _, out = written
    lines = _lines(pdf_text(out / "Opgoerelse_2023_101_Koebenhavn.pdf"))
    for title in ("Bilag: kommunens andel af beløbene", "Bilag: tomme døgn bag beløbene"):
        assert title in lines
    assert ("A2 2 2023 01-05-2023 30-06-2023 61 2 50,0 % 4.326,00 kr. 131.943,00 kr."
            in lines)
    assert "A2 2023 I alt 61 131.943,00 kr. 131.943,00 kr." in lines
    assert ("A2 2023 01-01-2023 131.943,00 kr. 653.664 1.891.778 34,5529 % 45.590,12 kr."
            in lines)
    region = _lines(pdf_text(out / "Opgoerelse_2023_1084_Region_Hovedstaden.pdf"))
    assert "Bilag: tomme døgn bag beløbene" in region
    assert "Bilag: kommunens andel af beløbene" not in region
    assert not [line for line in region if line.startswith(("A2 ", "A3 "))]


def test_xlsx_annex_sheet(written):
    _, out = written
    wb = load_workbook(out / "Opgoerelse_2023_101_Koebenhavn.xlsx")
    assert wb.sheetnames == ["Opgørelse", "Bilag"]
    ws = wb["Bilag"]
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    assert ("A2", 2, "2023", datetime(2023, 5, 1), datetime(2023, 6, 30), 61, 2, 0.5, 4326,
            131_943, None) in rows
    assert ("A2", "2023", datetime(2023, 1, 1), 131_943, 653_664, 1_891_778,
            pytest.approx(653_664 / 1_891_778), 45_590.12) in [r[:8] for r in rows]
    link = next(c for row in wb["Opgørelse"].iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("Bilag (arket Bilag)"))
    assert link.hyperlink.location == "'Bilag'!A1"
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"


def test_a_long_annex_breaks_cleanly_across_pdf_pages(example_file, tmp_path):
    """Monthly settlement of every year: København's annex runs over several pages. Every
    page of it starts with the repeated header and then a run (never a subtotal row alone),
    a page is never left nearly empty, and the subtotals still equal the amounts."""
    from test_malformed import set_setting

    wb = load_workbook(example_file)
    set_setting("Periode", "Måned")(wb)
    path = tmp_path / "maaned.xlsx"
    wb.save(path)
    out = tmp_path / "UD"
    assert run_cli("afregning", path, "--mappe", out).returncode == 0
    pdf = out / "Opgoerelse_2022-2025_101_Koebenhavn.pdf"
    pages = pdf_text(pdf).split("\f")[:-1]
    assert len(pages) >= 3
    annex = [n for n, page in enumerate(pages) if "AftaleID" in page]
    assert len(annex) >= 2, "the annex runs over more than one page"
    for n in annex:
        lines = [line for line in _lines(pages[n]) if line]
        header = next(i for i, line in enumerate(lines) if line.startswith("AftaleID"))
        first = lines[header + 2]  # the header is two lines: "Tomme" / "døgn"
        assert " I alt" not in first and "Fradrag" not in first, (n, first)
    for page in pages[:-1]:  # every page but the last is more than half full
        assert len([line for line in page.splitlines() if line.strip()]) >= 25
    sums = {}
    for page in pages:
        for line in _lines(page):
            parts = line.split()
            if len(parts) >= 4 and parts[2:4] == ["I", "alt"] and parts[0] in ("A1", "A2", "A3"):
                sums[(parts[0], parts[1])] = line
    assert len(sums) > 10  # a subtotal per agreement and month with vacant days


def test_pdf_pages_keep_groups_whole_and_never_start_with_a_subtotal():
    from xl_underskud.outputs.tables import OutColumn, OutKind, OutTable
    from xl_underskud.pdf.statements import _Doc, _pages

    rows, subtotals, groups = [], set(), []
    for g, n in enumerate([5, 30, 100, 3, 20]):  # runs per group; 100 do not fit on a page
        first = len(rows)
        rows += [(f"A{g}", i) for i in range(n)]
        for label in ("I alt før fradrag", "Fradrag normal tomgang", "I alt efter fradrag"):
            subtotals.add(len(rows))
            rows.append((f"A{g}", label))  # a label in a column of numbers
        groups.append(range(first, len(rows)))
    table = OutTable("T", "", "", (OutColumn("Aftale", OutKind.TEXT, 10),
                                   OutColumn("Døgn", OutKind.INT, 10)),
                     tuple(rows), subtotal_rows=frozenset(subtotals))
    assert table.groups() == groups
    pdf = _Doc("", "", "")
    pdf.add_page()
    pages = _pages(pdf, table, [17.5, 17.5], room=60)
    assert [i for page in pages for i in page] == list(range(len(rows)))
    assert all(page and page[0] not in subtotals for page in pages[1:])
    on_page = {i: n for n, page in enumerate(pages) for i in page}
    for group in groups:
        if len(group) <= 30:  # fits on a page: never split
            assert len({on_page[i] for i in group}) == 1, group
    assert len({on_page[i] for i in groups[2]}) > 1  # 103 rows: split where a page is full
    assert pages[0] == list(groups[0])  # 8 rows fit in 60 mm; the next 33 do not


def test_xlsx_statement_has_numbers_and_a4_pages(written):
    _, out = written
    wb = load_workbook(out / "Opgoerelse_2023_101_Koebenhavn.xlsx")
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


def _sha256(path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_pdf_table_cell_wraps_within_its_column_and_loses_nothing(tmp_path):
    """A text wider than its column wraps at words inside the column; a word longer than the
    column is broken; every character is still in the PDF (the tables are drawn directly)."""
    from xl_underskud.outputs.tables import OutColumn, OutKind, OutTable
    from xl_underskud.pdf.statements import PAD_MM, _cell_lines, _Doc, _section

    long_word = "Fællesadministrationsoverenskomstbestemmelserne"
    text = f"Midlertidigt botilbud med døgnophold og {long_word} for unge"
    table = OutTable("Ark", "Bred tekst", "", (OutColumn("Tilbud", OutKind.TEXT, 12),
                                                   OutColumn("Døgn", OutKind.INT, 8, total=True)),
                     ((text, 31), ("Kort", 2)))
    pdf = _Doc("", "", "")
    pdf.add_page()
    pdf.set_font("Helvetica", "", 7.5)
    width = 12 * 1.75
    lines = _cell_lines(pdf, text, width)
    assert len(lines) >= 4
    assert all(pdf.get_string_width(line) <= width - 2 * PAD_MM[1] + 1e-6 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert not any(line == long_word for line in lines)  # broken: wider than the column
    _section(pdf, table)
    out = tmp_path / "wrap.pdf"
    pdf.output(str(out))
    got = pdf_text(out)
    cell_text = [line.split("  ")[0].strip() for line in got.splitlines() if line.strip()]
    assert "".join(cell_text).replace(" ", "").count(text.replace(" ", "")) == 1, got
    assert "Bred tekst" in got and "I alt" in got and "33" in got
