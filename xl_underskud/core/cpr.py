"""Privacy (SPEC rule 11): find values that look like a Danish CPR number.

A CPR number is DDMMYY-SSSS or DDMMYYSSSS where DDMMYY is a valid date. The workbook goes to
29 municipalities, so such a value is an error wherever it stands; the message names the cell
and never repeats the value.
"""
from __future__ import annotations

import re
from datetime import date

_CPR = re.compile(r"(?<![\d-])(\d{2})(\d{2})(\d{2})-?(\d{4})(?![\d-])")


def _valid_ddmmyy(dd: str, mm: str, yy: str) -> bool:
    # The century is not in the number; a day that exists in either century counts
    # (29-02-00 exists in 2000).
    for century in (1900, 2000):
        try:
            date(century + int(yy), int(mm), int(dd))
            return True
        except ValueError:
            continue
    return False


def looks_like_cpr(value: object) -> bool:
    """True when the cell value is or contains something shaped like a CPR number."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not value.is_integer():
            return False
        n = int(value)
        # A number cell drops a leading zero: 0101901234 is stored as 101901234.
        if not (100_000_000 <= n <= 9_999_999_999):
            return False
        text = f"{n:010d}"
    elif isinstance(value, str):
        text = value
        if len(text) < 10:
            return False
    else:
        return False
    for m in _CPR.finditer(text):
        if _valid_ddmmyy(m.group(1), m.group(2), m.group(3)):
            return True
    return False
