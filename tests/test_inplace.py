"""The in-place writer (issue 11, "update in place, keep everything"): a new package that is the
source byte for byte except the rows of the tables it was asked to replace."""
from __future__ import annotations

import hashlib
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import REPO
from xl_underskud.core.parse import parse_inputs
from xl_underskud.xlsx.inplace import InPlaceError, read_custom_properties, replace_tables
from xl_underskud.xlsx.reader import read_workbook

EXAMPLE = REPO / "workbook" / "Underskudsgaranti_eksempel.xlsx"
CLASSIC = REPO / "workbook" / "Underskudsgaranti.xlsm"
FORMAT1 = REPO / "tests" / "fixtures" / "format1_eksempel.xlsx"
OPHOLD_SHEET = "xl/worksheets/sheet5.xml"  # the fifth sheet of the standard workbook
OPHOLD_TABLE = "xl/tables/table4.xml"  # the fourth table (after Aftaler, Pladser, Takster)

STAYS = [
    ("N-1", "A1", 1, "København", date(2022, 3, 1), None, None),
    ("N-2", "A1", 2, "Gentofte", date(2022, 3, 1), date(2023, 6, 30), date(2023, 8, 31)),
    ("N-3", "A2", 1, "=1+1", date(2022, 2, 1), None, None),  # typed by a user: stays text
]


def _parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _names(path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return z.namelist()


def _sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _cells(xml: bytes) -> dict[str, bytes]:
    """Cell address → its <c> element."""
    return {m.group(1).decode(): m.group(0)
            for m in re.finditer(rb'<c r="([A-Z]+\d+)"[^>]*?(?:/>|>.*?</c>)', xml, re.S)}


def _outside_sheet_data(xml: bytes) -> bytes:
    """The sheet XML without its cells and without <dimension> (which follows the cells)."""
    xml = re.sub(rb"<sheetData.*?</sheetData>|<sheetData/>", b"", xml, flags=re.S)
    return re.sub(rb"<dimension [^>]*/>", b"", xml)


def _in_table(address: str, first_col="A", last_col="G", first_row=5) -> bool:
    m = re.match(r"([A-Z]+)(\d+)", address)
    return first_col <= m.group(1) <= last_col and int(m.group(2)) >= first_row


def _stay_rows(path):
    raw = read_workbook(path)
    assert [m.text for m in raw.messages if m.is_error] == []
    inputs, messages = parse_inputs(raw)
    return raw, inputs, messages


@pytest.fixture(scope="module")
def users_workbook(tmp_path_factory) -> Path:
    """The example as a user has it: their own sheet with a chart, and on the sheet Ophold a
    chart, a comment, a bold red note beside the table, a filled cell in a table row (outside
    the table's columns) and a conditional format on the table's dates."""
    from openpyxl import load_workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.comments import Comment
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Font, PatternFill

    wb = load_workbook(EXAMPLE)
    mine = wb.create_sheet("Mine noter")
    for i in range(1, 6):
        mine.append([f"r{i}", i * 10])
    chart = BarChart()
    chart.add_data(Reference(mine, min_col=2, min_row=1, max_row=5))
    mine.add_chart(chart, "D2")
    ws = wb["Ophold"]
    ws["I2"] = "Min note"
    ws["I2"].font = Font(bold=True, color="FF0000")
    ws["I6"] = "ved siden af"
    ws["I6"].fill = PatternFill("solid", fgColor="FFFF00")
    ws["A2"].comment = Comment("Kommentar til introen", "Bruger")
    ws.conditional_formatting.add("E5:E33", CellIsRule(
        operator="lessThan", formula=["44600"], fill=PatternFill("solid", fgColor="FFC7CE")))
    chart2 = BarChart()
    chart2.add_data(Reference(mine, min_col=2, min_row=1, max_row=5))
    ws.add_chart(chart2, "K4")
    path = tmp_path_factory.mktemp("user") / "bruger.xlsx"
    wb.save(path)
    return path


def test_every_other_part_is_kept_byte_for_byte(users_workbook, tmp_path):
    before = _sha(users_workbook)
    out = tmp_path / "ny.xlsx"
    replace_tables(users_workbook, out, {"tblOphold": STAYS})
    assert _sha(users_workbook) == before, "the source is only read"

    old, new = _parts(users_workbook), _parts(out)
    assert _names(out) == _names(users_workbook), "same parts, same order"
    changed = sorted(n for n in old if old[n] != new[n])
    assert changed == [OPHOLD_TABLE, OPHOLD_SHEET]
    # what the user added is there, untouched: the chart sheet, two charts, the comment
    assert any(n.startswith("xl/charts/chart") for n in new)
    assert any(n.startswith("xl/comments/") for n in new)

    # the sheet: everything outside the cells is the same (column widths, validations, the
    # conditional format, the drawing and comment references)
    assert _outside_sheet_data(new[OPHOLD_SHEET]) == _outside_sheet_data(old[OPHOLD_SHEET])
    old_cells, new_cells = _cells(old[OPHOLD_SHEET]), _cells(new[OPHOLD_SHEET])
    outside = {a for a in old_cells if not _in_table(a)}
    assert outside == {a for a in new_cells if not _in_table(a)}
    assert {a: new_cells[a] for a in outside} == {a: old_cells[a] for a in outside}
    assert "I6" in outside and "I2" in outside and "A4" in outside  # note, fill, header
    # the table part: only its ranges changed
    assert re.sub(rb'ref="[^"]*"', b"", new[OPHOLD_TABLE]) == \
        re.sub(rb'ref="[^"]*"', b"", old[OPHOLD_TABLE])
    assert b'ref="A4:G7"' in new[OPHOLD_TABLE]


def test_the_new_rows_read_back(users_workbook, tmp_path):
    out = tmp_path / "ny.xlsx"
    replace_tables(users_workbook, out, {"tblOphold": STAYS})
    raw, inputs, _ = _stay_rows(out)
    rows = raw.tables["tblOphold"].rows
    assert [r.row for r in rows] == [5, 6, 7]
    assert [r.values["stay_id"] for r in rows] == ["N-1", "N-2", "N-3"]
    assert rows[1].values["paid_until"] == date(2023, 8, 31)
    assert rows[2].values["paying_municipality"] == "=1+1"
    assert [s.stay_id for s in inputs.stays] == ["N-1", "N-2", "N-3"]
    # the other tables as they were
    assert len(raw.tables["tblAftaler"].rows) == 3 and len(raw.tables["tblPladser"].rows) == 18


def test_text_that_looks_like_a_formula_is_never_a_formula(users_workbook, tmp_path):
    out = tmp_path / "ny.xlsx"
    rows = [("=HYPERLINK(\"http://x\")", "+A1", 1, "@SUM(1)", date(2022, 1, 1), None, None),
            ("-2", "A1", 2, " mellemrum ", date(2022, 1, 1), None, "_x0041_ og \x01")]
    replace_tables(users_workbook, out, {"tblOphold": rows})
    xml = _parts(out)[OPHOLD_SHEET]
    assert b"<f>" not in xml and b"<f " not in xml
    raw = read_workbook(out)
    values = [r.values for r in raw.tables["tblOphold"].rows]
    assert [v["stay_id"] for v in values] == ['=HYPERLINK("http://x")', "-2"]
    assert values[0]["agreement_id"] == "+A1" and values[0]["paying_municipality"] == "@SUM(1)"
    assert values[1]["paying_municipality"] == " mellemrum "


def test_styles_follow_the_column(tmp_path):
    """Each new cell carries its column's style: the date columns their date format."""
    out = tmp_path / "ny.xlsx"
    replace_tables(EXAMPLE, out, {"tblOphold": STAYS})
    old, new = _cells(_parts(EXAMPLE)[OPHOLD_SHEET]), _cells(_parts(out)[OPHOLD_SHEET])

    def style(cell):
        return re.search(rb' s="(\d+)"', cell).group(1)
    for col in "ABCDE":
        assert style(new[f"{col}5"]) == style(old[f"{col}5"])
    assert style(new["G6"]) == style(old["E5"])  # Betalt til: same date style as Fra dato
    assert new["E5"].endswith(b"<v>44621</v></c>")  # 1 March 2022 as a serial number


def test_the_same_rows_give_the_same_bytes(users_workbook, tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    replace_tables(users_workbook, a, {"tblOphold": STAYS}, properties={"x": 1})
    replace_tables(users_workbook, b, {"tblOphold": STAYS}, properties={"x": 1})
    assert a.read_bytes() == b.read_bytes()


def test_unchanged_rows_give_an_identical_workbook_content(tmp_path):
    """Writing back the rows that are there changes no part but the rewritten sheet's cells,
    and those only from shared to inline strings: the values read back the same."""
    out = tmp_path / "ny.xlsx"
    raw = read_workbook(EXAMPLE)
    from xl_underskud.dst.folk1a import table_rows

    rows = [tuple(r) for r in table_rows(raw.tables["tblTakster"])]
    replace_tables(EXAMPLE, out, {"tblTakster": rows})
    again = read_workbook(out)
    assert [r.values for r in again.tables["tblTakster"].rows] == \
        [r.values for r in raw.tables["tblTakster"].rows]


def test_a_growing_table_extends_its_validation(tmp_path):
    """The template's validation covers 5,000 rows; a longer table takes it along."""
    out = tmp_path / "ny.xlsx"
    rows = [(f"S{i}", "A1", 1, None, date(2022, 1, 1), None, None) for i in range(5003)]
    replace_tables(EXAMPLE, out, {"tblOphold": rows})
    xml = _parts(out)[OPHOLD_SHEET]
    assert b'sqref="A5:A5007"' in xml and b'sqref="G5:G5007"' in xml
    assert b'sqref="A5:A5005"' not in xml
    assert b'<dimension ref="A1:G5007"/>' in xml
    assert len(read_workbook(out).tables["tblOphold"].rows) == 5003


def test_a_conditional_format_on_the_table_grows_with_it(users_workbook, tmp_path):
    out = tmp_path / "ny.xlsx"
    replace_tables(users_workbook, out, {"tblOphold": STAYS * 12})  # 36 rows: to row 40
    xml = _parts(out)[OPHOLD_SHEET]
    assert b'<conditionalFormatting sqref="E5:E40">' in xml
    assert b'sqref="E5:E5005"' in xml  # the validations already reach further


def test_a_shrinking_table_and_an_empty_one(tmp_path):
    out = tmp_path / "ny.xlsx"
    replace_tables(EXAMPLE, out, {"tblOphold": [],
                                  "tblTakster": [("A1", 2022, Decimal("1.5"), None)]})
    parts = _parts(out)
    assert b'ref="A4:G5"' in parts[OPHOLD_TABLE]  # one empty row, as Excel keeps it
    cells = _cells(parts[OPHOLD_SHEET])
    assert not any(_in_table(a) for a in cells)
    raw = read_workbook(out)
    assert raw.tables["tblOphold"].rows == ()
    assert [r.values["daily_rate"] for r in raw.tables["tblTakster"].rows] == [1.5]


def test_two_tables_side_by_side(tmp_path):
    """Takstberegning holds tblOmkostninger (A–F) and tblPLIndeks (I–J) in the same rows."""
    out = tmp_path / "ny.xlsx"
    replace_tables(EXAMPLE, out, {"tblPLIndeks": [(2020, Decimal("0.015"))]})
    raw = read_workbook(out)
    assert len(raw.tables["tblOmkostninger"].rows) == 8  # untouched
    assert [r.values["pl_index"] for r in raw.tables["tblPLIndeks"].rows] == [0.015]


def test_content_below_the_table_stops_the_write(users_workbook, tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(users_workbook)
    wb["Ophold"]["C40"] = "sum"
    fil = tmp_path / "under.xlsx"
    wb.save(fil)
    out = tmp_path / "ny.xlsx"
    rows = STAYS * 15  # 45 rows: to row 49, over C40
    with pytest.raises(InPlaceError, match="række 40, kolonne C"):
        replace_tables(fil, out, {"tblOphold": rows})
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["under.xlsx"]


def test_unknown_table_and_the_input_as_target(tmp_path):
    with pytest.raises(InPlaceError, match="tblFindesIkke"):
        replace_tables(EXAMPLE, tmp_path / "x.xlsx", {"tblFindesIkke": []})
    copy = tmp_path / "kopi.xlsx"
    copy.write_bytes(EXAMPLE.read_bytes())
    with pytest.raises(InPlaceError, match="oven i indfilen"):
        replace_tables(copy, copy, {"tblOphold": []})
    assert copy.read_bytes() == EXAMPLE.read_bytes()


def test_the_classic_workbook_keeps_its_macros_and_button(tmp_path):
    out = tmp_path / "ny.xlsm"
    replace_tables(CLASSIC, out, {"tblOphold": STAYS})
    old, new = _parts(CLASSIC), _parts(out)
    assert _names(out) == _names(CLASSIC)
    assert "xl/vbaProject.bin" in new and new["xl/vbaProject.bin"] == old["xl/vbaProject.bin"]
    assert sorted(n for n in old if old[n] != new[n]) == [OPHOLD_TABLE, OPHOLD_SHEET]
    assert any(n.endswith(".vml") for n in new)  # the button Kør
    assert b"macroEnabled" in new["[Content_Types].xml"]
    _, inputs, _ = _stay_rows(out)
    assert [s.stay_id for s in inputs.stays] == ["N-1", "N-2", "N-3"]


def test_properties_are_added_and_then_updated(tmp_path):
    """A package without custom properties (the template before format 2) gets the part."""
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    replace_tables(FORMAT1, a, {}, properties={"xl_underskud_formatversion": 2, "note": "x&y"})
    old, new = _parts(FORMAT1), _parts(a)
    assert _names(a) == _names(FORMAT1) + ["docProps/custom.xml"]
    assert sorted(n for n in old if old[n] != new[n]) == ["[Content_Types].xml", "_rels/.rels"]
    with zipfile.ZipFile(a) as z:
        assert read_custom_properties(z) == {"xl_underskud_formatversion": "2", "note": "x&y"}
    replace_tables(a, b, {}, properties={"xl_underskud_formatversion": 3})
    first, second = _parts(a), _parts(b)
    assert sorted(n for n in first if first[n] != second[n]) == ["docProps/custom.xml"]
    with zipfile.ZipFile(b) as z:
        assert read_custom_properties(z) == {"xl_underskud_formatversion": "3", "note": "x&y"}
    assert [m.text for m in read_workbook(b).messages if m.is_error] == [
        "b.xlsx er lavet af en nyere udgave af xl-underskud (formatversion 3; denne udgave kender "
        "op til formatversion 2). Opdatér programmet (python -m pip install --upgrade "
        "xl-underskud), og prøv igen."]


def test_a_single_cell_outside_the_tables(tmp_path):
    out = tmp_path / "ny.xlsx"
    replace_tables(EXAMPLE, out, {}, cells={("Befolkning", "A2"): "Kilde: ny note"})
    from openpyxl import load_workbook

    assert load_workbook(out)["Befolkning"]["A2"].value == "Kilde: ny note"
    old, new = _cells(_parts(EXAMPLE)["xl/worksheets/sheet6.xml"]), \
        _cells(_parts(out)["xl/worksheets/sheet6.xml"])
    style = re.compile(rb' s="\d+"')
    assert style.search(new["A2"]).group(0) == style.search(old["A2"]).group(0)
    assert {a: c for a, c in new.items() if a != "A2"} == \
        {a: c for a, c in old.items() if a != "A2"}


def _own_ophold(path: Path, headers: list[str]) -> Path:
    """A hand-made sheet Ophold whose tblOphold has these columns, in this order, one row."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Ophold")
    ws.add_table(0, 0, 1, len(headers) - 1, {"name": "tblOphold",
                                               "columns": [{"header": h} for h in headers],
                                               "data": [[f"gammel {h}" for h in headers]]})
    wb.close()
    return path


def test_values_go_to_the_columns_by_header_wherever_the_user_moved_them(tmp_path):
    from openpyxl import load_workbook

    from xl_underskud.core.declarations import OPHOLD

    moved = list(reversed(OPHOLD.headers))
    fil = _own_ophold(tmp_path / "egen.xlsx", moved)
    out = tmp_path / "ny.xlsx"
    replace_tables(fil, out, {"tblOphold": STAYS[:2]}, headers={"tblOphold": OPHOLD.headers})
    ws = load_workbook(out)["Ophold"]
    got = {ws.cell(1, c).value: ws.cell(3, c).value for c in range(1, 8)}
    assert got["OpholdID"] == "N-2" and ws.cell(3, 7).value == "N-2"  # now the last column
    # a date is its serial number; this hand-made table has no date format to show it with
    assert got["Betalt til"] == (date(2023, 8, 31) - date(1899, 12, 30)).days
    assert ws.cell(3, 1).value == got["Betalt til"]  # Betalt til is now the first column
    assert got["Betalende kommune"] == "Gentofte"


def test_a_column_of_the_users_own_in_the_table_is_refused_not_emptied(tmp_path):
    from xl_underskud.core.declarations import OPHOLD

    fil = _own_ophold(tmp_path / "egen.xlsx", list(OPHOLD.headers) + ["Min note"])
    out = tmp_path / "ny.xlsx"
    with pytest.raises(InPlaceError, match="kolonnerne Min note kendes ikke af xl-underskud"):
        replace_tables(fil, out, {"tblOphold": STAYS}, headers={"tblOphold": OPHOLD.headers})
    assert not out.exists()
