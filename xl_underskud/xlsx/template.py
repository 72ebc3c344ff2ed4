"""Shell: build the standard workbook from the declarations in `core/declarations.py`.

The same declarations drive the reader, the parser and the checks, so a header, a table name,
a range or an allowed value is written down once: the Excel data validation (`validation`) and
the Vejledning sheet's description (`guide_text`) are derived from them. `build_workbook` makes both the empty standard workbook
(`skabelon`) and a filled one (`eksempel`, the benchmark generator).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from xl_underskud.xlsx.atomic import atomic_target
from xl_underskud.xlsx.report import TEXT_ONLY
from xl_underskud.xlsx.webextension import add_task_pane
from xl_underskud.core import municipalities as muni
from xlsxwriter.utility import xl_rowcol_to_cell

from xl_underskud.core.declarations import (ALL_TABLES, BEFOLKNING, DAEKNING, DATE_MAX, DATE_MIN,
                                            DEFAULT_COVERAGE, DEFAULT_COVERAGE_SHARE,
                                            DEFAULT_GUARANTEE_YEARS, FORMAT_VERSION,
                                            FORMAT_VERSION_PROPERTY, GUIDE_SHEET, LIST_SHEET,
                                            OMKOSTNINGER, PLINDEKS, RATE_SHEET, SETTINGS,
                                            SETTINGS_SHEET, SHEET_BUTTONS, WORKBOOK_SHEETS, Column,
                                            Kind, Table, guide_lines, percent_text)

TITLE_ROW, INTRO_ROW, HEADER_ROW = 0, 1, 3  # 0-based: title in row 1, table header in row 4
FIRST_DATA_ROW = HEADER_ROW + 1
VALIDATION_ROWS = 5000  # data validation reaches this far below the header
SETTINGS_COLUMN = 4  # E: labels in D, values in E
PL_COLUMN = 8  # tblPLIndeks beside tblOmkostninger, from column I
FIXED_TIMESTAMP = datetime(2024, 1, 1)  # document properties: a rebuild gives the same file


def guide_text() -> list[tuple[str, str]]:
    """The Vejledning sheet as (text, style) lines; what to fill in where, and the model's
    defaults, come from the declarations."""
    years, share = DEFAULT_GUARANTEE_YEARS, percent_text(DEFAULT_COVERAGE_SHARE)
    return [
        ("Underskudsgaranti for nye pladser", "title"),
        ("Standardregneark for økonomimodellen i KKR Hovedstaden (forpligtende købsaftaler med "
         "underskudsgaranti).", "text"),
        ("", "text"),
        ("Sådan virker garantien", "heading"),
        (f"Når en garanteret plads står tom, dækker de betalende kommuner {share} af døgntaksten "
         f"i {years} år fra pladsens ibrugtagning (standard; se Indstillinger). Beløbet fordeles "
         f"efter folketal (befolkningsandele).", "text"),
        ("Et døgn er betalt, når en borger bor på pladsen, eller når den betalende kommune betaler "
         "opsigelsesperioden. Alle andre døgn i garantiperioden er tomme døgn.", "text"),
        ("", "text"),
        ("Hvad udfylder du hvor", "heading"),
        *[(line, "text") for line in guide_lines()],
        ("", "text"),
        ("Gode råd", "heading"),
        ("Skriv datoer som dd-mm-åååå. Skriv beløb som tal (ikke tekst) og procenter med "
         "procenttegn (95 %). Tilføj rækker direkte under tabellerne, så tabellen udvider sig.",
         "text"),
        ("Skriv aldrig navne eller CPR-numre: regnearket deles med 29 kommuner. Brug pseudonyme "
         "opholds-id'er.", "text"),
        ("Beregningen laves af xl-underskud (kommandoen 'xl-underskud beregn FIL' eller knapperne "
         "i tilføjelsesprogrammet). Resultatet skrives i arkene Resultat, Tomgang "
         "(de tomme døgn bag hvert beløb), Fordeling, Kommuneoversigt og Fejl.", "text"),
        ("", "text"),
        ("Kilde til folketal: " + muni.POPULATION_SOURCE + ".", "small"),
    ]


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        base = {"font_name": "Calibri", "font_size": 11}
        self.title = wb.add_format({**base, "bold": True, "font_size": 16, "font_color": "#1F3864"})
        self.heading = wb.add_format({**base, "bold": True, "font_size": 12,
                                      "font_color": "#1F3864"})
        self.text = wb.add_format({**base, "text_wrap": True, "valign": "top"})
        self.small = wb.add_format({**base, "font_size": 9, "italic": True,
                                    "font_color": "#595959"})
        self.intro = wb.add_format({**base, "italic": True, "font_color": "#404040"})
        self.label = wb.add_format({**base, "bold": True})
        self.setting = wb.add_format({**base, "bg_color": "#FFF2CC", "border": 1,
                                      "locked": False})
        self.setting_int = wb.add_format({**base, "bg_color": "#FFF2CC", "border": 1,
                                          "num_format": "0", "locked": False})
        self.header = wb.add_format({**base, "bold": True, "bg_color": "#1F3864",
                                     "font_color": "#FFFFFF", "text_wrap": True,
                                     "valign": "vcenter"})
        self.setting_pct = wb.add_format({**base, "bg_color": "#FFF2CC", "border": 1,
                                          "num_format": "0.0%", "locked": False})
        self.setting_dec = wb.add_format({**base, "bg_color": "#FFF2CC", "border": 1,
                                          "num_format": "0.0", "locked": False})
        self.help = wb.add_format({**base, "font_size": 9, "font_color": "#595959",
                                   "text_wrap": True, "valign": "top"})
        self._cache: dict[str, object] = {}
        self._wb = wb
        self._base = base

    def column(self, column: Column):
        key = column.num_format or ""
        if key not in self._cache:
            props = dict(self._base)
            if column.num_format:
                props["num_format"] = column.num_format
            if column.kind in (Kind.TEXT, Kind.ID, Kind.MUNICIPALITY, Kind.CHOICE):
                props["num_format"] = "@"
            self._cache[key] = self._wb.add_format(props)
        return self._cache[key]


def _cell_value(column: Column, value):
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


def validation(column: Column, cell: str) -> dict:
    """Excel data validation derived from the column's declaration — kind, range, length,
    choices — so that what Excel refuses on entry is what the parser refuses. `cell` is the
    first cell the rule covers (a custom formula is written relative to it)."""
    rule = {"input_title": column.header[:32], "input_message": column.help[:255]}
    kind = column.kind
    if kind.is_number:
        if column.positive and kind != Kind.INTEGER:
            # an exclusive lower bound: Excel's "between" is inclusive, a formula is exact
            rule.update(validate="custom",
                        value=f"=AND(ISNUMBER({cell}),{cell}>0,{cell}<={column.maximum})")
        else:
            low = 1 if column.positive else column.minimum
            rule.update(validate="integer" if kind == Kind.INTEGER else "decimal",
                        criteria="between", minimum=float(low) if kind != Kind.INTEGER else low,
                        maximum=float(column.maximum) if kind != Kind.INTEGER else column.maximum)
        what = "et heltal" if kind == Kind.INTEGER else (
            "en procent" if kind == Kind.PERCENT else "et tal")
        rule.update(error_title=column.header[:32],
                    error_message=f"{column.header}: skriv {what} {column.range_text()}.")
    elif kind == Kind.DATE:
        rule.update(validate="date", criteria="between", minimum=DATE_MIN, maximum=DATE_MAX,
                    error_title=column.header[:32],
                    error_message=f"{column.header}: skriv en dato som dd-mm-åååå mellem "
                                  f"{DATE_MIN:%d-%m-%Y} og {DATE_MAX:%d-%m-%Y}.")
    elif kind in (Kind.CHOICE, Kind.YES_NO):
        rule.update(validate="list", source=list(column.choices), error_title=column.header[:32],
                    error_message=f"{column.header}: vælg en værdi fra listen.")
    elif kind == Kind.MUNICIPALITY:
        # a warning only: the parser accepts the long form ("Gladsaxe Kommune") too
        rule.update(validate="list",
                    source="=lstDriftsherrer" if column.field == "operator" else "=lstKommuner",
                    error_type="warning", error_title=column.header[:32],
                    error_message="Navnet findes ikke på listen over kommuner. Tjek stavningen.")
    else:  # TEXT, ID
        rule.update(validate="length", criteria="<=", value=column.max_length,
                    error_title=column.header[:32],
                    error_message=f"{column.header}: højst {column.max_length} tegn.")
    return rule


def _write_table(ws, fmt: _Formats, table: Table, rows: list[list], first_col: int = 0,
                 title: bool = True):
    if title:
        ws.write(TITLE_ROW, first_col, table.title, fmt.title)
        ws.write(INTRO_ROW, first_col, table.intro, fmt.intro)
    ws.set_row(HEADER_ROW, 30)
    data_rows = rows or [[None] * len(table.columns)]
    last_row = HEADER_ROW + len(data_rows)
    last_col = first_col + len(table.columns) - 1
    ws.add_table(HEADER_ROW, first_col, last_row, last_col, {
        "name": table.name,
        "style": "Table Style Medium 2",
        "columns": [{"header": c.header, "format": fmt.column(c), "header_format": fmt.header}
                    for c in table.columns],
    })
    if not rows:  # the empty data row is part of the sheet: its range covers the table
        for c, column in enumerate(table.columns):
            ws.write_blank(FIRST_DATA_ROW, first_col + c, None, fmt.column(column))
    for r, row in enumerate(rows):
        for c, (column, value) in enumerate(zip(table.columns, row)):
            v = _cell_value(column, value)
            if v is None:
                continue
            cell_format = fmt.column(column)
            if isinstance(v, (date, datetime)):
                ws.write_datetime(FIRST_DATA_ROW + r, first_col + c, v, cell_format)
            elif isinstance(v, str):
                ws.write_string(FIRST_DATA_ROW + r, first_col + c, v, cell_format)
            else:
                ws.write_number(FIRST_DATA_ROW + r, first_col + c, v, cell_format)
    for c, column in enumerate(table.columns):
        ws.set_column(first_col + c, first_col + c, column.width, fmt.column(column))
        ws.data_validation(FIRST_DATA_ROW, first_col + c,
                           max(FIRST_DATA_ROW + VALIDATION_ROWS, last_row), first_col + c,
                           validation(column, xl_rowcol_to_cell(FIRST_DATA_ROW, first_col + c)))


def _page_setup(ws, landscape: bool, repeat_header: bool = True):
    ws.set_paper(9)  # A4
    if landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    ws.set_header("&L&\"Calibri,Bold\"Underskudsgaranti&R&A")
    ws.set_footer("&LUdskrevet &D&RSide &P af &N")
    if repeat_header:
        ws.repeat_rows(HEADER_ROW)


def default_population_rows() -> list[list]:
    return [[code, name, day, pop] for code, name, day, pop in
            sorted(muni.bundled_population(), key=lambda r: (r[2], r[0]))]


def default_coverage_rows() -> list[list]:
    return [[year, share] for year, share in DEFAULT_COVERAGE]


def build_workbook(path: str | Path, data: dict[str, list[list]] | None = None,
                   settings: dict[str, object] | None = None,
                   population_note: str | None = None, *, protected: tuple[str, ...] = (),
                   properties: dict[str, object] | None = None) -> Path:
    """Write the standard workbook to `path`.

    `data` maps a table name (tblAftaler …) to its rows (values in declared column order);
    tblBefolkning and tblDaekning default to the bundled population and 50/50/50 %.
    `settings` maps a setting name (Periode …) to its value; missing ones take the default.
    `population_note` (optional) replaces the intro line of sheet Befolkning, e.g. the source
    and fetch date of updated figures. `protected` names sheets to protect (without password:
    an operator's report workbook, whose agreements and rates are the secretariat's);
    `properties` adds custom document properties beside the format version.
    """
    path = Path(path)
    data = dict(data or {})
    data.setdefault(BEFOLKNING.name, default_population_rows())
    data.setdefault(DAEKNING.name, default_coverage_rows())
    settings = dict(settings or {})

    classic = path.suffix.lower() == ".xlsm"
    with atomic_target(path) as tmp:
        _build(tmp, data, settings, population_note, classic, protected, properties or {})
        add_task_pane(tmp)  # Excel opens the add-in's pane with the workbook (webextension.py)
    if classic:
        write_classic_module(path)
    return path


def write_classic_module(xlsm: Path) -> Path:
    """The Python module the classic workbook's macro imports: named after the workbook file.

    xlwings' macro `SampleCall` runs `import <file name>; <file name>.main()`, so renaming the
    .xlsm requires renaming this file too (README).
    """
    module = xlsm.with_suffix(".py")
    module.write_text(CLASSIC_MODULE, encoding="utf-8")
    return module


CLASSIC_MODULE = '''"""Called by the button in the classic workbook of the same name (xlwings RunPython)."""
from xl_underskud.excel.scripts import main  # noqa: F401
'''
CLASSIC_MACRO = "SampleCall"  # in xlwings' own VBA project (quickstart_standalone.xlsm), unchanged
# The classic workbook's actions are the add-in's buttons (declared once in SHEET_BUTTONS).
ACTION_CHOICES = tuple(button.label for button in SHEET_BUTTONS)


def xlwings_vba_project() -> bytes:
    """xlwings' own VBA project (module xlwings with RunPython, Module1 with SampleCall)."""
    import zipfile

    import xlwings

    template = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
    with zipfile.ZipFile(template) as z:
        return z.read("xl/vbaProject.bin")


def _build(path: Path, data: dict, settings: dict, population_note: str | None = None,
           classic: bool = False, protected: tuple[str, ...] = (), properties: dict = {}):
    wb = xlsxwriter.Workbook(str(path), TEXT_ONLY)
    if classic:
        import io

        wb.add_vba_project(io.BytesIO(xlwings_vba_project()), is_stream=True)
        wb.set_vba_name("ThisWorkbook")
    wb.set_properties({"title": "Underskudsgaranti — standardregneark",
                       "subject": "Økonomimodel for nye pladser, KKR Hovedstaden",
                       "author": "Fælleskommunalt sekretariat", "created": FIXED_TIMESTAMP,
                       "comments": "Folketal: " + muni.POPULATION_SOURCE})
    # the layout's version (declarations.FORMAT_VERSION): the reader tells an older or newer file
    wb.set_custom_property(FORMAT_VERSION_PROPERTY, FORMAT_VERSION)
    for name, value in sorted(properties.items()):
        wb.set_custom_property(name, value)
    wb.set_size(1600, 1000)
    fmt = _Formats(wb)
    sheets = {name: wb.add_worksheet(name) for name in WORKBOOK_SHEETS}

    guide = sheets[GUIDE_SHEET]
    guide.set_column(0, 0, 78)
    guide.hide_gridlines(2)
    if classic:
        _write_classic_controls(wb, guide, fmt)
    else:
        _write_buttons(guide, fmt)
    for r, (text, style) in enumerate(guide_text()):
        guide.write(r, 0, text, getattr(fmt, style))
        if style == "text" and len(text) > 72:
            # Row heights are not recalculated by every program on opening: set them.
            guide.set_row(r, 15 * (len(text) // 72 + 1))
    _page_setup(guide, landscape=False, repeat_header=False)

    for table in ALL_TABLES:
        if table is DAEKNING or table.sheet == RATE_SHEET:
            continue
        ws = sheets[table.sheet]
        if table is BEFOLKNING and population_note:
            table = replace(table, intro=population_note)
        _write_table(ws, fmt, table, data.get(table.name, []))
        ws.freeze_panes(FIRST_DATA_ROW, 0)
        _page_setup(ws, landscape=len(table.columns) > 5)

    _write_settings(sheets[SETTINGS_SHEET], wb, fmt, data[DAEKNING.name], settings)
    _write_rate_tools(sheets[RATE_SHEET], fmt, data)
    _write_lists(wb, fmt)
    if classic:
        _write_xlwings_conf(wb, fmt)
        for i, ws in enumerate(wb.worksheets(), start=1):
            ws.set_vba_name(f"Sheet{i}")
    for name in protected:
        # no password: a guard against editing by mistake, as the issue asks, not a secret
        sheets[name].protect("", {"autofilter": True, "sort": True})
    sheets[GUIDE_SHEET].activate()
    wb.close()


def _write_buttons(ws, fmt: _Formats):
    """Sheet buttons for the add-in (declared in schema.SHEET_BUTTONS)."""
    ws.set_column(1, 1, 2)
    ws.set_column(2, 2, 24)
    ws.set_column(3, 3, 40)
    ws.write(0, 2, "Knapper (tilføjelsesprogrammet)", fmt.heading)
    for button in SHEET_BUTTONS:
        ws.insert_textbox(button.cell, button.label, {
            "url": f"internal:{button.sheet}!{button.cell}",
            "tip": button.help,
            "width": 160, "height": 34,
            "font": {"bold": True, "color": "white", "size": 11},
            "fill": {"color": "#1F3864"},
            "line": {"none": True},
            "align": {"vertical": "middle", "horizontal": "center"},
            "object_position": 3,
        })
        row = int(button.cell[1:]) - 1
        ws.write(row, 3, button.help, fmt.help)


def _write_classic_controls(wb, ws, fmt: _Formats):
    """Classic workbook: choose an action in the cell `Handling`, then click the button."""
    ws.set_column(1, 1, 2)
    ws.set_column(2, 2, 24)
    ws.set_column(3, 3, 40)
    ws.write(0, 2, "Python (xlwings)", fmt.heading)
    ws.write(2, 2, "Handling:", fmt.label)
    ws.write(3, 2, ACTION_CHOICES[0], fmt.setting)
    ws.data_validation(3, 2, 3, 2, {"validate": "list", "source": list(ACTION_CHOICES),
                                    "input_title": "Handling",
                                    "input_message": "Vælg, hvad knappen Kør skal gøre."})
    wb.define_name("Handling", "=Vejledning!$C$4")
    ws.insert_button(5, 2, {"macro": CLASSIC_MACRO, "caption": "Kør", "width": 160, "height": 34})
    ws.write(3, 3, "Vælg Beregn, Kontrollér, Ryd resultater, Opgørelser eller Opdater folketal; "
                   "klik derefter Kør.", fmt.help)


def _write_xlwings_conf(wb, fmt: _Formats):
    """xlwings reads RunPython's settings from a sheet named exactly 'xlwings.conf'."""
    ws = wb.add_worksheet("xlwings.conf")
    for r, (key, value) in enumerate((("UDF Modules", "xl_underskud.excel.functions"),
                                      ("Use UDF Server", "False"), ("Show Console", "False"))):
        ws.write_string(r, 0, key)
        ws.write_string(r, 1, value)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 32)


def _write_rate_tools(ws, fmt: _Formats, data: dict):
    """Sheet Takstberegning: costs per offer and year, and the PL index (SPEC rule 10)."""
    _write_table(ws, fmt, OMKOSTNINGER, data.get(OMKOSTNINGER.name, []))
    ws.write(INTRO_ROW + 1, PL_COLUMN, PLINDEKS.title, fmt.label)
    _write_table(ws, fmt, PLINDEKS, data.get(PLINDEKS.name, []), first_col=PL_COLUMN, title=False)
    ws.set_column(PL_COLUMN - 2, PL_COLUMN - 1, 3)
    ws.freeze_panes(FIRST_DATA_ROW, 0)
    _page_setup(ws, landscape=True)


def _write_settings(ws, wb, fmt: _Formats, coverage_rows, settings: dict):
    ws.write(TITLE_ROW, 0, "Indstillinger", fmt.title)
    ws.write(INTRO_ROW, 0, "Modellens parametre. Gule felter kan ændres; tomme felter giver "
             "modellens standard.", fmt.intro)
    _write_table(ws, fmt, DAEKNING, coverage_rows, title=False)
    ws.write(HEADER_ROW, SETTINGS_COLUMN - 1, "Indstilling", fmt.header)
    ws.write(HEADER_ROW, SETTINGS_COLUMN, "Værdi", fmt.header)
    ws.write(HEADER_ROW, SETTINGS_COLUMN + 1, "Forklaring", fmt.header)
    ws.set_column(SETTINGS_COLUMN - 2, SETTINGS_COLUMN - 2, 3)
    ws.set_column(SETTINGS_COLUMN - 1, SETTINGS_COLUMN - 1, 38)
    ws.set_column(SETTINGS_COLUMN, SETTINGS_COLUMN, 16)
    ws.set_column(SETTINGS_COLUMN + 1, SETTINGS_COLUMN + 1, 60)
    for i, setting in enumerate(SETTINGS):
        row = FIRST_DATA_ROW + i
        value = setting.cell_value(settings.get(setting.name, setting.default))
        ws.write(row, SETTINGS_COLUMN - 1, setting.label, fmt.label)
        cell_format = {Kind.INTEGER: fmt.setting_int, Kind.PERCENT: fmt.setting_pct,
                       Kind.DECIMAL: fmt.setting_dec}.get(setting.column.kind, fmt.setting)
        if value is None:
            ws.write_blank(row, SETTINGS_COLUMN, None, cell_format)
        else:
            ws.write(row, SETTINGS_COLUMN, value, cell_format)
        ws.write(row, SETTINGS_COLUMN + 1, setting.column.help, fmt.help)
        wb.define_name(setting.name, f"={SETTINGS_SHEET}!"
                                     f"{xl_rowcol_to_cell(row, SETTINGS_COLUMN, True, True)}")
        ws.data_validation(row, SETTINGS_COLUMN, row, SETTINGS_COLUMN,
                           validation(setting.column, xl_rowcol_to_cell(row, SETTINGS_COLUMN)))
    _page_setup(ws, landscape=True, repeat_header=False)


def _write_lists(wb, fmt: _Formats):
    """A hidden sheet with the names the data validation lists offer."""
    ws = wb.add_worksheet(LIST_SHEET)
    names = sorted((m.name for m in muni.all_municipalities()), key=str.casefold)
    regions = sorted(muni.REGIONS.values())
    ws.write(0, 0, "Kommuner", fmt.label)
    ws.write(0, 1, "Driftsherrer", fmt.label)
    for r, name in enumerate(names, start=1):
        ws.write_string(r, 0, name)
    for r, name in enumerate(regions + names, start=1):
        ws.write_string(r, 1, name)
    wb.define_name("lstKommuner", f"={LIST_SHEET}!$A$2:$A${len(names) + 1}")
    wb.define_name("lstDriftsherrer", f"={LIST_SHEET}!$B$2:$B${len(names) + len(regions) + 1}")
    ws.hide()
