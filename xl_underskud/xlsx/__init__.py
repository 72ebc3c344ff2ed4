"""Shell: Excel files on disk (.xlsx/.xlsm), read and written without Excel.

- `reader.py` — a workbook file → the core's `RawWorkbook` (python-calamine, plus the package
  XML for defined names, cached error values and uncached formulas; tables are read by
  `core.grid.read_table`); the input file is only ever read;
- `template.py` — the standard workbook built from `core/declarations.py` (XlsxWriter);
- `example.py` — the bundled example's data, written through the template;
- `report.py`, `statements.py` — output tables rendered as report and statement workbooks;
- `webextension.py` — the web extension part that opens the add-in's task pane with the
  standard workbook (added to the finished package; XlsxWriter cannot write it);
- `atomic.py` — every file is written beside its target and moved into place when complete.

May import: `xl_underskud.outputs`, `xl_underskud.core`, XlsxWriter, python-calamine.
"""
