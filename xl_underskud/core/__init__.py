"""The functional core: what the underskudsgaranti *is*, with no file, no Excel and no network.

Lives here:
- `records.py` — the immutable typed records the rules work on, and `Message` (problems are
  values that carry sheet, row and column; they are collected, never raised one by one);
- `declarations.py` — the one declaration of every input table and setting (headers, types,
  ranges, defaults, help texts); the reader, the parser, the checks, the workbook builder and the
  Excel data validation are all driven by it;
- `grid.py` → `parse.py` → `checks.py` — from a grid of cell values to typed, checked inputs
  (`grid.py` is the one path every shell takes; an Excel error value is an `ExcelError`);
- `rules/` — the rules of SPEC.md, one file each (windows, vacancy, amounts, distribution,
  settlement, exposure, rates);
- `engine.py` — parse, check and compute in the right order, every problem at once;
- `municipalities.py`, `dates.py`, `cpr.py`, `stay_columns.py` — reference data and helpers.

May import: the standard library (no network, no files but the bundled reference data) and
numpy. Never pandas (its import alone would double the start-up of `valider`), xlwings,
openpyxl, XlsxWriter, python-calamine, fpdf, urllib/http or any other folder of this package
(checked by `lint-imports`, see `.importlinter`).
"""
