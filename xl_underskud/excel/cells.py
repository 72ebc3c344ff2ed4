"""One cell as xlwings hands it over → the plain value the core reads.

Read with `err_to_str=True`, xlwings gives the classic error values as text (#N/A, #DIV/0! …),
in classic Excel and in the add-in alike, and the core reads such text as the error. Without
it they would arrive as None — an empty cell — which is why every read here asks for it. The
newer error values (#SPILL!, #CALC! …) reach classic xlwings from COM as the VARIANT error code
itself, an integer 0x800A0000 + Excel's XlCVError number; they become `ExcelError`s here.
pandas gives an empty cell of a range argument as NaN (NaT) and a date as a Timestamp.
"""
from __future__ import annotations

from datetime import datetime

from xl_underskud.core.parse import ExcelError

READ = {"ndim": 2, "err_to_str": True}  # the options for every range read

_COM_ERROR = -2146828288  # 0x800A0000 as a signed 32-bit integer
_XL_CV_ERROR = {2000: "#NULL!", 2007: "#DIV/0!", 2015: "#VALUE!", 2023: "#REF!", 2029: "#NAME?",
                2036: "#NUM!", 2042: "#N/A", 2043: "#GETTING_DATA", 2045: "#SPILL!",
                2046: "#CONNECT!", 2047: "#BLOCKED!", 2048: "#UNKNOWN!", 2049: "#FIELD!",
                2050: "#CALC!"}


def plain(value):
    """None for an empty cell, an `ExcelError` for a COM error code, else the value itself
    (an error's text stays text: the core knows it)."""
    if value is None or (isinstance(value, (float, datetime)) and value != value):
        return None  # NaN and NaT: pandas' empty cell
    if isinstance(value, int) and not isinstance(value, bool):
        code = _XL_CV_ERROR.get(value - _COM_ERROR)
        return ExcelError(code) if code else value
    if isinstance(value, datetime) and type(value) is not datetime:  # pandas.Timestamp
        return value.to_pydatetime()
    return value


def grid_rows(values) -> list[list]:
    """A range's value (scalar, flat list or list of rows) as a list of rows of plain values."""
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        return [[plain(values)]]
    if values and not isinstance(values[0], (list, tuple)):
        return [[plain(v) for v in values]]
    return [[plain(v) for v in row] for row in values]
