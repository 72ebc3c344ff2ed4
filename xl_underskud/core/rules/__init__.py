"""The rules of the model (SPEC.md), one file per rule:

| rule | file |
|---|---|
| 3 guarantee window per place | `windows.py` |
| 4 paid and vacant days | `vacancy.py` |
| 5–6 amount, rounded once | `amounts.py` |
| 7 distribution by population (largest remainder) | `distribution.py` |
| 1, 8 who pays, net position; the settlement put together | `settlement.py` |
| 9 exposure estimate | `exposure.py` |
| 10 daily rate, takst cap, overhead norm | `rates.py` |

(Rule 2 and the integrity of the input tables are checked in `core/checks.py`, rule 11 in
`core/cpr.py`.)

May import: the rest of `xl_underskud.core` except `engine`, the standard library and numpy.
Nothing that reads or writes files, and no pandas (see `xl_underskud/core/__init__.py`).
"""
