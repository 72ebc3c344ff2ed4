"""From a grid of cell values (header row + data rows) to a `RawTable`, for any shell.

The file reader, the xlwings book reader and the worksheet functions all hand a declared
table's header and rows to `raw_table_from_grid`; header matching, missing-header messages
and blank-row skipping are therefore the same everywhere.
"""
from __future__ import annotations

from xl_underskud.core.municipalities import suggestion
from xl_underskud.core.parse import RawRow, RawTable
from xl_underskud.core.records import Message, error
from xl_underskud.core.declarations import Table


def column_letter(index: int) -> str:
    """Excel column letters for a 0-based index: 0 → A, 25 → Z, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def header_key(text) -> str:
    """Headers match regardless of case and spacing: 'antal  Pladser' = 'Antal pladser'."""
    return " ".join(str(text if text is not None else "").split()).casefold()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def match_headers(table: Table, headers: list, header_row: int | None, where: str,
                  messages: list[Message]) -> dict[str, int] | None:
    """field → column offset in `headers`; None (and messages) when a declared header is missing."""
    position: dict[str, int] = {}
    for offset, header in enumerate(headers):
        position.setdefault(header_key(header), offset)
    columns, missing = {}, False
    names = [str(h) for h in headers if not is_blank(h)]
    for column in table.columns:
        offset = position.get(header_key(column.header))
        if offset is None:
            missing = True
            messages.append(error(table.sheet, header_row, column.header,
                                  f'Kolonnen "{column.header}" mangler i {where}.'
                                  + suggestion(column.header, names)))
        else:
            columns[column.field] = offset
    return None if missing else columns


def raw_table_from_grid(table: Table, headers: list, rows: list[list], first_row: int,
                        where: str, messages: list[Message]) -> RawTable | None:
    """`rows[i]` is row `first_row + i` (of the sheet, or of a function's range argument)."""
    columns = match_headers(table, headers, first_row - 1, where, messages)
    if columns is None:
        return None
    out = []
    for i, line in enumerate(rows):
        values = {f: (line[c] if c < len(line) else None) for f, c in columns.items()}
        values = {f: (None if is_blank(v) else v) for f, v in values.items()}
        if all(v is None for v in values.values()):
            continue
        out.append(RawRow(first_row + i, values))
    return RawTable(table, tuple(out))
