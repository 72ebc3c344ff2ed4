"""Shell: a table's data rows written as sheet XML text, as XlsxWriter would write them.

XlsxWriter spends ≈ 4 µs on every cell (a call, a check, a tuple, then the XML). A nationwide
report has over a million cells, so `report.write_rows` goes through here for a worksheet in
XlsxWriter's constant_memory mode: each row is written as text straight into the worksheet's
row file — the same `<row>` and `<c>` elements, the same style indices (taken from the formats
in the order XlsxWriter would take them), the same inline strings (XlsxWriter's own escaping).
Only the text of a number differs: XlsxWriter writes 16 significant digits of the float
(843127.3199999999, which now and then reads back as a float a few ulp away); here a number is
the shortest text that reads back as the same float, as Excel writes it (843127.32), and an
amount in øre is written as the exact kroner from the integer, never through a float. The
sheet, the styles and the package around the rows stay XlsxWriter's.

This leans on XlsxWriter internals (the row file, the previous row, the dimensions, a format's
style index). `can_stream` checks they are there; where they are not (another version), or for
rows with links, the caller writes cell by cell. tests/test_report_rows.py compares the two
ways cell by cell.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from xlsxwriter.utility import xl_col_to_name

try:  # XlsxWriter's own tests: a text that needs xml:space="preserve", Excel's length limit
    from xlsxwriter.utility import _preserve_whitespace
    from xlsxwriter.worksheet import _utf16_len, _utf16_truncate
except ImportError:  # another version: `can_stream` says no, the rows go cell by cell
    _preserve_whitespace = None

from xl_underskud.outputs.tables import OutKind, OutTable, cell_value

_EXCEL_EPOCH_ORDINAL = date(1899, 12, 31).toordinal()  # day 0 of Excel's 1900 date system
# The øre of an amount as the decimals of its kroner: 0 → "", 5 → ".05", 50 → ".5", 55 → ".55".
_DECIMALS = [""] + [f".{n:02d}".rstrip("0") for n in range(1, 100)]
_ATTRIBUTES = ("row_data_fh", "previous_row", "dim_rowmin", "dim_rowmax", "dim_colmin",
               "dim_colmax", "table", "_write_single_row", "_escape_control_characters",
               "_escape_data", "xls_strmax", "_check_dimensions", "_convert_date_time")


def can_stream(ws) -> bool:
    """Whether `ws` is an XlsxWriter worksheet in constant_memory mode whose internals this
    module knows."""
    return (_preserve_whitespace is not None
            and getattr(ws, "constant_memory", False) and not getattr(ws, "date_1904", True)
            and all(hasattr(ws, name) for name in _ATTRIBUTES)
            and getattr(ws, "row_data_fh", None) is not None)


def _money_text(oere: int) -> str:
    """The exact kroner of an amount in øre, without trailing zeros (123450 → '1234.5', 100 →
    '1', -5 → '-0.05'). Below 10¹⁵ øre it is also the shortest text of the float oere / 100."""
    sign = "-" if oere < 0 else ""
    whole, frac = divmod(abs(oere), 100)
    if not frac:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:02d}".rstrip("0")


class _Styles:
    """Style index text per format, taken when first used (as XlsxWriter takes it when it
    writes the cell), so the styles part numbers the formats in the same order."""

    def __init__(self):
        self._index: dict[int, str] = {}

    def __call__(self, fmt) -> str:
        key = id(fmt)
        text = self._index.get(key)
        if text is None:
            text = self._index[key] = str(fmt._get_xf_index())
        return text


class _Strings:
    """The `<c>` tail of an inline string as XlsxWriter writes it in constant_memory mode
    (truncation to Excel's limit, control characters as _xHHHH_, whitespace kept, XML
    escapes), per distinct text."""

    def __init__(self, ws):
        self.ws = ws
        self._tails: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        tail = self._tails.get(text)
        if tail is None:
            ws, string = self.ws, text
            limit = ws.xls_strmax
            if len(string) > limit // 2 and _utf16_len(string) > limit:
                string = _utf16_truncate(string, limit)
            string = ws._escape_control_characters(string)
            if string.startswith("<r>") and string.endswith("</r>"):
                tail = f' t="inlineStr"><is>{string}</is></c>'
            else:
                space = ' xml:space="preserve"' if _preserve_whitespace(string) else ""
                tail = f' t="inlineStr"><is><t{space}>{ws._escape_data(string)}</t></is></c>'
            self._tails[text] = tail
        return tail


def _number(value) -> str:
    """A number as the shortest text that reads back as the same float (Python's repr, as
    Excel writes numbers), a whole number without a decimal point: 0.5, 2571.685, 44724."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def stream_rows(ws, fm, table: OutTable, first_row: int, wrap_width: float = 60) -> None:
    """`report.write_rows(ws, fm, table, first_row, wrap_width)` for a worksheet that
    `can_stream`: the same cells, written as text."""
    style, strings = _Styles(), _Strings(ws)
    subtotals = table.subtotal_rows
    letters = [xl_col_to_name(c) for c in range(len(table.columns))]
    plan = [(letters[c], col.kind, col.kind is OutKind.MONEY, fm.get(col.kind, fm["text"]),
             fm["wrap" if col.width >= wrap_width else "text"])
            for c, col in enumerate(table.columns)]
    date_format = fm[OutKind.DATE]
    plain = fm["subtotal", None]
    subtotal_plan = [(letters[c], col.kind, fm.get(("subtotal", col.kind), plain))
                     for c, col in enumerate(table.columns)]

    # XlsxWriter still holds the rows above (the header): write them out first, as it would
    # when a cell of `first_row` is written.
    if first_row > ws.previous_row:
        ws._write_single_row(first_row)
    out = ws.row_data_fh
    write = out.write
    last_written = None
    columns = range(len(plan))
    # a column's style index for its numbers and for its texts, once known (see _Styles)
    number_xf: list[str | None] = [None] * len(plan)
    text_xf: list[str | None] = [None] * len(plan)
    date_xf = None

    for n, row in enumerate(table.rows):
        r = first_row + n
        ref = str(r + 1)
        cells = []
        if n in subtotals:
            for (letter, kind, number_format), value in zip(subtotal_plan, row):
                v = cell_value(kind, value)
                if v is None:
                    cells.append(f'<c r="{letter}{ref}" s="{style(plain)}"/>')
                elif isinstance(v, str):
                    cells.append(f'<c r="{letter}{ref}" s="{style(plain)}"{strings(v)}')
                elif isinstance(v, (date, datetime)):
                    cells.append(f'<c r="{letter}{ref}" s="{style(fm["subtotal", OutKind.DATE])}">'
                                 f'<v>{_number(ws._convert_date_time(v))}</v></c>')
                else:
                    cells.append(f'<c r="{letter}{ref}" s="{style(number_format)}">'
                                 f'<v>{_number(_finite(v))}</v></c>')
        else:
            for c, (letter, kind, money, number_format, text_format), value in zip(
                    columns, plan, row):
                if value is None:
                    continue
                t = type(value)
                if t is str:
                    xf = text_xf[c]
                    if xf is None:
                        xf = text_xf[c] = style(text_format)
                    cells.append(f'<c r="{letter}{ref}" s="{xf}"{strings(value)}')
                    continue
                if t is date:
                    if date_xf is None:
                        date_xf = style(date_format)
                    serial = value.toordinal() - _EXCEL_EPOCH_ORDINAL
                    cells.append(f'<c r="{letter}{ref}" s="{date_xf}">'
                                 f'<v>{serial + 1 if serial > 59 else serial}</v></c>')
                    continue
                if t is int or t is Decimal:
                    xf = number_xf[c]
                    if xf is None:
                        xf = number_xf[c] = style(number_format)
                    if t is Decimal:
                        text = _number(_finite(float(value.scaleb(-2) if money else value)))
                    elif not money:
                        text = str(value)
                    elif value >= 0:
                        whole, frac = divmod(value, 100)
                        text = f"{whole}{_DECIMALS[frac]}"
                    else:
                        whole, frac = divmod(-value, 100)
                        text = f"-{whole}{_DECIMALS[frac]}"
                    cells.append(f'<c r="{letter}{ref}" s="{xf}"><v>{text}</v></c>')
                    continue
                v = cell_value(kind, value)
                if isinstance(v, (date, datetime)):
                    cells.append(f'<c r="{letter}{ref}" s="{style(date_format)}">'
                                 f'<v>{_number(ws._convert_date_time(v))}</v></c>')
                elif isinstance(v, str):
                    cells.append(f'<c r="{letter}{ref}" s="{style(text_format)}"{strings(v)}')
                else:
                    cells.append(f'<c r="{letter}{ref}" s="{style(number_format)}">'
                                 f'<v>{_number(_finite(v))}</v></c>')
        if cells:
            write(f'<row r="{ref}">{"".join(cells)}</row>')
            last_written = r

    if last_written is not None:  # what XlsxWriter's cell checks would have recorded
        used = [c for c in columns if subtotals or any(row[c] is not None for row in table.rows)]
        for r in (first_row, last_written):
            ws._check_dimensions(r, used[0])
            ws._check_dimensions(r, used[-1])
        ws.previous_row = last_written
        ws.table.clear()


def _finite(number):
    """A number XlsxWriter would write (it refuses NaN and infinity in write_number)."""
    if number != number or number in (float("inf"), float("-inf")):
        raise TypeError("NAN/INF not supported in write_number() without 'nan_inf_to_errors' "
                        "Workbook() option")
    if type(number) is bool:  # XlsxWriter writes True as 1
        return int(number)
    return number
