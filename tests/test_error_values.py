"""SPEC rule 12: an Excel error value in an input cell or a named setting is an error that names
the cell — in the file reader, in the add-in's book reader and in worksheet-function arguments —
never a blank and never a silent default.

How an error reaches each reader (checked with python-calamine 0.9.1, LibreOffice 7 and
xlwings 0.37.8):
- in a file, Excel and LibreOffice store a cached error as `<c t="e"><f>…</f><v>#DIV/0!</v></c>`
  (a constant #N/A without the <f>). calamine reads #NULL!, #DIV/0!, #VALUE!, #REF!, #NAME?,
  #NUM! and #N/A as an empty cell, and refuses the whole sheet for a newer one (#SPILL!,
  #CALC! …); a formula without a cached result is an empty cell too;
- the add-in (Office.js) sends an error cell as its text, "#N/A";
- a worksheet function gets it as text when its argument is read with err_to_str (xlwings'
  default turns it into None, an empty cell).

The workbooks are the example (`write_example`) with cells rewritten in the package XML, the
way Excel writes them. The example's layout (header row 4, data from row 5): Ophold row 6 is
O-002 (A1, place 2, Betalt til 31-08-2023 in G6), row 7 is O-003 (Fra dato 15-08-2023 in E7);
on Indstillinger the values stand in column E, Periode in E8, FratraekNormalTomgang in E9.
"""
from __future__ import annotations

import json
import re
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import xlwings as xw
from openpyxl import load_workbook

from conftest import call, copy_of_example, run_cli
from excel_payload import apply_actions, payload_from_xlsx, run_remote
from render import convert
from xl_underskud.core.engine import evaluate
from xl_underskud.core.parse import (ERROR_CODES, ExcelError, RawRow, RawSetting, RawTable,
                                     RawWorkbook, excel_error, parse_settings, typed_rows)
from xl_underskud.core.declarations import OPHOLD, SETTING
from xl_underskud.excel.book import read_book
from xl_underskud.excel.cells import plain
from xl_underskud.xlsx.reader import read_workbook

CLASSIC = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
NEWER = ("#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!",
         "#BUSY!")
FIX = "Ret formlen eller skriv værdien direkte."
NO_RESULT = "indeholder en formel uden gemt resultat. Åbn og gem filen i Excel, eller skriv " \
            "værdien direkte."


def test_the_declared_codes_are_excels():
    assert set(ERROR_CODES) == set(CLASSIC) | set(NEWER)


# --------------------------------------------------------------------------- building files

def _sheet_part(z: zipfile.ZipFile, sheet: str) -> str:
    """The package part of a sheet, from workbook.xml and its relationships."""
    book = z.read("xl/workbook.xml").decode()
    rid = re.search(rf'<sheet [^>]*name="{sheet}"[^>]*r:id="(rId\d+)"', book).group(1)
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


def rewrite_cells(path: Path, cells: dict[tuple[str, str], str]) -> None:
    """Replace whole <c> elements: {(sheet, "G6"): '<c r="G6" t="e"><v>#N/A</v></c>'}."""
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
        where = {key: _sheet_part(z, key[0]) for key in cells}
    for (sheet, ref), xml in cells.items():
        part = where[(sheet, ref)]
        text, n = re.subn(rf'<c r="{ref}"(?: [^>]*)?(?:/>|>.*?</c>)', xml,
                          parts[part].decode(), count=1, flags=re.S)
        assert n == 1, f"{sheet}!{ref} is not in the example"
        parts[part] = text.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def cached_error(ref: str, code: str) -> str:
    """What Excel writes for a formula whose cached result is an error."""
    return f'<c r="{ref}" t="e"><f>Ophold!Z1/0</f><v>{code}</v></c>'


def constant_error(ref: str, code: str) -> str:
    """What Excel writes for #N/A typed into a cell."""
    return f'<c r="{ref}" t="e"><v>{code}</v></c>'


def error_text(ref: str, code: str) -> str:
    """A text cell holding exactly an error code."""
    return f'<c r="{ref}" t="inlineStr"><is><t>{code}</t></is></c>'


def formula_without_result(ref: str, code: str = "") -> str:
    return f'<c r="{ref}"><f>1/0</f></c>'


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    return copy_of_example(tmp_path_factory.mktemp("eksempel") / "eksempel.xlsx")


def broken(example: Path, folder: Path, cells: dict) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "indfil.xlsx"
    shutil.copy(example, path)
    rewrite_cells(path, cells)
    return path


# Where the error stands: (sheet, cell, message column, Excel row, the cell as the message
# names it). Fra dato is required (the row is left out, nothing follows from it); Betalt til is
# optional (still an error, not a blank); the settings are named cells.
REQUIRED = ("Ophold", "E7", "Fra dato", 7, "Ophold!E7")
OPTIONAL = ("Ophold", "G6", "Betalt til", 6, "Ophold!G6")
PERIODE = ("Indstillinger", "E8", "Afregningsperiode", 8, "Indstillinger!E8 (Periode)")
FRATRAEK = ("Indstillinger", "E9", "Fratræk normal tomgang", 9,
            "Indstillinger!E9 (FratraekNormalTomgang)")


def expected_text(where, code: str | None) -> str:
    if code is None:
        return f"Cellen {where[4]} {NO_RESULT}"
    return f"Cellen {where[4]} indeholder fejlværdien {code}. {FIX}"


# --------------------------------------------------------------------------- file: the CLI

# Each way an error reaches the file reader, with a code to show for it.
CLASSES = {
    "gemt-klassisk-fejl": (cached_error, "#DIV/0!"),  # calamine: an empty cell
    "gemt-ny-fejl": (cached_error, "#SPILL!"),  # calamine: refuses the sheet
    "konstant-fejl": (constant_error, "#N/A"),
    "tekst-med-fejlkode": (error_text, "#VALUE!"),
    "formel-uden-resultat": (formula_without_result, None),
}
CLI_CASES = [(cls, where) for i, cls in enumerate(CLASSES)
             for where in (REQUIRED, OPTIONAL, (PERIODE, FRATRAEK)[i % 2])]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.parametrize("cls, where", CLI_CASES,
                         ids=[f"{c}-{w[2].replace(' ', '-')}" for c, w in CLI_CASES])
def test_cli_rejects_an_error_value_naming_the_cell(example, tmp_path, cls, where):
    write, code = CLASSES[cls]
    fil = broken(example, tmp_path / "sag", {(where[0], where[1]): write(where[1], code)})
    before = snapshot(fil.parent)
    text = expected_text(where, code)

    valider = run_cli("valider", fil)
    assert valider.returncode == 1, (valider.stdout, valider.stderr)
    errors = [line for line in valider.stderr.splitlines() if line.startswith("FEJL")]
    assert errors == [f"FEJL (ark {where[0]}, række {where[3]}, kolonne {where[2]}): {text}"]

    out = fil.parent / "rapport.xlsx"
    beregn = run_cli("beregn", fil, "--ud", out, "--json")
    assert beregn.returncode == 1, (beregn.stdout[-2000:], beregn.stderr)
    assert json.loads(beregn.stdout)["fejl"] == [
        {"ark": where[0], "raekke": where[3], "kolonne": where[2], "besked": text}]
    assert not out.exists()
    assert snapshot(fil.parent) == before


def test_a_division_by_zero_saved_by_libreoffice(example, tmp_path):
    """The report's case: a formula in Betalt til gives #DIV/0!; a spreadsheet program saves
    the cached error, and calamine alone would read an empty Betalt til (a larger total)."""
    source = tmp_path / "formel.xlsx"
    shutil.copy(example, source)
    wb = load_workbook(source)
    wb["Ophold"]["G6"] = "=1/0"
    wb.save(source)
    outdir = tmp_path / "gemt"
    convert([source], "xlsx", outdir)
    saved = outdir / "formel.xlsx"
    with zipfile.ZipFile(saved) as z:
        xml = z.read(_sheet_part(z, "Ophold")).decode()
    assert re.search(r'<c r="G6"[^>]* t="e"[^>]*><f[^>]*>1/0</f><v>#DIV/0!</v></c>', xml)

    res = run_cli("valider", saved)
    assert res.returncode == 1
    assert (f"FEJL (ark Ophold, række 6, kolonne Betalt til): Cellen Ophold!G6 indeholder "
            f"fejlværdien #DIV/0!. {FIX}") in res.stderr.splitlines()


# --------------------------------------------------------------------------- file: every code

@pytest.mark.parametrize("code", ERROR_CODES)
def test_file_reader_every_code_in_every_place(example, tmp_path, code):
    settings = PERIODE if ERROR_CODES.index(code) % 2 else FRATRAEK
    places = (REQUIRED, OPTIONAL, settings)
    fil = broken(example, tmp_path / "sag", {(w[0], w[1]): cached_error(w[1], code)
                                              for w in places})
    settlement, _, messages = evaluate(read_workbook(fil), None)
    assert settlement is None
    assert sorted((m.source.sheet, m.source.row, m.source.column, m.text) for m in messages) == \
        sorted((w[0], w[3], w[2], expected_text(w, code)) for w in places)


# --------------------------------------------------------------------------- the add-in

def set_payload_value(payload: dict, sheet: str, ref: str, value) -> None:
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    col = ord(m.group(1)) - ord("A")  # one letter is enough here
    values = next(s for s in payload["sheets"] if s["name"] == sheet)["values"]
    values[int(m.group(2)) - 1][col] = value


def read_payload(payload: dict) -> RawWorkbook:
    book = xw.Book(json=payload)
    try:
        return read_book(book)
    finally:
        book.close()


@pytest.fixture(scope="module")
def example_payload(example) -> dict:
    return payload_from_xlsx(example)


@pytest.mark.parametrize("code", ERROR_CODES)
def test_add_in_every_code_in_every_place(example_payload, code):
    """Office.js sends an error cell as its text."""
    settings = FRATRAEK if ERROR_CODES.index(code) % 2 else PERIODE
    places = (REQUIRED, OPTIONAL, settings)
    payload = json.loads(json.dumps(example_payload))
    for w in places:
        set_payload_value(payload, w[0], w[1], code)
    settlement, _, messages = evaluate(read_payload(payload), None)
    assert settlement is None
    assert sorted((m.source.sheet, m.source.row, m.source.column, m.text) for m in messages) == \
        sorted((w[0], w[3], w[2], expected_text(w, code)) for w in places)


def test_add_in_valider_and_beregn_show_the_error_and_write_no_result(example, tmp_path):
    from xl_underskud.excel import scripts

    fil = broken(example, tmp_path / "sag", {("Ophold", "G6"): cached_error("G6", "#DIV/0!")})
    payload = payload_from_xlsx(fil)
    assert next(s for s in payload["sheets"] if s["name"] == "Ophold")["values"][5][6] == \
        "#DIV/0!"  # as Office.js sends it
    for script in (scripts.run_valider, scripts.run_beregn):
        book = xw.Book(json=json.loads(json.dumps(payload)))  # the engine changes its payload
        try:
            book.set_mock_caller()
            script(book)
            actions = book.json()["actions"]
        finally:
            book.close()
        sheets = {a["args"][1] for a in actions if a["func"] == "addSheet"}
        assert not sheets & {"Resultat", "Fordeling", "Kommuneoversigt"}
        apply_actions(fil, actions, tmp_path / "ud.xlsx")
        ws = load_workbook(tmp_path / "ud.xlsx")["Fejl"]
        rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5, max_col=5)]
        assert rows == [["Fejl", "Ophold", 6, "Betalt til",
                         f"Cellen Ophold!G6 indeholder fejlværdien #DIV/0!. {FIX}"]]


def test_classic_com_error_codes_are_error_values():
    """COM hands a cell error to classic xlwings as 0x800A0000 + Excel's XlCVError number, as a
    signed 32-bit integer: #DIV/0! = 2007 → -2146826281, #N/A = 2042 → -2146826246,
    #SPILL! = 2045 → -2146826243, #CALC! = 2050 → -2146826238."""
    assert plain(-2146826281) == ExcelError("#DIV/0!")
    assert plain(-2146826246) == ExcelError("#N/A")
    assert plain(-2146826243) == ExcelError("#SPILL!")
    assert plain(-2146826238) == ExcelError("#CALC!")
    assert plain(-2146826300) == -2146826300  # not an error number: a (strange) number
    assert plain(float("nan")) is None
    assert plain("#N/A") == "#N/A"  # text: the core reads it as the error


# --------------------------------------------------------------------------- a row below the table

def test_a_row_typed_below_tblOphold_counts_the_same_in_the_file_and_the_add_in(example,
                                                                                tmp_path):
    """A2 place 2 is vacant 1 May – 30 June 2023 (O-102 paid to 30-04, O-103 from 01-07): 61
    days × 50 % × 4.326,00 kr = 131.943,00 kr. A stay typed in row 34, directly below the table
    (rows 5–33) and not added to it, fills them."""
    fil = tmp_path / "under.xlsx"
    shutil.copy(example, fil)
    wb = load_workbook(fil)
    ws = wb["Ophold"]
    assert ws.tables["tblOphold"].ref == "A4:G33"
    for col, value in enumerate(["O-110", "A2", 2, "Gladsaxe", datetime(2023, 5, 1),
                                 datetime(2023, 6, 30)], start=1):
        ws.cell(34, col, value)
    wb.save(fil)

    from_file = read_workbook(fil)
    from_add_in = read_payload(payload_from_xlsx(fil))
    for raw in (from_file, from_add_in):
        assert raw.tables["tblOphold"].rows[-1].row == 34
    _, file_inputs, _ = evaluate(from_file, None)
    _, add_in_inputs, _ = evaluate(from_add_in, None)
    assert file_inputs == add_in_inputs
    assert file_inputs.stays[-1].stay_id == "O-110"

    def a2_2023(result):
        return next(r for r in result["aftaler"] if (r["aftale_id"], r["periode"]) == ("A2", "2023"))

    before = a2_2023(json.loads(run_cli("beregn", example, "--json").stdout))
    after = a2_2023(json.loads(run_cli("beregn", fil, "--json").stdout))
    assert before["tomme_doegn"] - after["tomme_doegn"] == 61
    assert before["beloeb_oere"] - after["beloeb_oere"] == 13_194_300

    from xl_underskud.excel import scripts
    apply_actions(fil, run_remote(fil, scripts.run_beregn), tmp_path / "ud.xlsx")
    ws = load_workbook(tmp_path / "ud.xlsx", data_only=True)["Resultat"]
    header = [c.value for c in ws[4]]
    rows = [dict(zip(header, r)) for r in ws.iter_rows(min_row=5, values_only=True)]
    row = next(r for r in rows if (r["AftaleID"], str(r["Periode"])) == ("A2", "2023"))
    assert (row["Tomme døgn"], round(row["Beløb"] * 100)) == (after["tomme_doegn"],
                                                              after["beloeb_oere"])


# --------------------------------------------------------------------------- worksheet functions

def _table(path: Path, sheet: str, name: str) -> pd.DataFrame:
    ws = load_workbook(path, data_only=True)[sheet]
    return pd.DataFrame([[c.value for c in row] for row in ws[ws.tables[name].ref]])


@pytest.fixture(scope="module")
def tables(example):
    return {n: _table(example, s, n) for s, n in (("Aftaler", "tblAftaler"),
                                                  ("Pladser", "tblPladser"),
                                                  ("Takster", "tblTakster"),
                                                  ("Ophold", "tblOphold"))}


@pytest.mark.parametrize("column, header", [(6, "Betalt til"), (4, "Fra dato")])
@pytest.mark.parametrize("code", ["#DIV/0!", "#SPILL!"])
def test_function_argument_with_an_error_value(tables, column, header, code):
    from xl_underskud.excel import functions as f

    ophold = tables["tblOphold"].copy()
    assert ophold.loc[2, 0] == "O-002"  # row 3 of the argument (the header is row 1)
    ophold.loc[2, column] = code
    out = f.ug_garanti(tables["tblAftaler"], tables["tblPladser"], tables["tblTakster"], ophold,
                       "A1", "2023")
    assert out == (f"#FEJL: Ophold, række 3: Cellen i kolonnen {header} indeholder fejlværdien "
                   f"{code}. {FIX}")


def test_function_scalar_argument_with_an_error_value(tables):
    from xl_underskud.excel import functions as f

    assert f.ug_doegntakst(10_000_000, "#N/A", 0.95, 2024) == \
        f"#FEJL: pladser: Cellen indeholder fejlværdien #N/A. {FIX}"
    assert f.ug_garanti(tables["tblAftaler"], tables["tblPladser"], tables["tblTakster"],
                        tables["tblOphold"], "A1", "#REF!") == \
        f"#FEJL: periode: Cellen indeholder fejlværdien #REF!. {FIX}"


def _office_error(code: str, kind: str) -> dict:
    """An error cell as Excel hands it to a custom function."""
    return {"type": "Error", "basicType": "Error", "basicValue": code, "errorType": kind}


def test_server_function_gets_the_error_not_an_empty_cell(client, example):
    def grid(sheet, name):
        ws = load_workbook(example, data_only=True)[sheet]
        return [[(c.value - datetime(1899, 12, 30)).days if isinstance(c.value, datetime)
                 else ("" if c.value is None else c.value) for c in row]
                for row in ws[ws.tables[name].ref]]

    ophold = grid("Ophold", "tblOphold")
    assert ophold[2][0] == "O-002"
    ophold[2][6] = _office_error("#DIV/0!", "Div0")
    out = call(client, "ug_garanti", grid("Aftaler", "tblAftaler"), grid("Pladser", "tblPladser"),
               grid("Takster", "tblTakster"), ophold, "A1", "2023")
    assert out == [[f"#FEJL: Ophold, række 3: Cellen i kolonnen Betalt til indeholder "
                    f"fejlværdien #DIV/0!. {FIX}"]]
    assert call(client, "ug_doegntakst", 10_000_000, _office_error("#N/A", "NotAvailable"),
                0.95, 2024) == [[f"#FEJL: pladser: Cellen indeholder fejlværdien #N/A. {FIX}"]]


# --------------------------------------------------------------------------- the core

def test_error_text_is_recognised_whatever_the_case_and_spacing():
    assert excel_error(" #n/a ") == ExcelError("#N/A")
    assert excel_error("#Div/0!") == ExcelError("#DIV/0!")
    assert excel_error("#N/A er ikke kendt") is None
    assert excel_error("O-#1") is None
    assert excel_error(None) is None


def test_parser_drops_a_row_with_an_error_in_a_required_column_only():
    raw = RawTable(OPHOLD, (
        RawRow(5, {"stay_id": "O-1", "agreement_id": "A1", "place_no": 1,
                   "from_date": ExcelError("#N/A", "Ophold!E5")}),
        RawRow(6, {"stay_id": "O-2", "agreement_id": "A1", "place_no": 2,
                   "from_date": datetime(2023, 1, 1), "paid_until": "#DIV/0!"}),
    ))
    messages = []
    rows = typed_rows(raw, messages)
    assert [r for r, _ in rows] == [6]  # O-1 is left out, O-2 kept (its Betalt til is blank)
    assert rows[0][1]["paid_until"] is None
    assert [(m.source.row, m.source.column, m.text) for m in messages] == [
        (5, "Fra dato", f"Cellen Ophold!E5 indeholder fejlværdien #N/A. {FIX}"),
        (6, "Betalt til", f"Cellen i kolonnen Betalt til indeholder fejlværdien #DIV/0!. {FIX}"),
    ]


def test_a_setting_in_error_does_not_fall_back_to_its_default():
    raw = RawWorkbook(settings={"Garantiaar": RawSetting(SETTING["Garantiaar"],
                                                         ExcelError(None), 5, "E")})
    messages = []
    parse_settings(raw, messages)
    assert [(m.source.sheet, m.source.row, m.source.column, m.text) for m in messages] == [
        ("Indstillinger", 5, "Garantiperiode (år)",
         f"Cellen Indstillinger!E5 (Garantiaar) {NO_RESULT}")]
