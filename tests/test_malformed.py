"""A corpus of malformed standard workbooks: each must be rejected with a message a finance
officer can act on (sheet, Excel row, column header, a Danish sentence), and nothing written.

Every workbook is built in the test from the valid example (`write_example`) or the template
(`build_workbook`), then broken in one place (or several, for the "all at once" case). The CLI
runs in this process (`run_cli`: its parser, handlers and exit codes; the process boundary is
tested in test_cli and test_no_data_loss).
"""
from __future__ import annotations

import copy
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

import pytest
from openpyxl import load_workbook

from conftest import copy_of_example, run_cli
from xl_underskud.xlsx import example
from xl_underskud.xlsx.example import write_example
from xl_underskud.core.declarations import SETTINGS
from xl_underskud.xlsx.template import SETTINGS_COLUMN, build_workbook, default_population_rows

HEADER_ROW = 4  # the template's table header row (Excel row number); data from row 5
ANY = object()  # "do not check this field"


def setting_row(name: str) -> int:
    """Excel row of a named setting cell on Indstillinger (one row per setting)."""
    return HEADER_ROW + 1 + [s.name for s in SETTINGS].index(name)


def set_setting(name: str, value):
    def edit(wb):
        wb["Indstillinger"].cell(row=setting_row(name), column=SETTINGS_COLUMN + 1).value = value
    return edit


# --------------------------------------------------------------------------- workbook helpers


def _column(ws, header: str) -> int:
    for cell in ws[HEADER_ROW]:
        if cell.value == header:
            return cell.column
    raise KeyError(f"{ws.title}: no header {header!r}")


def set_cell(wb, sheet: str, row: int, header: str, value) -> None:
    ws = wb[sheet]
    ws.cell(row=row, column=_column(ws, header)).value = value  # ws.cell(value=None) is a no-op


def clear_row(wb, sheet: str, row: int) -> None:
    ws = wb[sheet]
    for cell in ws[row]:
        if cell.column <= len([c for c in ws[HEADER_ROW] if c.value is not None]):
            cell.value = None


def edit_example(*edits: Callable) -> Callable[[Path], None]:
    """A builder: the valid example, loaded with openpyxl, every edit applied, saved."""
    def make(path: Path) -> None:
        copy_of_example(path)
        wb = load_workbook(path)
        for edit in edits:
            edit(wb)
        wb.save(path)
    return make


def cell(sheet, row, header, value):
    return lambda wb: set_cell(wb, sheet, row, header, value)


def from_data(mutate: Callable[[dict], None], settings: dict | None = None
              ) -> Callable[[Path], None]:
    """A builder: the template filled with the example's rows after `mutate` changed them."""
    def make(path: Path) -> None:
        data = {
            "tblAftaler": copy.deepcopy(example.AGREEMENTS),
            "tblPladser": copy.deepcopy(example.PLACES),
            "tblTakster": copy.deepcopy(example.RATES),
            "tblOphold": copy.deepcopy(example.STAYS),
            "tblBefolkning": default_population_rows(),
        }
        mutate(data)
        build_workbook(path, data, settings)
    return make


def raw_bytes(data: bytes) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.write_bytes(data)
    return make


def rename_sheet(old: str, new: str):
    def edit(wb):
        wb[old].title = new
    return edit


def rename_table(sheet: str, old: str, new: str):
    def edit(wb):
        ws = wb[sheet]
        table = ws.tables[old]
        del ws.tables[old]
        table.name = table.displayName = new
        ws.add_table(table)
    return edit


def rename_header(sheet: str, table_name: str, old: str, new: str):
    """Rename a header the way Excel does: the cell and the table's column name together."""
    def edit(wb):
        ws = wb[sheet]
        col = _column(ws, old)
        ws.cell(row=HEADER_ROW, column=col, value=new)
        table = ws.tables[table_name]
        for tc in table.tableColumns:
            if tc.name == old:
                tc.name = new
    return edit


def population_row(wb, code: int, key_date: datetime) -> int:
    ws = wb["Befolkning"]
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        if ws.cell(r, 1).value == code and ws.cell(r, 3).value == key_date:
            return r
    raise KeyError((code, key_date))


def drop_population(code: int, key_date: datetime):
    def edit(wb):
        clear_row(wb, "Befolkning", population_row(wb, code, key_date))
    return edit


def append_row(sheet: str, values: list):
    """Type a row directly below the table (the table itself is not widened, as a script does)."""
    def edit(wb):
        ws = wb[sheet]
        row = ws.max_row + 1
        for c, v in enumerate(values, start=1):
            ws.cell(row=row, column=c, value=v)
    return edit


OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def ole_file(payload: bytes) -> bytes:
    """Something shaped like an OLE compound file: the magic, a 512-byte header, sectors."""
    header = OLE_MAGIC + bytes(16) + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    header += bytes(512 - len(header))
    body = payload + bytes((-len(payload)) % 512)
    return header + body


def truncated_zip(path: Path) -> None:
    data = copy_of_example(path).read_bytes()
    path.write_bytes(data[: len(data) // 2])


def zip_without_workbook_part(path: Path) -> None:
    """A valid zip that is not a workbook (e.g. a renamed .docx or an unrelated archive)."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<document/>")


# --------------------------------------------------------------------------- the corpus


@dataclass(frozen=True)
class Expect:
    """One message that must be among the errors: location and (parts of) the text."""

    ark: object = ANY
    raekke: object = ANY
    kolonne: object = ANY
    contains: tuple[str, ...] = ()

    def matches(self, entry: dict) -> bool:
        return ((self.ark is ANY or entry["ark"] == self.ark)
                and (self.raekke is ANY or entry["raekke"] == self.raekke)
                and (self.kolonne is ANY or entry["kolonne"] == self.kolonne)
                and all(part in entry["besked"] for part in self.contains))


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[Path], None]
    expect: tuple[Expect, ...]
    forbidden: tuple[str, ...] = ()  # text that must never appear in any output (CPR digits)
    absent: tuple[str, ...] = ()  # text no error message may contain (misleading follow-ups)
    suffix: str = ".xlsx"


D = datetime
CPR_DIGITS = ("010190", "0101901234", "101901234", "1234")

CASES = [
    # -- structure: sheet, table, header (say which, suggest the closest name)
    Case("ark-mangler-omdoebt-Ophol",
         edit_example(rename_sheet("Ophold", "Ophol")),
         (Expect("Ophold", None, None, ('"Ophold"', 'Mente du "Ophol"?')),)),
    Case("ark-mangler-slettet-Takster",
         edit_example(lambda wb: wb.remove(wb["Takster"])),
         (Expect("Takster", None, None, ('"Takster" mangler',)),),
         absent=("Lister",)),  # the hidden list sheet is not a misspelled Takster
    Case("tabel-omdoebt-tblOphol",
         edit_example(rename_table("Ophold", "tblOphold", "tblOphol")),
         (Expect("Ophold", None, None, ("tblOphold", 'Mente du "tblOphol"?')),)),
    Case("overskrift-omdoebt-Fra-dato",
         edit_example(rename_header("Ophold", "tblOphold", "Fra dato", "Fradato")),
         (Expect("Ophold", HEADER_ROW, "Fra dato",
                 ('"Fra dato" mangler', 'Mente du "Fradato"?')),)),
    Case("overskrift-omdoebt-Ibrugtagningsdato",
         edit_example(rename_header("Pladser", "tblPladser", "Ibrugtagningsdato",
                                    "Ibrugtagning")),
         (Expect("Pladser", HEADER_ROW, "Ibrugtagningsdato",
                 ('"Ibrugtagningsdato" mangler', 'Mente du "Ibrugtagning"?')),)),

    # -- the file itself
    Case("xls-fil", raw_bytes(ole_file(b"Workbook\x00" + bytes(range(256)) * 8)),
         (Expect(None, None, None, (".xls",)),), suffix=".xls"),
    Case("xls-indhold-med-xlsx-endelse", raw_bytes(ole_file(b"Workbook\x00" + bytes(300))),
         (Expect(None, None, None, (".xls",)),)),
    Case("beskadiget-tilfaeldige-bytes",
         raw_bytes(bytes((i * 7919 + 13) % 251 for i in range(5000))),
         (Expect(None, None, None, ("beskadiget",)),)),
    Case("beskadiget-afkortet-zip", truncated_zip,
         (Expect(None, None, None, ("beskadiget",)),)),
    Case("zip-uden-projektmappe", zip_without_workbook_part,
         (Expect(None, None, None, ("beskadiget",)),)),
    Case("adgangskode-beskyttet",
         raw_bytes(ole_file(b"\x00" * 64 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 32
                            + "EncryptedPackage".encode("utf-16-le") + bytes(200))),
         (Expect(None, None, None, ("adgangskode",)),)),
    Case("formel-uden-gemt-resultat",
         edit_example(cell("Takster", 5, "Døgntakst", "=1+1")),
         (Expect("Takster", 5, "Døgntakst", ("formel", "C5")),),
         absent=("skal udfyldes",)),  # the cell is filled: with a formula

    # -- types
    Case("tekst-i-talkolonne-Doegntakst",
         edit_example(cell("Takster", 6, "Døgntakst", "fire tusind")),
         (Expect("Takster", 6, "Døgntakst", ("ikke et tal",)),)),
    Case("tekst-i-heltalskolonne-Antal-pladser",
         edit_example(cell("Aftaler", 5, "Antal pladser", "otte")),
         (Expect("Aftaler", 5, "Antal pladser", ("ikke et tal",)),),
         absent=("findes ikke",)),
    Case("decimaltal-i-heltalskolonne-Aar",
         edit_example(cell("Takster", 5, "År", 2022.5)),
         (Expect("Takster", 5, "År", ("2022,5 er ikke et heltal",)),)),
    Case("tekst-i-datokolonne-Fra-dato",
         edit_example(cell("Ophold", 5, "Fra dato", "primo marts")),
         (Expect("Ophold", 5, "Fra dato", ("ikke en dato", "dd-mm-åååå")),)),
    Case("umulig-dato-31-02-2023",
         edit_example(cell("Ophold", 6, "Til dato", "31-02-2023")),
         (Expect("Ophold", 6, "Til dato", ("31-02-2023", "ikke en gyldig dato")),)),
    Case("lille-tal-i-datoformateret-celle",  # Excel shows 12 as 12-01-1900
         edit_example(cell("Pladser", 5, "Ibrugtagningsdato", 12)),
         (Expect("Pladser", 5, "Ibrugtagningsdato", ("12-01-1900", "1990")),)),
    Case("aarstal-tastet-forkert-i-tekstdato",
         edit_example(cell("Ophold", 11, "Fra dato", "01-06-0222")),
         (Expect("Ophold", 11, "Fra dato", ("01-06-0222",)),)),
    Case("tal-i-tekstformateret-datocelle",
         edit_example(cell("Ophold", 12, "Fra dato", 7),
                      lambda wb: setattr(wb["Ophold"]["E12"], "number_format", "General")),
         (Expect("Ophold", 12, "Fra dato", ("ikke en dato",)),)),
    Case("ukendt-paragraf",
         edit_example(cell("Aftaler", 6, "Paragraf", "§ 109")),
         (Expect("Aftaler", 6, "Paragraf", ("ikke tilladt", "§ 108")),),
         absent=("findes ikke",)),  # A2 is on the sheet; its places must not be called orphans
    Case("obligatorisk-felt-tomt-Fra-dato",
         edit_example(cell("Ophold", 8, "Fra dato", None)),
         (Expect("Ophold", 8, "Fra dato", ("skal udfyldes",)),)),

    # -- bounds
    Case("negativ-doegntakst",
         edit_example(cell("Takster", 5, "Døgntakst", -4850)),
         (Expect("Takster", 5, "Døgntakst", ("-4850 skal være større end 0",)),)),
    Case("doegntakst-nul",
         edit_example(cell("Takster", 9, "Døgntakst", 0)),
         (Expect("Takster", 9, "Døgntakst", ("0 skal være større end 0",)),),
         absent=("0.0",)),
    Case("belaegningsprocent-over-100",
         edit_example(cell("Takster", 7, "Belægningsprocent", 150)),
         (Expect("Takster", 7, "Belægningsprocent", ("100 %",)),)),
    Case("antal-pladser-nul",
         edit_example(cell("Aftaler", 7, "Antal pladser", 0)),
         (Expect("Aftaler", 7, "Antal pladser", ("mindst 1",)),),
         absent=("findes ikke",)),
    Case("antal-pladser-negativ",
         edit_example(cell("Aftaler", 6, "Antal pladser", -2)),
         (Expect("Aftaler", 6, "Antal pladser", ("mindst 1",)),)),
    Case("flere-end-20-pladser",
         edit_example(cell("Aftaler", 7, "Antal pladser", 12)),
         (Expect("Aftaler", 7, "Antal pladser", ("26 pladser", "højst 20")),)),
    Case("flere-pladser-end-indstillingen-MaksPladser",
         edit_example(set_setting("MaksPladser", 10)),
         (Expect("Aftaler", 7, "Antal pladser", ("18 pladser", "højst 10")),)),

    # -- references
    Case("ukendt-aftale-i-Pladser",
         edit_example(cell("Pladser", 22, "AftaleID", "A4")),
         (Expect("Pladser", 22, "AftaleID", ('"A4" findes ikke',)),)),
    Case("ukendt-aftale-i-Takster",
         edit_example(cell("Takster", 16, "AftaleID", "A9")),
         (Expect("Takster", 16, "AftaleID", ('"A9" findes ikke',)),)),
    Case("ukendt-aftale-i-Ophold",
         edit_example(cell("Ophold", 33, "AftaleID", "A7")),
         (Expect("Ophold", 33, "AftaleID", ('"A7" findes ikke',)),)),
    Case("pladsnr-ud-over-aftalens-antal-i-Pladser",
         edit_example(append_row("Pladser", ["A3", 5, D(2022, 10, 1)])),
         (Expect("Pladser", 23, "PladsNr", ("Plads 5", "4 pladser")),)),
    Case("pladsnr-ud-over-aftalens-antal-i-Ophold",
         edit_example(cell("Ophold", 33, "PladsNr", 5)),
         (Expect("Ophold", 33, "PladsNr", ("Plads 5", "4 pladser")),)),
    Case("ophold-paa-plads-der-ikke-staar-i-Pladser",
         edit_example(lambda wb: clear_row(wb, "Pladser", 22)),
         (Expect("Ophold", 33, "PladsNr", ("Plads 4", "arket Pladser")),)),

    # -- duplicates
    Case("dobbelt-AftaleID",
         edit_example(cell("Aftaler", 7, "AftaleID", "A2")),
         (Expect("Aftaler", 7, "AftaleID", ('"A2" står to gange', "række 6")),),
         absent=("Plads 5 findes ikke", "Plads 6 findes ikke")),  # A2 (row 6) has 6 places
    Case("dobbelt-OpholdID",
         edit_example(cell("Ophold", 6, "OpholdID", "O-001")),
         (Expect("Ophold", 6, "OpholdID", ('"O-001" står to gange', "række 5")),)),
    Case("dobbelt-takst-samme-aftale-og-aar",
         edit_example(cell("Takster", 6, "År", 2022)),
         (Expect("Takster", 6, "År", ("A1", "2022", "to gange")),)),
    Case("dobbelt-plads",
         edit_example(cell("Pladser", 6, "PladsNr", 1)),
         (Expect("Pladser", 6, "PladsNr", ("Plads 1", "to gange")),)),

    # -- dates of stays and places
    Case("overlappende-ophold",
         edit_example(cell("Ophold", 7, "Fra dato", D(2023, 6, 1))),
         (Expect("Ophold", 7, "Fra dato", ("O-003", "O-002", "overlapper")),)),
    Case("til-dato-foer-fra-dato",
         edit_example(cell("Ophold", 6, "Til dato", D(2022, 1, 1))),
         (Expect("Ophold", 6, "Til dato", ("01-01-2022", "før Fra dato")),)),
    Case("betalt-til-foer-til-dato",
         edit_example(cell("Ophold", 6, "Betalt til", D(2023, 5, 31))),
         (Expect("Ophold", 6, "Betalt til", ("31-05-2023", "før Til dato")),)),
    Case("ibrugtagning-efter-foerste-ophold",
         edit_example(cell("Pladser", 5, "Ibrugtagningsdato", D(2022, 4, 1))),
         (Expect("Pladser", 5, "Ibrugtagningsdato", ("O-001", "01-03-2022")),)),
    Case("manglende-takst-for-aar-med-tomme-doegn",
         edit_example(lambda wb: clear_row(wb, "Takster", 10)),  # A2, 2023
         (Expect("Takster", ANY, "Døgntakst", ("A2", "2023", "tomme døgn")),)),

    # -- municipalities and the key
    Case("driftsherre-stavet-forkert-Lyngby-Taarbaek",
         edit_example(cell("Aftaler", 6, "Driftsherre", "Lyngby Taarbæk")),
         (Expect("Aftaler", 6, "Driftsherre", ('Mente du "Lyngby-Taarbæk"?',)),),
         absent=("findes ikke",)),
    Case("betalende-kommune-stavet-forkert",
         edit_example(cell("Ophold", 7, "Betalende kommune", "Hvidovere")),
         (Expect("Ophold", 7, "Betalende kommune", ('Mente du "Hvidovre"?',)),)),
    Case("betalende-kommune-er-en-region",
         edit_example(cell("Ophold", 5, "Betalende kommune", "Region Hovedstaden")),
         (Expect("Ophold", 5, "Betalende kommune", ("region",)),)),
    Case("folketal-mangler-paa-noegledato",
         edit_example(drop_population(157, D(2023, 1, 1))),
         (Expect("Befolkning", ANY, "Folketal", ("Gentofte", "01-01-2023")),)),
    Case("folketal-nul",
         edit_example(lambda wb: set_cell(wb, "Befolkning", 5, "Folketal", 0)),
         (Expect("Befolkning", 5, "Folketal", ("større end 0",)),)),
    Case("kommunenavn-passer-ikke-til-kode",
         edit_example(lambda wb: set_cell(wb, "Befolkning", 5, "Kommune", "Gentofte")),
         (Expect("Befolkning", 5, "Kommune", ("Gentofte", "101")),)),

    # -- settings
    Case("ugyldig-indstilling-Periode-Uge",
         from_data(lambda d: None, settings={"Periode": "Uge"}),
         (Expect("Indstillinger", setting_row("Periode"), "Afregningsperiode",
                 ('"Uge"', '"Kvartal"')),)),
    Case("ugyldig-indstilling-Garantiaar-nul",
         from_data(lambda d: None, settings={"Garantiaar": 0}),
         (Expect("Indstillinger", setting_row("Garantiaar"), "Garantiperiode (år)",
                 ("mindst 1",)),)),
    Case("daekningsandel-mangler-for-garantiaar-3",
         from_data(lambda d: d.update(tblDaekning=[[1, 0.5], [2, 0.5]])),
         (Expect("Indstillinger", ANY, "Dækningsandel", ("garantiår 3",)),)),
    Case("daekningsandel-over-100",
         from_data(lambda d: d.update(tblDaekning=[[1, 0.5], [2, 150], [3, 0.5]])),
         (Expect("Indstillinger", 6, "Dækningsandel", ("150 er over 100 %",)),),
         absent=("mangler",)),  # year 2 is listed, with a wrong share

    # -- privacy: CPR-like values (name the cell, never echo the value)
    Case("cpr-i-OpholdID",
         edit_example(cell("Ophold", 5, "OpholdID", "010190-1234")),
         (Expect("Ophold", 5, "OpholdID", ("A5", "CPR")),), forbidden=CPR_DIGITS),
    Case("cpr-i-bemaerkning",
         edit_example(cell("Aftaler", 5, "Bemærkning", "cpr 0101901234")),
         (Expect("Aftaler", 5, "Bemærkning", ("G5", "CPR")),), forbidden=CPR_DIGITS),
    Case("cpr-i-datokolonne",
         edit_example(cell("Ophold", 9, "Fra dato", "0101901234")),
         (Expect("Ophold", 9, "Fra dato", ("E9", "CPR")),), forbidden=CPR_DIGITS),
    Case("cpr-i-kommunekolonne",
         edit_example(cell("Ophold", 10, "Betalende kommune", "010190-1234")),
         (Expect("Ophold", 10, "Betalende kommune", ("D10", "CPR")),), forbidden=CPR_DIGITS),
    Case("cpr-som-tal-i-PladsNr",
         edit_example(cell("Pladser", 7, "PladsNr", 101901234)),
         (Expect("Pladser", 7, "PladsNr", ("B7", "CPR")),), forbidden=CPR_DIGITS),
    Case("cpr-i-talkolonne-Doegntakst",
         edit_example(cell("Takster", 8, "Døgntakst", "0101901234")),
         (Expect("Takster", 8, "Døgntakst", ("C8", "CPR")),), forbidden=CPR_DIGITS),

    # -- many problems at once: every one is reported
    Case("mange-fejl-paa-een-gang",
         edit_example(
             cell("Aftaler", 6, "Driftsherre", "Lyngby Taarbæk"),
             cell("Pladser", 5, "Ibrugtagningsdato", "31-02-2023"),
             cell("Takster", 6, "Døgntakst", "fire tusind"),
             cell("Takster", 7, "Døgntakst", -1),
             cell("Ophold", 7, "Fra dato", D(2023, 6, 1)),
             cell("Ophold", 8, "Til dato", D(2022, 1, 1)),
             cell("Ophold", 12, "OpholdID", "O-001"),
             cell("Ophold", 14, "Betalende kommune", "Hvidovere"),
             set_setting("Periode", "Uge"),
         ),
         (Expect("Aftaler", 6, "Driftsherre", ("Lyngby-Taarbæk",)),
          Expect("Pladser", 5, "Ibrugtagningsdato", ("31-02-2023",)),
          Expect("Takster", 6, "Døgntakst", ("ikke et tal",)),
          Expect("Takster", 7, "Døgntakst", ("større end 0",)),
          Expect("Ophold", 7, "Fra dato", ("overlapper",)),
          Expect("Ophold", 8, "Til dato", ("før Fra dato",)),
          Expect("Ophold", 12, "OpholdID", ("to gange",)),
          Expect("Ophold", 14, "Betalende kommune", ("Hvidovre",)),
          Expect("Indstillinger", setting_row("Periode"), "Afregningsperiode", ('"Uge"',)))),
]

assert len({c.id for c in CASES}) == len(CASES)


# --------------------------------------------------------------------------- assertions

_DANISH = {"er", "ikke", "skal", "mangler", "findes", "på", "i", "og", "til", "før", "efter",
           "står", "ligger", "en", "et", "har", "den", "det", "med", "som", "eller", "for",
           "af", "kan", "må", "gange", "mellem", "højst", "mindst", "større"}
_ENGLISH = {"the", "is", "not", "error", "invalid", "missing", "found", "sheet", "column",
            "row", "file", "cannot", "must", "traceback", "exception", "none", "null"}


def assert_danish(text: str) -> None:
    words = {w.casefold() for w in re.findall(r"[A-Za-zÆØÅæøå]+", text)}
    assert words & _DANISH, f"ikke dansk: {text!r}"
    assert not words & _ENGLISH, f"engelske ord {words & _ENGLISH} i: {text!r}"
    assert text.rstrip()[-1:] in ".?", f"ikke en hel sætning: {text!r}"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _fmt(entries: list[dict]) -> str:
    return "\n".join(f"  {e['ark']} / {e['raekke']} / {e['kolonne']}: {e['besked']}"
                     for e in entries)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_workbook_is_rejected(case: Case, tmp_path):
    folder = tmp_path / "sag"
    folder.mkdir()
    fil = folder / f"indfil{case.suffix}"
    case.make(fil)
    before = snapshot(folder)
    out = folder / "rapport.xlsx"

    result = run_cli("beregn", fil, "--ud", out, "--json")

    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, (result.returncode, result.stdout[-2000:], result.stderr)
    doc = json.loads(result.stdout)
    assert doc["format"] == "xl-underskud/fejl@1"
    entries = doc["fejl"]
    assert entries, "ingen fejl rapporteret"
    for expect in case.expect:
        assert any(expect.matches(e) for e in entries), (
            f"forventet {expect} blandt:\n{_fmt(entries)}")
    for e in entries:
        assert set(e) >= {"ark", "raekke", "kolonne", "besked"}
        assert_danish(e["besked"])
    for e in entries:
        for text in case.absent:
            assert text not in e["besked"], f"{text!r} i en fejl:\n{_fmt(entries)}"
    for secret in case.forbidden:
        assert secret not in result.stdout, f"{secret!r} gentaget i JSON:\n{_fmt(entries)}"
        assert secret not in result.stderr, f"{secret!r} gentaget på stderr:\n{result.stderr}"
    # nothing written: no report, no temporary file, and the input is untouched
    assert not out.exists()
    assert snapshot(folder) == before


# --------------------------------------------------------------------------- positive controls


def _settlement(tmp_path: Path, make: Callable[[Path], None], name: str) -> dict:
    fil = tmp_path / f"{name}.xlsx"
    make(fil)
    out = tmp_path / f"{name}_rapport.xlsx"
    result = run_cli("beregn", fil, "--ud", out, "--json")
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr)
    assert out.exists()
    doc = json.loads(result.stdout)
    assert doc["format"] == "xl-underskud/afregning@3"
    del doc["kilde"]  # names the input file and its checksum: differs by construction
    return doc


def test_openpyxl_roundtrip_of_the_example_is_valid(tmp_path):
    """The corpus' starting point is itself valid: every rejection above is the edit's doing."""
    direct = _settlement(tmp_path, write_example, "direkte")
    roundtrip = _settlement(tmp_path, edit_example(), "gemt")
    assert roundtrip == direct


def test_date_as_text_dd_mm_yyyy_is_accepted(tmp_path):
    """dd-mm-åååå typed as text counts as the date: same settlement as real Excel dates."""
    direct = _settlement(tmp_path, write_example, "direkte")
    as_text = _settlement(tmp_path, edit_example(
        cell("Ophold", 5, "Fra dato", "01-03-2022"),
        cell("Ophold", 6, "Til dato", "30-06-2023"),
        cell("Ophold", 6, "Betalt til", "31-08-2023"),
        cell("Pladser", 6, "Ibrugtagningsdato", "1-3-2022"),
        cell("Aftaler", 5, "Godkendt dato", "15-10-2021"),
    ), "tekstdatoer")
    assert as_text == direct


# --------------------------------------------------------------------------- valider


def test_valider_reports_the_same_errors_in_plain_text(tmp_path):
    case = next(c for c in CASES if c.id == "mange-fejl-paa-een-gang")
    folder = tmp_path / "sag"
    folder.mkdir()
    fil = folder / "indfil.xlsx"
    case.make(fil)
    before = snapshot(folder)

    beregn = run_cli("beregn", fil, "--json")
    expected = json.loads(beregn.stdout)["fejl"]
    result = run_cli("valider", fil)

    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("FEJL")]
    assert len(lines) == len(expected)
    for e in expected:
        location = ", ".join(part for part in (
            f"ark {e['ark']}" if e["ark"] else "",
            f"række {e['raekke']}" if e["raekke"] else "",
            f"kolonne {e['kolonne']}" if e["kolonne"] else "") if part)
        assert f"FEJL ({location}): {e['besked']}" in lines
    for expect in case.expect:
        want = f"ark {expect.ark}, række {expect.raekke}, kolonne {expect.kolonne}"
        assert any(want in line and all(p in line for p in expect.contains) for line in lines), (
            want, result.stderr)
    assert f"{len(expected)} fejl i indfil.xlsx" in result.stderr
    assert snapshot(folder) == before


def test_valider_names_the_cpr_cell_without_the_value(tmp_path):
    fil = tmp_path / "indfil.xlsx"
    edit_example(cell("Ophold", 5, "OpholdID", "010190-1234"))(fil)
    result = run_cli("valider", fil)
    assert result.returncode == 1
    assert "FEJL (ark Ophold, række 5, kolonne OpholdID): Cellen Ophold!A5" in result.stderr
    for secret in CPR_DIGITS:
        assert secret not in result.stdout + result.stderr
