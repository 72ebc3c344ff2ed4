"""One declaration per table and setting: the template's Excel validation, the parser, the
records, the defaults and the guide all follow `core/declarations.py`.

The checks are edge checks: at each declared bound the parser and Excel's validation agree
(the bound itself is accepted, the nearest value outside it refused by both)."""
from __future__ import annotations

from dataclasses import fields
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from conftest import REPO
from xl_underskud.core.declarations import (ALL_TABLES, DATE_MAX, DATE_MIN, SETTINGS, Kind,
                                            guide_lines)
from xl_underskud.core.parse import convert, parse_inputs
from xl_underskud.core.records import (Agreement, CostRow, Place, PLIndex, PopulationFigure, Rate,
                                       Settings, Stay)
from xl_underskud.xlsx.reader import read_workbook
from xl_underskud.xlsx.template import FIRST_DATA_ROW

TEMPLATE = REPO / "workbook" / "Underskudsgaranti.xlsx"
EXCEL_EPOCH = date(1899, 12, 30)


@pytest.fixture(scope="module")
def book():
    return load_workbook(TEMPLATE)


def _validation_at(ws, cell: str):
    hits = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert len(hits) == 1, f"{ws.title}!{cell}: {len(hits)} validations"
    return hits[0]


def _table_cells(book):
    for table in ALL_TABLES:
        ws = book[table.sheet]
        tbl = ws.tables[table.name]
        first_col = ws[tbl.ref.split(":")[0]].column
        for offset, column in enumerate(table.columns):
            cell = ws.cell(row=FIRST_DATA_ROW + 1, column=first_col + offset).coordinate
            yield table, column, ws, cell


def _named_cells(book):
    for setting in SETTINGS:
        dest = list(book.defined_names[setting.name].destinations)[0]
        ws = book[dest[0]]
        yield setting.column, ws, dest[1].replace("$", "")


def _number(text: str) -> Decimal:
    return Decimal(text)


def _check(column, ws, cell):
    dv = _validation_at(ws, cell)
    kind = column.kind
    if kind.is_number:
        if dv.type == "custom":  # exclusive lower bound 0, inclusive maximum
            assert column.positive and kind != Kind.INTEGER
            assert dv.formula1 == f"AND(ISNUMBER({cell}),{cell}>0,{cell}<={column.maximum})"
            low, high = Decimal(0), Decimal(column.maximum)
            assert convert(column, float(high))[1] is None
            assert convert(column, 0)[1] is not None  # 0 refused by both
            assert convert(column, 1e-9)[1] is None or kind == Kind.PERCENT
        else:
            assert dv.type == ("whole" if kind == Kind.INTEGER else "decimal")
            assert dv.operator in (None, "between")  # "between" is the OOXML default
            low, high = _number(dv.formula1), _number(dv.formula2)
            expected_low = 1 if column.positive else column.minimum
            assert (low, high) == (Decimal(expected_low), Decimal(column.maximum))
            step = Decimal(1) if kind == Kind.INTEGER else Decimal("0.001")
            for inside in (low, high):
                assert convert(column, float(inside))[1] is None, (column.header, inside)
            for outside in (low - step, high + step):
                if kind == Kind.PERCENT and outside > 1:
                    continue  # a whole number is whole percent: 2 = 2 % (documented)
                assert convert(column, float(outside))[1] is not None, (column.header, outside)
    elif kind == Kind.DATE:
        assert dv.type == "date" and dv.operator in (None, "between")
        assert int(_number(dv.formula1)) == (DATE_MIN - EXCEL_EPOCH).days
        assert int(_number(dv.formula2)) == (DATE_MAX - EXCEL_EPOCH).days
        assert convert(column, DATE_MIN)[1] is None and convert(column, DATE_MAX)[1] is None
        assert convert(column, date(DATE_MIN.year - 1, 12, 31))[1] is not None
    elif kind in (Kind.CHOICE, Kind.YES_NO):
        assert dv.type == "list"
        assert dv.formula1.strip('"').split(",") == list(column.choices)
        for choice in column.choices:
            assert convert(column, choice)[1] is None
    elif kind == Kind.MUNICIPALITY:
        assert dv.type == "list" and dv.errorStyle == "warning"
    else:
        assert (dv.type, dv.operator) == ("textLength", "lessThanOrEqual")
        assert int(dv.formula1) == column.max_length
        assert convert(column, "x" * column.max_length)[1] is None
        assert convert(column, "x" * (column.max_length + 1))[1] is not None


def test_every_table_column_validates_as_declared_and_as_parsed(book):
    n = 0
    for table, column, ws, cell in _table_cells(book):
        _check(column, ws, cell)
        n += 1
    assert n == sum(len(t.columns) for t in ALL_TABLES)


def test_every_setting_validates_as_declared_and_as_parsed(book):
    for column, ws, cell in _named_cells(book):
        _check(column, ws, cell)


def test_records_have_the_declared_fields_in_order():
    for record, table in ((Agreement, "tblAftaler"), (Place, "tblPladser"), (Rate, "tblTakster"),
                          (Stay, "tblOphold"), (PopulationFigure, "tblBefolkning"),
                          (CostRow, "tblOmkostninger"), (PLIndex, "tblPLIndeks")):
        declared = [c.field for t in ALL_TABLES if t.name == table for c in t.columns]
        names = [f.name for f in fields(record)]
        assert names[:len(declared)] == declared
        assert names[-1] == "row"


def test_a_fresh_template_reads_back_as_the_declared_defaults():
    # template (named cells written from the declaration) → reader → parser → Settings
    inputs, messages = parse_inputs(read_workbook(TEMPLATE))
    assert not [m for m in messages if m.is_error]
    assert inputs.settings == Settings()
    for setting in SETTINGS:
        assert getattr(inputs.settings, setting.field) == setting.default


def test_the_guide_names_every_input_column(book):
    text = " ".join(str(c.value) for row in book["Vejledning"].iter_rows() for c in row if c.value)
    for line in guide_lines():
        assert line in text
    for table in ALL_TABLES:
        for header in table.headers:
            assert header in text, header


def test_a_declaration_without_a_range_or_a_length_is_refused():
    from xl_underskud.core.declarations import Column

    with pytest.raises(ValueError):
        Column("Tal", "n", Kind.INTEGER, minimum=0)  # no maximum
    with pytest.raises(ValueError):
        Column("Tekst", "t", Kind.TEXT)  # no maximum length
