"""What the product shows, as data: report tables, statements, JSON and Danish display formats.

- `tables.py` — the output sheets (Resultat, Tomgang, Fordeling, Fordelingsnøgle,
  Kommuneoversigt, Eksponering, Takstkontrol, Fejl) as `OutTable`s (subtotal rows and the
  continuation of a table past Excel's row limit included), and the output column kinds
  (`OutKind`), each with its one Excel number format, alignment and Danish text;
- `statements.py` — the statements (opgørelser) per municipality and operator;
- `jsonout.py` — the machine-readable formats `xl-underskud/afregning@…` and `fejl@…`;
- `display.py` — Danish money, number and percent texts.

Every renderer (XlsxWriter report and statements, PDF, the sheets the add-in writes) draws these
same tables; nothing here knows how.

May import: `xl_underskud.core` and the standard library. Never a renderer (XlsxWriter, fpdf,
openpyxl, xlwings) nor a shell folder of this package.
"""
