"""One table of output kinds (`OutKind`): every writer shows a kind with its one number format.

The report workbook, the statement workbooks (per party and the summary) and the sheets the
add-in writes into an open workbook (through xlwings' remote engine, applied to a file) must
give each column kind's cells `kind.number_format`, and a totals row `kind.totals`'s format.
"""
from __future__ import annotations

import shutil
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from openpyxl import load_workbook

from conftest import REPO
from excel_payload import apply_actions, run_remote
from xl_underskud.core.records import Origin
from xl_underskud import __version__
from xl_underskud.core.engine import evaluate
from xl_underskud.outputs.statements import (build_statements, overview_sheets, statement_annex,
                                             statement_sections)
from xl_underskud.outputs.tables import OutColumn, OutKind, OutTable, settlement_tables
from xl_underskud.xlsx.reader import read_workbook

EXAMPLE = REPO / "workbook" / "Underskudsgaranti_eksempel.xlsx"

KINDS = sorted(OutKind, key=lambda kind: kind is not OutKind.TEXT)  # text first: "I alt" there

STAMP = datetime(2024, 1, 1)  # the report's metadata time (derived from a settlement)


def _row(n: int, oere: int) -> tuple:
    values = {OutKind.MONEY: oere, OutKind.INT: 1234 * n, OutKind.DECIMAL: Decimal("1.5") * n,
              OutKind.PERCENT: Fraction(n, 3), OutKind.PERCENT1: 0.25 * n,
              OutKind.CODE: 100 + n, OutKind.DATE: date(2024, n, 1), OutKind.TEXT: f"tekst {n}"}
    return tuple(values[kind] for kind in KINDS)


# One column of every kind, summed where a kind can be.
EVERY_KIND = OutTable(
    "Alle", "Alle slags kolonner", "",
    tuple(OutColumn(kind.name, kind, total=kind in (OutKind.MONEY, OutKind.INT, OutKind.DECIMAL))
          for kind in KINDS),
    (_row(1, 123_450), _row(2, -5)))


def found_formats(*written: tuple) -> tuple[set, set]:
    """(kind, number format) of each filled cell of the tables, and of each totals-row cell.

    `written`: (file, [(sheet, table), ...]) pairs. A table is found on its sheet by its header
    row; its rows follow, then its totals row.
    """
    cells, totals = set(), set()
    for path, tables in written:
        wb = load_workbook(path)
        for sheet, table in tables:
            _table_formats(wb[sheet], table, cells, totals)
    return cells, totals


def _table_formats(ws, table: OutTable, cells: set, totals: set) -> None:
    headers = [c.header for c in table.columns]
    top = next(r for r in range(1, ws.max_row + 1)
               if [ws.cell(r, c).value for c in range(1, len(headers) + 1)] == headers)
    for n, row in enumerate(table.rows):
        for c, (col, value) in enumerate(zip(table.columns, row), start=1):
            if isinstance(value, str) and col.kind is not OutKind.TEXT:
                assert n in table.subtotal_rows  # a subtotal row's label, shown as text
            elif value is not None and col.kind.number_format:
                cells.add((col.kind, ws.cell(top + 1 + n, c).number_format))
    if table.rows and any(col.total for col in table.columns):
        r = top + len(table.rows) + 1
        assert ws.cell(r, 1).value == "I alt"
        totals |= {(col.kind, ws.cell(r, c).number_format)
                   for c, col in enumerate(table.columns, start=1) if col.total}


def assert_kind_formats(cells: set, totals: set) -> None:
    assert {(kind, f) for kind, f in cells if f != kind.number_format} == set()
    assert {(kind, f) for kind, f in totals if f != kind.totals.number_format} == set()


@pytest.fixture(scope="module")
def settled():
    settlement, inputs, messages = evaluate(read_workbook(EXAMPLE))
    assert settlement is not None, messages
    return settlement, inputs


def test_every_kind_has_one_format_in_the_report_and_the_add_in_sheets(tmp_path):
    from xl_underskud.excel.book import write_table
    from xl_underskud.xlsx.report import write_report

    write_report(tmp_path / "rapport.xlsx", [EVERY_KIND], STAMP)
    book = shutil.copy(EXAMPLE, tmp_path / "bog.xlsx")
    apply_actions(book, run_remote(book, lambda b: write_table(b, EVERY_KIND)),
                  tmp_path / "tilfoejelse.xlsx")
    for written in ("rapport.xlsx", "tilfoejelse.xlsx"):
        cells, totals = found_formats((tmp_path / written, [("Alle", EVERY_KIND)]))
        assert {kind for kind, _ in cells} == set(OutKind) - {OutKind.TEXT}, written
        assert {kind for kind, _ in totals} == {OutKind.MONEY, OutKind.INT, OutKind.DECIMAL}
        assert_kind_formats(cells, totals)


def test_subtotal_rows_look_like_totals_and_are_not_summed_again(tmp_path):
    from xl_underskud.excel.book import write_table
    from xl_underskud.xlsx.report import write_report

    table = OutTable(
        "Sub", "Subtotaler", "",
        (OutColumn("Aftale", OutKind.TEXT), OutColumn("Dato", OutKind.DATE),
         OutColumn("Døgn", OutKind.INT, total=True), OutColumn("Beløb", OutKind.MONEY, total=True)),
        (("A1", date(2024, 1, 1), 3, 300), ("A1", date(2024, 2, 1), 4, 450),
         ("A1", "I alt", 7, 750),  # a subtotal row, its label in a column of dates
         ("A2", date(2024, 3, 1), 2, 125), ("A2", "I alt", 2, 125)),
        subtotal_rows=frozenset({2, 4}))
    assert table.totals() == (None, None, 9, 875)  # the data rows only
    assert table.groups() == [range(0, 3), range(3, 5)]
    write_report(tmp_path / "rapport.xlsx", [table], STAMP)
    book = shutil.copy(EXAMPLE, tmp_path / "bog.xlsx")
    apply_actions(book, run_remote(book, lambda b: write_table(b, table)),
                  tmp_path / "tilfoejelse.xlsx")
    for written in ("rapport.xlsx", "tilfoejelse.xlsx"):
        ws = load_workbook(tmp_path / written)["Sub"]
        rows = [[c for c in row] for row in ws.iter_rows(min_row=5, max_row=10)]
        assert [[c.value for c in row] for row in rows] == [
            ["A1", datetime(2024, 1, 1), 3, 3], ["A1", datetime(2024, 2, 1), 4, 4.5],
            ["A1", "I alt", 7, 7.5], ["A2", datetime(2024, 3, 1), 2, 1.25],
            ["A2", "I alt", 2, 1.25], ["I alt", None, 9, 8.75]], written
        for n in (2, 4):  # bold like the totals row, numbers in their kind's format
            assert all(c.font.b for c in rows[n]), (written, n)
            assert rows[n][3].number_format == OutKind.MONEY.number_format
        assert not rows[0][0].font.b


def test_report_statements_and_add_in_sheets_share_the_number_formats(tmp_path, settled):
    from xl_underskud.excel import scripts
    from xl_underskud.xlsx.report import write_report
    from xl_underskud.xlsx.statements import write_overview, write_statement_xlsx

    settlement, inputs = settled
    tables = settlement_tables(settlement, inputs, Origin(EXAMPLE.name, "0" * 64))
    blocks = [(t.sheet, block) for t in tables for block in (t, *t.more)]
    report = found_formats((write_report(tmp_path / "rapport.xlsx", tables, STAMP), blocks))

    book = shutil.copy(EXAMPLE, tmp_path / "bog.xlsx")
    apply_actions(book, run_remote(book, scripts.run_beregn), tmp_path / "tilfoejelse.xlsx")
    add_in = found_formats((tmp_path / "tilfoejelse.xlsx", blocks))

    bundle = build_statements(settlement, inputs, Origin(EXAMPLE.name, "0" * 64), __version__)
    statements = found_formats(
        *((write_statement_xlsx(tmp_path / f"{st.file_stem}.xlsx", st, bundle),
           [("Opgørelse", t) for t in statement_sections(st)]
           + [("Bilag", t) for t in statement_annex(st)]) for st in bundle.statements),
        (write_overview(tmp_path / "oversigt.xlsx", bundle),
         [(sheet.name, sheet.table) for sheet in overview_sheets(bundle)]))

    shown = {OutKind.MONEY, OutKind.INT, OutKind.CODE, OutKind.DATE, OutKind.PERCENT}
    for cells, totals in (report, add_in, statements):
        assert {kind for kind, _ in cells} >= shown
        assert_kind_formats(cells, totals)
    money = {f for kind, f in report[0] | add_in[0] | statements[0] if kind is OutKind.MONEY}
    assert money == {OutKind.MONEY.number_format} == {'#,##0.00 "kr."'}


def test_statement_workbooks_keep_codes_left_aligned(tmp_path, settled):
    from xl_underskud.xlsx.statements import write_statement_xlsx

    settlement, inputs = settled
    bundle = build_statements(settlement, inputs, Origin(EXAMPLE.name, "0" * 64), __version__)
    st = next(s for s in bundle.statements if s.pays_to)
    ws = load_workbook(write_statement_xlsx(tmp_path / "st.xlsx", st, bundle))["Opgørelse"]
    code = next(c for row in ws.iter_rows() for c in row if c.value == "Kode")
    below = ws.cell(code.row + 1, code.column)
    assert (code.alignment.horizontal, below.alignment.horizontal) == (None, "left")
    assert below.number_format == OutKind.CODE.number_format


@pytest.mark.parametrize("kind, value, text", [
    (OutKind.MONEY, 123_450, "1.234,50 kr."),
    (OutKind.MONEY, -5, "-0,05 kr."),
    (OutKind.INT, 1_891_778, "1.891.778"),
    (OutKind.DECIMAL, Decimal("1234.5"), "1.234,50"),
    (OutKind.PERCENT, Fraction(1, 3), "33,3333 %"),
    (OutKind.PERCENT1, 0.955, "95,5 %"),
    (OutKind.CODE, 1084, "1084"),
    (OutKind.DATE, date(2024, 1, 1), "01-01-2024"),
    (OutKind.TEXT, "A1", "A1"),
    (OutKind.MONEY, None, ""),
    (OutKind.DATE, "I alt", "I alt"),  # a subtotal row's label, in a column of any kind
    (OutKind.INT, "Fradrag normal tomgang", "Fradrag normal tomgang"),
])
def test_kinds_as_danish_text(kind, value, text):
    assert kind.text(value) == text
