"""The sheet Tomgang (SPEC rule 13, shown where people look): every run of vacant days behind
the amounts on Resultat, grouped per agreement-period with a subtotal row that a finance
officer can tick off against Resultat, and against the Ophold sheet day by day.

Hand calculations on the bundled example (README "Regneeksempel"): in 2023 place 2 of A2 is
vacant 01-05-2023 … 30-06-2023 = 31 + 30 = 61 days, in its second guarantee year;
61 × 50 % × 4.326,00 kr. = 131.943,00 kr., the whole amount of A2 in 2023.
"""
from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from openpyxl import load_workbook

from conftest import run_cli
from excel_payload import apply_actions, run_remote
from test_malformed import set_setting
from xl_underskud.core.engine import evaluate
from xl_underskud.outputs.tables import (ROWS_ABOVE_DATA, SHEET_ROWS, continued, is_output_sheet,
                                         vacancy_table)
from xl_underskud.xlsx.reader import read_workbook

RUN = "I alt"  # the label of an agreement-period's subtotal row (column Fra)


def sheet_rows(path, sheet: str) -> list[dict]:
    """The rows below the header (row 4) of a report sheet, as {header: value}."""
    ws = load_workbook(path)[sheet]
    header = [c.value for c in ws[ROWS_ABOVE_DATA]]
    return [dict(zip(header, row)) for row in
            ws.iter_rows(min_row=ROWS_ABOVE_DATA + 1, values_only=True)
            if any(v is not None for v in row)]


def report(workbook, tmp_path, *args):
    out = tmp_path / "rapport.xlsx"
    res = run_cli("beregn", workbook, *args, "--ud", out)
    assert res.returncode == 0, res.stderr
    return out


def resultat(path) -> tuple[dict, dict]:
    rows = sheet_rows(path, "Resultat")
    by_key = {(r["AftaleID"], str(r["Periode"])): r for r in rows if r["AftaleID"] != "I alt"}
    return by_key, next(r for r in rows if r["AftaleID"] == "I alt")


def to_oere(kroner: float) -> int:
    """Kroner (as the cell holds them) rounded once, half away from zero, to whole øre."""
    return int(Decimal(repr(kroner)).scaleb(2).quantize(Decimal(1), ROUND_HALF_UP))


def groups(rows: list[dict]) -> dict[tuple[str, str], tuple[list[dict], list[dict]]]:
    """(agreement, period) → (run rows, subtotal rows), the grand total under "Alle aftaler"."""
    out: dict = {}
    for r in rows:
        runs, subtotals = out.setdefault((r["AftaleID"], r["Periode"]), ([], []))
        (runs if isinstance(r["Fra"], datetime) else subtotals).append(r)
    return out


def test_the_readme_run_and_its_subtotal(example_path, tmp_path):
    path = report(example_path, tmp_path, "--aar", "2023")
    wb = load_workbook(path)
    assert wb.sheetnames[:3] == ["Resultat", "Tomgang", "Fordeling"]
    runs, subtotals = groups(sheet_rows(path, "Tomgang"))[("A2", "2023")]
    assert runs == [{"AftaleID": "A2", "Plads": 2, "Periode": "2023",
                     "Fra": datetime(2023, 5, 1), "Til": datetime(2023, 6, 30),
                     "Tomme døgn": 61, "Garantiår": 2, "Dækningsandel": 0.5,
                     "Døgntakst": 4326, "Værdi (kr.)": 131_943, "Beløb (afrundet)": None}]
    assert subtotals == [{"AftaleID": "A2", "Plads": None, "Periode": "2023", "Fra": RUN,
                          "Til": None, "Tomme døgn": 61, "Garantiår": None,
                          "Dækningsandel": None, "Døgntakst": None, "Værdi (kr.)": 131_943,
                          "Beløb (afrundet)": 131_943}]
    ws = wb["Tomgang"]  # prints like the other sheets: A4 landscape, header on every page
    label = next(c for row in ws.iter_rows() for c in row if c.value == RUN)
    assert label.font.b and ws.cell(label.row, 10).font.b  # a subtotal row is bold
    assert ws.cell(label.row, 10).number_format == '#,##0.00 "kr."'
    assert (ws.page_setup.paperSize, ws.page_setup.orientation) == (9, "landscape")
    assert ws.print_title_rows == "$4:$4"
    assert ws.freeze_panes == "A5" and ws.auto_filter.ref.startswith("A4:K")


@pytest.mark.parametrize("year", [("--aar", "2023"), ()], ids=["2023", "alle år"])
def test_every_subtotal_is_the_amount_on_resultat(example_path, tmp_path, year):
    path = report(example_path, tmp_path, *year)
    amounts, total = resultat(path)
    found = groups(sheet_rows(path, "Tomgang"))
    grand_runs, grand = found.pop(("Alle aftaler", None))
    assert grand_runs == [] and len(grand) == 1
    assert set(found) == {key for key, r in amounts.items() if r["Tomme døgn"]}
    for key, (runs, (subtotal,)) in found.items():
        r = amounts[key]
        assert subtotal["Fra"] == RUN
        # the days and the value are those of Resultat, and the sum of the runs above them
        assert subtotal["Tomme døgn"] == r["Tomme døgn"] == sum(x["Tomme døgn"] for x in runs)
        assert subtotal["Værdi (kr.)"] == pytest.approx(sum(x["Værdi (kr.)"] for x in runs))
        # the exact value rounded once, half away from zero (see the next test)
        assert round(subtotal["Beløb (afrundet)"], 2) == round(r["Beløb"], 2)
        assert to_oere(subtotal["Værdi (kr.)"]) == round(r["Beløb"] * 100)
        for x in runs:  # each run: days from Fra to Til, both included; value = days × share × rate
            assert x["Tomme døgn"] == (x["Til"] - x["Fra"]).days + 1
            assert x["Værdi (kr.)"] == pytest.approx(x["Tomme døgn"] * x["Dækningsandel"]
                                                     * x["Døgntakst"])
    assert grand[0]["Tomme døgn"] == total["Tomme døgn"]
    assert round(grand[0]["Beløb (afrundet)"], 2) == round(total["Beløb"], 2)


def test_the_value_is_exact_and_the_amount_rounded_once(example_path, tmp_path):
    # A1 in 2024 (rate 5.140,25 kr., coverage 50 % in every guarantee year): 61 vacant days
    # are worth 61 × 50 % × 5.140,25 = 61 × 2.570,125 = 156.777,625 kr. exactly; the amount is
    # rounded once, half away from zero: 156.777,63 kr.
    path = report(example_path, tmp_path, "--aar", "2024")
    runs, (subtotal,) = groups(sheet_rows(path, "Tomgang"))[("A1", "2024")]
    assert sum(x["Tomme døgn"] for x in runs) == subtotal["Tomme døgn"] == 61
    assert {(x["Dækningsandel"], x["Døgntakst"]) for x in runs} == {(0.5, 5140.25)}
    assert subtotal["Værdi (kr.)"] == 156_777.625  # a binary float holds it exactly
    assert subtotal["Beløb (afrundet)"] == 156_777.63
    assert resultat(path)[0][("A1", "2024")]["Beløb"] == 156_777.63


def with_deduction(example_path):
    """The example with FratraekNormalTomgang = Ja and A2's occupancy in 2023 set to 99 %."""
    wb = load_workbook(example_path)
    set_setting("FratraekNormalTomgang", "Ja")(wb)
    ws = wb["Takster"]
    row = next(r for r in range(5, ws.max_row + 1)
               if (ws.cell(r, 1).value, ws.cell(r, 2).value) == ("A2", 2023))
    ws.cell(row, 4).value = 0.99
    wb.save(example_path)
    return example_path


def test_deduction_lines_reconcile_with_resultat(example_path, tmp_path):
    # A2 in 2023: window 6 places × 365 = 2.190 days; normal vacancy (1 − 99 %) × 2.190 =
    # 21,9 days. Before: 61 days, 131.943,00 kr. Deduction: 21,9 × 50 % × 4.326,00 kr. =
    # 47.369,70 kr. After: 61 − 21,9 = 39,1 days, 131.943,00 − 47.369,70 = 84.573,30 kr.
    path = report(with_deduction(example_path), tmp_path, "--aar", "2023")
    amounts, total = resultat(path)
    assert round(amounts[("A2", "2023")]["Beløb"], 2) == 84_573.30
    found = groups(sheet_rows(path, "Tomgang"))
    runs, lines = found[("A2", "2023")]
    assert [x["Tomme døgn"] for x in runs] == [61]
    assert [(x["Fra"], x["Tomme døgn"], x["Værdi (kr.)"], x["Beløb (afrundet)"])
            for x in lines] == [
        ("I alt før fradrag", 61, 131_943, None),
        ("Fradrag normal tomgang", pytest.approx(-21.9), pytest.approx(-47_369.70), None),
        ("I alt efter fradrag", pytest.approx(39.1), pytest.approx(84_573.30),
         pytest.approx(84_573.30))]
    for key, (runs, (before, deduction, after)) in found.items():
        r = total if key == ("Alle aftaler", None) else amounts[key]
        assert before["Tomme døgn"] == r["Tomme døgn"]  # Resultat shows days before deduction
        assert after["Tomme døgn"] == pytest.approx(before["Tomme døgn"]
                                                    + deduction["Tomme døgn"])
        assert after["Værdi (kr.)"] == pytest.approx(before["Værdi (kr.)"]
                                                     + deduction["Værdi (kr.)"])
        assert round(after["Beløb (afrundet)"], 2) == round(r["Beløb"], 2)
        if key != ("Alle aftaler", None):
            assert before["Værdi (kr.)"] == pytest.approx(sum(x["Værdi (kr.)"] for x in runs))
            assert r["Fradrag normal tomgang (døgn)"] == pytest.approx(-deduction["Tomme døgn"])


@pytest.fixture(scope="module")
def example_tomgang():
    from xl_underskud.xlsx.example import write_example
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        settlement, _, messages = evaluate(read_workbook(write_example(Path(tmp) / "e.xlsx")))
    assert settlement is not None, messages
    return vacancy_table(settlement, "Kilde: e.xlsx")


def test_a_long_table_continues_on_further_sheets(example_tomgang, tmp_path):
    from xl_underskud.xlsx.report import write_report

    table = example_tomgang
    assert SHEET_ROWS - ROWS_ABOVE_DATA == 1_048_572  # Excel's rows below title and header
    assert len(table.rows) > 8
    sheets = continued(table, max_rows=8)
    assert [t.sheet for t in sheets] == ["Tomgang"] + [f"Tomgang {n}"
                                                       for n in range(2, len(sheets) + 1)]
    assert all(len(t.rows) <= 8 for t in sheets)
    assert sum((t.rows for t in sheets), ()) == table.rows
    offset = 0
    for n, t in enumerate(sheets, start=1):
        assert t.title.endswith(f"(ark {n} af {len(sheets)})")
        assert {i + offset for i in t.subtotal_rows} == {
            i for i in table.subtotal_rows if offset <= i < offset + len(t.rows)}
        # cut between groups: a sheet ends with a subtotal row and the next starts with a run
        assert len(t.rows) - 1 in t.subtotal_rows and 0 not in t.subtotal_rows
        offset += len(t.rows)
    assert continued(table) == [table]
    written = load_workbook(write_report(tmp_path / "r.xlsx", sheets, datetime(2024, 1, 1)))
    assert written.sheetnames == [t.sheet for t in sheets]
    assert "fortsætter på arket Tomgang 2" in written["Tomgang"]["A2"].value


def test_a_group_longer_than_a_sheet_is_cut_where_the_sheet_is_full(example_tomgang):
    sheets = continued(example_tomgang, max_rows=2)
    assert all(len(t.rows) <= 2 for t in sheets)
    assert sum((t.rows for t in sheets), ()) == example_tomgang.rows


def test_continuation_sheets_are_outputs_but_a_users_copy_is_not():
    assert is_output_sheet("Tomgang") and is_output_sheet("Tomgang 2")
    assert is_output_sheet("tomgang 12") and is_output_sheet("Resultat")
    assert not is_output_sheet("Tomgang (2)")  # how Excel names a user's copy of a sheet
    assert not is_output_sheet("Tomgang 1") and not is_output_sheet("Tomgang 2a")
    assert not is_output_sheet("Aftaler 2") and not is_output_sheet("Min tomgang")


def test_the_add_in_writes_tomgang_and_drops_stale_continuations(example_path, tmp_path):
    from xl_underskud.excel import scripts

    wb = load_workbook(example_path)
    wb.create_sheet("Tomgang 3")  # left by an earlier, longer settlement
    wb.create_sheet("Tomgang (2)")  # a user's copy
    book = tmp_path / "bog.xlsx"
    wb.save(book)
    apply_actions(book, run_remote(book, scripts.run_beregn), tmp_path / "ud.xlsx")
    names = load_workbook(tmp_path / "ud.xlsx").sheetnames
    assert "Tomgang" in names and "Tomgang (2)" in names and "Tomgang 3" not in names
    runs, subtotals = groups(sheet_rows(tmp_path / "ud.xlsx", "Tomgang"))[("A2", "2023")]
    assert [(x["Plads"], x["Tomme døgn"], x["Værdi (kr.)"]) for x in runs] == [(2, 61, 131_943)]
    assert [(x["Fra"], x["Beløb (afrundet)"]) for x in subtotals] == [(RUN, 131_943)]
    ws = load_workbook(tmp_path / "ud.xlsx")["Tomgang"]
    label = next(c for row in ws.iter_rows() for c in row if c.value == RUN)
    assert label.font.b  # a subtotal row is bold

    apply_actions(tmp_path / "ud.xlsx", run_remote(tmp_path / "ud.xlsx",
                                                   scripts.run_ryd_resultater),
                  tmp_path / "ryddet.xlsx")
    names = load_workbook(tmp_path / "ryddet.xlsx").sheetnames
    assert "Tomgang" not in names and "Tomgang (2)" in names
