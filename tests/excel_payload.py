"""Office.js book payload <-> .xlsx, for testing xlwings Server scripts without Excel.

payload_from_xlsx(path) -> dict   mimics xlwings-server 1.20.0 static/js/custom-scripts/index.js
                                  getBookData() (what the add-in POSTs to custom-scripts-call)
apply_actions(path_in, actions, path_out)  applies book.json()["actions"] (what the add-in's
                                  runActions() would do in Excel) onto a file with openpyxl.
set_named_cell(payload, name, v) writes v into the cell a defined name refers to (in the payload).
run_remote(path, entry) -> dict   runs entry(book) on the file's payload through xlwings'
                                  remote engine and returns book.json() (the actions).

Tested with xlwings 0.37.8, xlwings-server 1.20.0, openpyxl 3.1.x.
"""
from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import openpyxl
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.defined_name import DefinedName

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}$")


# --------------------------------------------------------------------------------------
# xlsx -> payload
# --------------------------------------------------------------------------------------
def _js_value(v):
    """Cell value as Office.js delivers it in range.values after convertDateValues()."""
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        # JS: new Date(serial->ms).toISOString()  ->  "2024-01-31T00:00:00.000Z"
        return v.strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.microsecond // 1000:03d}Z"
    if isinstance(v, dt.date):
        return v.strftime("%Y-%m-%dT00:00:00.000Z")
    if isinstance(v, dt.time):  # time-only cells: Excel serial fraction, JS gives 1899-12-30
        return f"1899-12-30T{v.strftime('%H:%M:%S')}.000Z"
    if isinstance(v, dt.timedelta):
        return v.total_seconds() / 86400
    return v  # str, int, float, bool, error strings like "#DIV/0!"


def _values_used_range(ws):
    """(min_row, min_col, max_row, max_col) of cells holding a value, or None (empty sheet).

    Office.js getUsedRangeOrNullObject(valuesOnly=true): formatting-only cells don't count.
    """
    rows, cols = [], []
    for row in ws.iter_rows():
        for c in row:
            if c.value is not None:
                rows.append(c.row)
                cols.append(c.column)
    if not rows:
        return None
    return min(rows), min(cols), max(rows), max(cols)


def _addr(r1, c1, r2, c2):
    a = f"{get_column_letter(c1)}{r1}"
    b = f"{get_column_letter(c2)}{r2}"
    return a if a == b else f"{a}:{b}"


def _table_entry(t):
    c1, r1, c2, r2 = range_boundaries(t.ref)
    header = (t.headerRowCount is None) or t.headerRowCount > 0
    totals = bool(t.totalsRowCount)
    body_r1 = r1 + (1 if header else 0)
    body_r2 = r2 - (1 if totals else 0)
    si = t.tableStyleInfo
    return {
        "name": t.displayName or t.name,
        "range_address": _addr(r1, c1, r2, c2),
        "row_count": r2 - r1 + 1,
        "column_count": c2 - c1 + 1,
        "columns": [col.name for col in t.tableColumns],
        "header_row_range_address": _addr(r1, c1, r1, c2) if header else None,
        "data_body_range_address": _addr(body_r1, c1, body_r2, c2),
        "total_row_range_address": _addr(r2, c1, r2, c2) if totals else None,
        "show_headers": header,
        "show_totals": totals,
        "table_style": si.name if si is not None else None,
        "show_autofilter": t.autoFilter is not None,
        "show_table_style_first_column": bool(si and si.showFirstColumn),
        "show_table_style_last_column": bool(si and si.showLastColumn),
        "show_table_style_row_stripes": bool(si and si.showRowStripes),
        "show_table_style_column_stripes": bool(si and si.showColumnStripes),
    }


def _names(wb):
    """Book- and sheet-scoped defined names, in readNamedItems() shape."""
    sheet_ix = {ws.title: i for i, ws in enumerate(wb.worksheets)}
    out = []

    def entry(dn, scope_ws=None):
        refers_to = "=" + dn.attr_text
        sheet_index = address = None
        dests = list(dn.destinations) if dn.type == "RANGE" or "!" in dn.attr_text else []
        if len(dests) == 1 and dests[0][0] in sheet_ix:
            sheet_index = sheet_ix[dests[0][0]]
            address = dests[0][1].replace("$", "")
        return {
            "name": dn.name,
            "refers_to": refers_to,
            "type": "Range" if address else "String",
            "sheet_index": sheet_index,
            "address": address,
            "scope_sheet_name": scope_ws.title if scope_ws is not None else None,
            "scope_sheet_index": sheet_ix[scope_ws.title] if scope_ws is not None else None,
            "book_scope": scope_ws is None,
        }

    for dn in wb.defined_names.values():  # openpyxl >= 3.1: dict-like
        if dn.name.startswith("_xlnm."):
            continue
        out.append(entry(dn))
    for ws in wb.worksheets:
        for dn in ws.defined_names.values():
            if dn.name.startswith("_xlnm."):
                continue
            out.append(entry(dn, ws))
    return out


def payload_from_xlsx(path, selection: str | None = None, include=None, exclude=None) -> dict:
    """Build the JSON payload that the xlwings Server add-in POSTs for a custom script.

    Formulas are sent as their *cached* values (data_only=True), as Excel would; a formula
    without a cached value (e.g. written by openpyxl and never recalculated) becomes "".
    """
    import xlwings as xw

    path = Path(path)
    wb = openpyxl.load_workbook(path, data_only=True)
    active_ix = wb.worksheets.index(wb.active) if wb.active in wb.worksheets else 0
    if selection is None:
        try:
            selection = wb.worksheets[active_ix].sheet_view.selection[0].sqref or "A1"
        except (IndexError, AttributeError):
            selection = "A1"
        selection = str(selection).split(" ")[0].replace("$", "")
    if include and exclude:
        raise ValueError("Either use 'include' or 'exclude', but not both!")
    excluded = set(exclude or [])
    if include:
        excluded |= {ws.title for ws in wb.worksheets if ws.title not in include}

    sheets = []
    for ws in wb.worksheets:
        skip = ws.title in excluded
        used = _values_used_range(ws)
        if skip:
            values = [[]]
        else:
            # eagerValueRangeAddress(): values are always anchored at A1
            max_r, max_c = (used[2], used[3]) if used else (1, 1)
            values = [
                [_js_value(ws.cell(r, c).value) for c in range(1, max_c + 1)]
                for r in range(1, max_r + 1)
            ]
        notes = [] if skip else [
            {"address": c.coordinate} for row in ws.iter_rows() for c in row if c.comment
        ]
        print_area = ws.print_area
        if print_area:
            print_area = ",".join(a.split("!")[-1].replace("$", "") for a in print_area.split(","))
        state = {"visible": "Visible", "hidden": "Hidden", "veryHidden": "VeryHidden"}
        sheets.append({
            "name": ws.title,
            "visibility": state.get(ws.sheet_state, "Visible"),
            "show_gridlines": bool(ws.sheet_view.showGridLines in (None, True)),
            "print_area": print_area or None,
            "notes": notes,
            "notes_supported": True,
            "used_range_address": _addr(*used) if used else None,
            "used_range_row_count": (used[2] - used[0] + 1) if used else 0,
            "used_range_column_count": (used[3] - used[1] + 1) if used else 0,
            "values": values,
            "pictures": [],   # not modelled (openpyxl drops images it can't read anyway)
            "shapes": [],
            "charts": [],
            "tables": [] if skip else [_table_entry(t) for t in ws.tables.values()],
            "pivot_tables": [],
        })

    return {
        "client": "Office.js",
        "version": xw.__version__,
        "book": {
            "name": path.name,
            "active_sheet_index": active_ix,
            "selection": selection,
            "calculation": "Automatic",
        },
        "names": _names(wb),
        "sheets": sheets,
    }


def set_named_cell(payload: dict, name: str, value) -> None:
    """Write `value` into the cell a defined name refers to, in the payload's sheet values."""
    entry = next(n for n in payload["names"] if n["name"] == name)
    col, row, _, _ = range_boundaries(entry["address"])
    payload["sheets"][entry["sheet_index"]]["values"][row - 1][col - 1] = value



# --------------------------------------------------------------------------------------
# actions -> xlsx
# --------------------------------------------------------------------------------------
# Every action name the xlwings-server 1.20.0 client understands (index.js `funcs`):
ALL_ACTIONS = """setValues setFormula setFormulaArray setColumnWidth setRowHidden setColumnHidden
setRowHeight setWrapText addSheet setSheetName setSheetPosition setSheetVisibility
setShowGridlines setAutofit setSheetAutofit setPrintArea copySheet setRangeColor setRangeColors
activateSheet calculate save setCalculation setScreenUpdating addHyperlink setNumberFormat
setPictureName setPictureWidth addChart setChartName setChartType setChartSourceData
setChartXAxisValues setChartPosition deleteChart setChartTitle setChartAxis setChartSeries
setChartLegend setChartPlotBy setChartStyle addPivotTable setPivotTableName addPivotField
removePivotField addPivotValueField setPivotValueField removePivotValueField setPivotLayout
refreshPivotTable deletePivotTable setNoteText addNote deleteNote addComment setCommentText
setCommentResolved addCommentReply deleteComment setShapeName setShapeLeft setShapeTop
setShapeWidth setShapeHeight setShapeText setShapeFontProperty deleteShape scaleShape
setPictureLeft setPictureTop setPictureLockAspectRatio setPictureHeight deletePicture addPicture
updatePicture alert setRangeName namesAdd setNameRefersTo nameDelete runMacro rangeDelete
rangeInsert rangeSelect rangeClearContents rangeClearFormats rangeMerge rangeUnmerge
rangeAutofill rangeGroup rangeUngroup rangeClear rangeSort rangeRemoveDuplicates rangeReplaceAll
rangeAdjustIndent addTable addTableRow deleteTableRow addTableColumn deleteTableColumn
applyAutoFilterRange clearAutoFilterRange applyAutoFilterTable clearAutoFilterTable
setTableName resizeTable tableSort showAutofilterTable showHeadersTable showTotalsTable
showTableStyleFirstColumn showTableStyleLastColumn showTableStyleRowStripes
showTableStyleColumnStripes setTableStyle copyRange copyFromRange moveRange sheetDelete
sheetClear sheetClearFormats sheetClearContents freezePaneAtRange freezePaneUnfreeze
setFontProperty setBorderProperty setDataValidationList setDataValidationRule
deleteDataValidation clearConditionalFormats deleteConditionalFormat addConditionalFormat
setConditionalFormat setHorizontalAlignment setVerticalAlignment""".split()

# Actions with no effect on a saved file (UI-only) - accepted and ignored.
NOOP_ACTIONS = {"alert", "calculate", "save", "setCalculation", "setScreenUpdating",
                "rangeSelect", "runMacro"}


def _cells(ws, a):
    r0, c0 = a["start_row"] + 1, a["start_column"] + 1
    for r in range(r0, r0 + a["row_count"]):
        for c in range(c0, c0 + a["column_count"]):
            yield ws.cell(r, c)


def _excel_value(v):
    """What Excel does with a value assigned through Office.js range.values."""
    if v == "" or v is None:
        return None
    if isinstance(v, str):
        if _ISO_DATE.match(v):
            return dt.date.fromisoformat(v)
        if _ISO_DATETIME.match(v):
            return dt.datetime.fromisoformat(v.replace("T", " "))
    return v  # "=..." strings become formulas in Excel and in openpyxl alike


def _fmt_ws_ref(address: str) -> str:
    return address.replace("$", "")


def apply_actions(path_in, actions, path_out, strict: bool = True) -> list[str]:
    """Apply book.json() (or its "actions" list) to path_in with openpyxl, save to path_out.

    Returns the list of applied action names. strict=True raises NotImplementedError for an
    action this helper doesn't model (instead of silently dropping it).
    """
    if isinstance(actions, dict):
        actions = actions["actions"]
    path_in, path_out = Path(path_in), Path(path_out)
    wb = openpyxl.load_workbook(path_in, keep_vba=path_in.suffix.lower() == ".xlsm")
    done = []
    for a in actions:
        f, args = a["func"], a.get("args") or []
        pos = a.get("sheet_position")
        ws = wb.worksheets[pos] if pos is not None else None

        if f == "setValues":
            vals = a["values"]
            r0, c0 = a["start_row"] + 1, a["start_column"] + 1
            for i, row in enumerate(vals):
                for j, v in enumerate(row):
                    cell = ws.cell(r0 + i, c0 + j)
                    cell.value = _excel_value(v)
                    if isinstance(cell.value, dt.datetime) and cell.number_format == "General":
                        cell.number_format = "yyyy-mm-dd hh:mm:ss"
                    elif isinstance(cell.value, dt.date) and cell.number_format == "General":
                        cell.number_format = "yyyy-mm-dd"
        elif f == "setFormula":
            vals = a["values"]
            if not isinstance(vals, list):  # scalar for a bigger range
                for cell in _cells(ws, a):
                    cell.value = vals  # NB: Excel would adjust relative refs
            else:
                r0, c0 = a["start_row"] + 1, a["start_column"] + 1
                for i, row in enumerate(vals):
                    for j, v in enumerate(row):
                        ws.cell(r0 + i, c0 + j).value = v
        elif f == "addSheet":
            ix, name = args[0], (args[1] if len(args) > 1 else None)
            if name is None:
                n = len(wb.worksheets) + 1
                while f"Sheet{n}" in wb.sheetnames:
                    n += 1
                name = f"Sheet{n}"
            wb.create_sheet(title=str(name), index=int(ix))
        elif f == "setSheetName":
            ws.title = str(args[0])
        elif f == "setSheetPosition":
            wb.move_sheet(ws, offset=int(args[0]) - pos)
        elif f == "setSheetVisibility":
            ws.sheet_state = {"Visible": "visible", "Hidden": "hidden",
                              "VeryHidden": "veryHidden"}[args[0]]
        elif f == "setShowGridlines":
            ws.sheet_view.showGridLines = bool(args[0])
        elif f == "activateSheet":
            wb.active = int(args[0])
        elif f == "sheetDelete":
            wb.remove(ws)
        elif f in ("sheetClear", "sheetClearContents", "sheetClearFormats"):
            for row in ws.iter_rows():
                for cell in row:
                    if f != "sheetClearFormats":
                        cell.value = None
                    if f != "sheetClearContents":
                        cell.style = "Normal"
        elif f == "resizeTable":
            table = list(ws.tables.values())[int(args[0])]
            table.ref = _fmt_ws_ref(str(args[1]).split("!")[-1])
            if table.autoFilter is not None:
                table.autoFilter.ref = table.ref
        elif f in ("rangeClear", "rangeClearContents", "rangeClearFormats"):
            for cell in _cells(ws, a):
                if f != "rangeClearFormats":
                    cell.value = None
                if f != "rangeClearContents":
                    cell.style = "Normal"
        elif f == "setNumberFormat":
            for cell in _cells(ws, a):
                cell.number_format = str(args[0])
        elif f == "setRangeColor":
            for cell in _cells(ws, a):
                cell.fill = (PatternFill(fill_type=None) if args[0] is None else
                             PatternFill("solid", fgColor=args[0].lstrip("#").upper()))
        elif f == "setFontProperty":
            prop, val = args[0], args[1]
            key = {"bold": "b", "italic": "i", "size": "sz", "name": "name",
                   "color": "color"}[prop]
            if prop == "color":
                val = val.lstrip("#").upper()
            for cell in _cells(ws, a):
                font = copy.copy(cell.font)
                setattr(font, key, val)
                cell.font = font
        elif f in ("setWrapText", "setHorizontalAlignment", "setVerticalAlignment"):
            for cell in _cells(ws, a):
                al = cell.alignment
                if f == "setWrapText":
                    cell.alignment = al.copy(wrap_text=bool(args[0]))
                elif f == "setHorizontalAlignment":
                    h = {"CenterAcrossSelection": "centerContinuous"}.get(
                        args[0], args[0][0].lower() + args[0][1:])
                    cell.alignment = al.copy(horizontal=h)
                else:
                    cell.alignment = al.copy(vertical=args[0].lower())
        elif f == "setColumnWidth":  # Office.js: points; openpyxl: characters (~5.25 pt each)
            c0 = a["start_column"] + 1
            for c in range(c0, c0 + a["column_count"]):
                ws.column_dimensions[get_column_letter(c)].width = float(args[0]) / 5.25
        elif f == "setRowHeight":  # points both sides
            r0 = a["start_row"] + 1
            for r in range(r0, r0 + a["row_count"]):
                ws.row_dimensions[r].height = float(args[0])
        elif f in ("setRowHidden", "setColumnHidden"):
            if f == "setRowHidden":
                for r in range(a["start_row"] + 1, a["start_row"] + 1 + a["row_count"]):
                    ws.row_dimensions[r].hidden = bool(args[0])
            else:
                for c in range(a["start_column"] + 1,
                               a["start_column"] + 1 + a["column_count"]):
                    ws.column_dimensions[get_column_letter(c)].hidden = bool(args[0])
        elif f in ("setAutofit", "setSheetAutofit"):
            if args[0] == "columns":  # crude: longest text in each column
                c_lo, c_hi = ((a["start_column"] + 1, a["start_column"] + a["column_count"])
                              if f == "setAutofit" else (1, ws.max_column))
                for c in range(c_lo, c_hi + 1):
                    longest = max((len(str(ws.cell(r, c).value)) for r in range(1, ws.max_row + 1)
                                   if ws.cell(r, c).value is not None), default=8)
                    ws.column_dimensions[get_column_letter(c)].width = min(longest + 2, 80)
        elif f == "rangeMerge":
            r0, c0 = a["start_row"] + 1, a["start_column"] + 1
            r1, c1 = r0 + a["row_count"] - 1, c0 + a["column_count"] - 1
            if args and args[0]:  # across: one merge per row
                for r in range(r0, r1 + 1):
                    ws.merge_cells(start_row=r, start_column=c0, end_row=r, end_column=c1)
            else:
                ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)
        elif f == "rangeUnmerge":
            r0, c0 = a["start_row"] + 1, a["start_column"] + 1
            ref = _addr(r0, c0, r0 + a["row_count"] - 1, c0 + a["column_count"] - 1)
            for mr in list(ws.merged_cells.ranges):
                if str(mr) == ref or mr.coord == ref:
                    ws.unmerge_cells(str(mr))
        elif f == "setRangeName":
            r0, c0 = a["start_row"] + 1, a["start_column"] + 1
            ref = _addr(r0, c0, r0 + a["row_count"] - 1, c0 + a["column_count"] - 1)
            c1_, r1_, c2_, r2_ = range_boundaries(ref)
            abs_ref = f"${get_column_letter(c1_)}${r1_}" + (
                f":${get_column_letter(c2_)}${r2_}" if ref.count(":") else "")
            wb.defined_names[str(args[0])] = DefinedName(
                str(args[0]), attr_text=f"'{ws.title}'!{abs_ref}")
        elif f == "namesAdd":
            name, refers_to = str(args[0]), str(args[1]).lstrip("=")
            target = ws.defined_names if ws is not None else wb.defined_names
            target[name] = DefinedName(name, attr_text=refers_to)
        elif f == "nameDelete":
            plain = str(args[2])
            for coll in [wb.defined_names] + [w.defined_names for w in wb.worksheets]:
                if plain in coll:
                    del coll[plain]
                    break
        elif f == "addHyperlink":
            for cell in _cells(ws, a):
                cell.hyperlink = str(args[0])
                if args[1]:
                    cell.value = str(args[1])
        elif f == "freezePaneAtRange":
            _, _, c2, r2 = range_boundaries(_fmt_ws_ref(str(args[0])))
            ws.freeze_panes = f"{get_column_letter(c2 + 1)}{r2 + 1}"
        elif f == "freezePaneUnfreeze":
            ws.freeze_panes = None
        elif f == "setPrintArea":
            ws.print_area = args[0] if args[0] else None
        elif f in NOOP_ACTIONS:
            pass
        elif strict:
            raise NotImplementedError(f"apply_actions: action {f!r} not modelled")
        else:
            continue
        done.append(f)
    wb.save(path_out)
    return done


def run_remote(path, entry) -> dict:
    """Run a script on the file through the remote engine; returns the actions."""
    import xlwings as xw

    book = xw.Book(json=payload_from_xlsx(path))
    try:
        book.set_mock_caller()
        entry(book)
        return book.json()
    finally:
        book.close()
