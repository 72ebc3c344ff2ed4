"""Turn worksheet-function arguments (DataFrames without header/index) into core inputs.

A range argument may include its header row (tblBefolkning[#Alle]) or be the data body only
(tblBefolkning): when the first row matches the declared headers it is the header, otherwise
the columns are taken in the standard workbook's order.
"""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from xl_underskud.core.cpr import looks_like_cpr
from xl_underskud.core.grid import Grid, TableArea, header_key, read_table
from xl_underskud.core.parse import RawSetting, RawTable, RawWorkbook, convert, parse_inputs
from xl_underskud.core.records import Inputs, Message
from xl_underskud.core.declarations import AFTALER, SETTING, Column, Kind, Table
from xl_underskud.excel.cells import grid_rows, plain


class UdfError(Exception):
    """A problem with a worksheet function's arguments, in Danish, shown in the cell."""


def grid_of(frame) -> list[list]:
    """A DataFrame (or 2-D list) as a list of rows of plain Python values."""
    if frame is None:
        return []
    if isinstance(frame, pd.DataFrame):
        return grid_rows(frame.astype(object).values.tolist())
    if isinstance(frame, (list, tuple)):
        return grid_rows([list(r) if isinstance(r, (list, tuple)) else [r] for r in frame])
    return grid_rows(frame)


def raw_from_argument(table: Table, frame, argument: str) -> RawWorkbook:
    rows = grid_of(frame)
    if any(looks_like_cpr(v) for row in rows for v in row):
        raise UdfError(f"{argument}: en celle ligner et CPR-nummer; brug et pseudonymt id.")
    declared = {header_key(h) for h in table.headers}
    if rows and any(header_key(v) in declared for v in rows[0] if v):
        top = 1  # the range includes its header row: data rows are counted from 2
    elif rows and len(rows[0]) < len(table.columns):
        raise UdfError(f"{argument}: området skal have kolonnerne {', '.join(table.headers)}.")
    else:
        rows, top = [list(table.headers)] + rows, 0  # the data body only: columns as declared
    area = TableArea(header_row=top, first_col=0, last_col=max(len(r) for r in rows) - 1,
                     last_row=top + len(rows) - 1)
    messages: list[Message] = []
    raw_table = read_table(table, Grid(rows, top=top), area, f"argumentet {argument}", messages)
    if raw_table is None:
        raise UdfError(messages[0].text)
    return RawWorkbook(tables={table.name: raw_table})


def inputs_from_arguments(tables: dict[str, tuple[Table, object]],
                          agreement_id: str | None = None,
                          settings: dict[str, object] | None = None) -> Inputs:
    """Parse several table arguments at once; the first error becomes the cell's text.

    With `agreement_id`, rows of places, rates and stays of other agreements are left out
    before parsing: a function about one agreement neither waits for nor fails on the others.
    `settings` (setting name → typed value, see `setting_value`) stand in the named cells of
    Indstillinger: the settings are parsed as the workbook's are, so the coverage schedule has
    the given guarantee years and a setting not given has its declared default.
    """
    raw = RawWorkbook(properties_read=False)  # a function's arguments carry no seal
    for argument, (table, frame) in tables.items():
        raw.tables.update(raw_from_argument(table, frame, argument).tables)
    for name, value in (settings or {}).items():
        if value is not None:
            raw.settings[name] = RawSetting(SETTING[name], SETTING[name].cell_value(value))
    if agreement_id is not None:
        for name, raw_table in list(raw.tables.items()):
            if raw_table.table is AFTALER or not any(
                    c.field == "agreement_id" for c in raw_table.table.columns):
                continue
            rows = tuple(r for r in raw_table.rows
                         if _id_text(r.values.get("agreement_id")) == agreement_id)
            raw.tables[name] = RawTable(raw_table.table, rows)
    inputs, messages = parse_inputs(raw)
    raise_first_error(messages)
    return inputs


def raise_first_error(messages) -> None:
    """A cell has room for one sentence: the first error, with where it stands."""
    m = next((m for m in messages if m.is_error), None)
    if m is not None:
        where = f"{m.source.sheet}, række {m.source.row}" if m.source.row else m.source.sheet
        raise UdfError(f"{where}: {m.text}")


def _id_text(value) -> str | None:
    if value is None:
        return None
    typed, _ = convert(AFTALER.column("agreement_id"), value)
    return typed


def scalar(value, column: Column, required: bool | None = None):
    """One scalar argument converted exactly like a workbook cell of the declared column
    (kind, range, length; dates as Excel serials too). The error names the column's header."""
    name, kind = column.header, column.kind
    required = column.required if required is None else required
    value = plain(value)
    if isinstance(value, list):
        raise UdfError(f"{name} skal være én celle.")
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise UdfError(f"{name} mangler.")
        return None
    if kind == Kind.DATE and isinstance(value, datetime):
        return value.date()
    if kind == Kind.DATE and isinstance(value, date):
        return value
    typed, problem = convert(column, value)
    if problem:
        raise UdfError(f"{name}: {problem}")
    return typed


def setting_value(value, name: str):
    """A setting given as a function argument, converted exactly as its named cell on
    Indstillinger is (the declared column: type, range, choices; "Ja"/"Nej" or TRUE/FALSE);
    blank: the declared default. The error names the setting."""
    setting = SETTING[name]
    typed = scalar(value, setting.column, required=False)
    return setting.default if typed is None else setting.typed(typed)
