"""The report's data rows written as XML text (`xlsx/rows.py`) give the workbook XlsxWriter
writes cell by cell (`report.write_rows`): every part the same, every sheet the same element
for element, every cell the same value in the same style — the numbers as the shortest text of
the same float (money as the exact kroner) — and the same bytes on every run."""
from __future__ import annotations

import math
import re
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import REPO, copy_of_example, run_cli
from xl_underskud.xlsx import report, rows

sys.path.insert(0, str(REPO / "benchmarks"))
import generate  # noqa: E402  (benchmarks/generate.py)

_V = re.compile(rb"<v>([^<]*)</v>")


def _beregn(book: Path, out: Path, *args, streamed: bool = True) -> Path:
    saved = report.can_stream
    if not streamed:
        report.can_stream = lambda ws: False  # XlsxWriter, cell by cell
    try:
        res = run_cli("beregn", book, "--ud", out, *args)
    finally:
        report.can_stream = saved
    assert res.returncode == 0, res.stderr
    return out


def _same_number(new: bytes, old: bytes) -> bool:
    """The same float: XlsxWriter writes it with 16 significant digits (843127.3199999999 for
    843127.32, which now and then reads back as a float a few ulp away), the streamed text is
    the shortest that reads back as the float itself."""
    return format(float(new), ".16G") == old.decode()


def _assert_same_workbook(new: Path, old: Path) -> int:
    """Every part equal; in the sheets only the texts of numbers may differ, and they read as
    the same number. Then cell by cell through openpyxl: value, number format, font, fill.
    Returns the number of cells compared."""
    with zipfile.ZipFile(new) as zn, zipfile.ZipFile(old) as zo:
        assert zn.namelist() == zo.namelist()
        for name in zo.namelist():
            a, b = zn.read(name), zo.read(name)
            if a == b:
                continue
            assert name.startswith("xl/worksheets/sheet"), name
            pa, pb = _V.split(a), _V.split(b)
            assert len(pa) == len(pb), name
            assert pa[0::2] == pb[0::2], name  # everything but the numbers, byte for byte
            for x, y in zip(pa[1::2], pb[1::2]):
                assert _same_number(x, y), (name, x, y)
    wn, wo = load_workbook(new), load_workbook(old)
    assert wn.sheetnames == wo.sheetnames
    cells = 0
    for sn, so in zip(wn.worksheets, wo.worksheets):
        assert sn.dimensions == so.dimensions
        assert sn.freeze_panes == so.freeze_panes
        assert sn.print_title_rows == so.print_title_rows
        for rn, ro in zip(sn.iter_rows(), so.iter_rows()):
            for cn, co in zip(rn, ro):
                if isinstance(co.value, float):  # see _same_number
                    assert math.isclose(cn.value, co.value, rel_tol=1e-15, abs_tol=1e-300), (
                        sn.title, co.coordinate)
                else:
                    assert cn.value == co.value, (sn.title, co.coordinate)
                assert cn.number_format == co.number_format, (sn.title, co.coordinate)
                # the styles parts are equal (above): the same style is the same index
                assert cn.style_id == co.style_id, (sn.title, co.coordinate)
                cells += 1
    return cells


@pytest.fixture(scope="module")
def deducting_example(tmp_path_factory):
    """The example with the normal-vacancy deduction: fractional days and values in øre that
    are Decimals and fractions, on Tomgang and Resultat."""
    from test_malformed import set_setting

    path = copy_of_example(tmp_path_factory.mktemp("fradrag") / "eksempel.xlsx")
    wb = load_workbook(path)
    set_setting("FratraekNormalTomgang", "Ja")(wb)
    set_setting("Periode", "Kvartal")(wb)
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated workbook (benchmarks/generate.py): 6 agreements, 120 places, 600 stays,
    98 paying municipalities, every year."""
    path = tmp_path_factory.mktemp("generated") / "genereret.xlsx"
    return generate.write(path, generate.generate(2024, 6, 120, 600))


@pytest.mark.parametrize("case", ["eksempel 2023", "fradrag kvartal", "genereret"])
def test_streamed_rows_give_the_workbook_xlsxwriter_writes(case, deducting_example, generated,
                                                           tmp_path):
    book = {"fradrag kvartal": deducting_example, "genereret": generated}.get(case) \
        or copy_of_example(tmp_path / "eksempel.xlsx")
    args = ("--aar", "2023") if case.endswith("2023") else ()
    new = _beregn(book, tmp_path / "ny.xlsx", *args)
    old = _beregn(book, tmp_path / "gammel.xlsx", *args, streamed=False)
    assert _assert_same_workbook(new, old) > 500
    again = _beregn(book, tmp_path / "igen.xlsx", *args)
    assert again.read_bytes() == new.read_bytes()  # reproducible byte for byte


def test_the_report_streams_its_rows(tmp_path):
    """The report's worksheets are the kind `rows` can write to (else the test above would
    compare XlsxWriter with itself)."""
    seen = []
    saved = report.stream_rows

    def spy(ws, *args, **kwargs):
        seen.append(ws.name)
        return saved(ws, *args, **kwargs)

    report.stream_rows = spy
    try:
        _beregn(copy_of_example(tmp_path / "eksempel.xlsx"), tmp_path / "r.xlsx")
    finally:
        report.stream_rows = saved
    assert {"Resultat", "Tomgang", "Fordeling", "Kommuneoversigt", "Eksponering"} <= set(seen)


@pytest.mark.parametrize("oere", [0, 1, 5, 10, 99, 100, 123450, -5, -123456, 12345678901234,
                                  10 ** 17 + 1])
def test_money_is_written_as_the_exact_kroner(oere):
    text = rows._money_text(oere)
    assert Decimal(text) == Decimal(oere) / 100
    assert not text.endswith("0") or "." not in text  # no trailing zeros after the point
    if abs(oere) < 10 ** 15:  # there, the exact kroner are the shortest text of the float
        assert text == rows._number(oere / 100)


def test_fordeling_prints_its_labels_and_the_key_has_its_own_sheet(tmp_path):
    """Fordeling is one row per agreement and period, one column per municipality: printed,
    its header row and first two columns repeat on every page, and nothing else stands on the
    sheet for them to label wrongly; the key (population and share) has a sheet of its own,
    one page wide, under its own headers."""
    report = _beregn(copy_of_example(tmp_path / "eksempel.xlsx"), tmp_path / "r.xlsx")
    wb = load_workbook(report)
    ws = wb["Fordeling"]
    assert ws.print_title_rows == "$4:$4" and ws.print_title_cols == "$A:$B"
    assert [c.value for c in ws[4]][:5] == ["AftaleID", "Periode", "Nøgledato", "Beløb",
                                            "København"]
    assert ws.cell(ws.max_row, 1).value == "I alt"  # the table is the last thing on the sheet
    key = wb["Fordelingsnøgle"]
    assert [c.value for c in key[4]] == ["Kommunekode", "Kommune", "Nøgledato", "Folketal",
                                         "Andel"]
    assert key.print_title_rows == "$4:$4" and key.print_title_cols is None
    setup = key.page_setup  # fit to one page wide (1 is the default, left out), any tall
    assert key.sheet_properties.pageSetUpPr.fitToPage and setup.fitToWidth in (None, 1)
    assert setup.fitToHeight == 0


def test_awkward_cells_are_written_as_xlsxwriter_writes_them(tmp_path):
    """Texts XlsxWriter escapes or marks (spaces at the ends, control characters, its own
    _xHHHH_ escapes, XML's special characters, a text that starts a formula, one over Excel's
    32,767 characters, an empty one), numbers of every type the tables hold, a date and time,
    subtotal rows: streamed and cell by cell give the same workbook."""
    from datetime import date, datetime
    from fractions import Fraction

    from xl_underskud.outputs.tables import OutColumn, OutKind, OutTable

    texts = [" lead", "trail ", "a\x01b", "_x0041_", "<r>x</r>", 'a & b < c > "d"', "=1+1",
             "x" * 40_000, "", "Ærø-Ål"]
    rows = [(t, n, m, d, p) for t, n, m, d, p in zip(
        texts, [1, -2, 0, 10 ** 16, True, 2.5, Decimal("1.25"), Fraction(1, 3), None, 7],
        [123450, -5, 0, 10 ** 17 + 1, Decimal("12.345"), Fraction(-10, 3), 99, 100, None, 1],
        [date(2023, 1, 1), date(1900, 2, 28), date(1900, 3, 1), datetime(2024, 5, 6, 12),
         None, date(2026, 12, 31), date(2022, 2, 2), None, date(2023, 3, 3), date(2023, 4, 4)],
        [Fraction(1, 3), 0.1, None, 0.5, 1, 0, 0.25, 2, None, 0.75])]
    rows += [("I alt", None, 123456, None, None), ("Alle", "x", Decimal("-1.5"), None, 0.5)]
    table = OutTable("Prøve", "Titel", "Undertitel",
                     (OutColumn("Tekst", OutKind.TEXT, 70), OutColumn("Tal", OutKind.DECIMAL),
                      OutColumn("Beløb", OutKind.MONEY, 14), OutColumn("Dato", OutKind.DATE),
                      OutColumn("Andel", OutKind.PERCENT)),
                     tuple(rows), subtotal_rows=frozenset({len(rows) - 2, len(rows) - 1}))
    created = datetime(2024, 1, 1)
    new = report.write_report(tmp_path / "ny.xlsx", [table], created)
    saved = report.can_stream
    report.can_stream = lambda ws: False
    try:
        old = report.write_report(tmp_path / "gammel.xlsx", [table], created)
    finally:
        report.can_stream = saved
    assert _assert_same_workbook(new, old) >= len(rows) * 5
