"""Button scripts and xlwings Server, end to end on Linux.

A workbook file is turned into the payload the add-in sends (tests/excel_payload.py), run
through xlwings' remote engine or xlwings Server, and the returned actions are applied back
to a file, whose output sheets must carry the numbers of `beregn --json`.
"""
import json
import shutil
import urllib.request
import xml.etree.ElementTree as ET
from datetime import date, datetime

import pytest
import xlwings as xw
from openpyxl import Workbook, load_workbook

from conftest import REPO, call, run_cli
from excel_payload import apply_actions, payload_from_xlsx, run_remote
from server_process import free_port, running_server

EXAMPLE = REPO / "workbook" / "Underskudsgaranti_eksempel.xlsx"
TEMPLATE = REPO / "workbook" / "Underskudsgaranti.xlsx"
FUNCTIONS = {"UG_FORDELING", "UG_ANDEL", "UG_TOMME_DOEGN", "UG_GARANTI", "UG_TOMGANG",
             "UG_DOEGNTAKST", "UG_EKSPONERING", "UG_TAKSTLOFT", "UG_OVERHEAD"}


@pytest.fixture(scope="module")
def expected():
    res = run_cli("beregn", EXAMPLE, "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def rows_of(book, sheet):
    """The rows of an output sheet as dicts; `book` is a path or a workbook loaded already."""
    if not isinstance(book, Workbook):
        book = load_workbook(book, data_only=True)
    ws = book[sheet]
    header = [c.value for c in ws[4]]
    out = []
    for row in ws.iter_rows(min_row=5, values_only=True):
        if row[0] in (None, "I alt"):
            break
        out.append(dict(zip(header, row)))
    return out


def assert_outputs_match(path, expected):
    book = load_workbook(path, data_only=True)
    resultat = {(r["AftaleID"], str(r["Periode"])): r for r in rows_of(book, "Resultat")}
    assert len(resultat) == len(expected["aftaler"])
    for e in expected["aftaler"]:
        r = resultat[(e["aftale_id"], e["periode"])]
        assert (r["Vinduesdøgn"], r["Betalte døgn"], r["Tomme døgn"]) == (
            e["vinduesdoegn"], e["betalte_doegn"], e["tomme_doegn"])
        assert round(r["Beløb"] * 100) == e["beloeb_oere"]
    fixed = {"AftaleID", "Periode", "Nøgledato", "Beløb"}
    fordeling = {(r["AftaleID"], str(r["Periode"]), kommune): v  # (not the note "Intet beløb …")
                 for r in rows_of(book, "Fordeling") for kommune, v in r.items()
                 if kommune not in fixed and v is not None}
    assert {k: round(v * 100) for k, v in fordeling.items()} == {
        (e["aftale_id"], e["periode"], e["kommune"]): e["beloeb_oere"]
        for e in expected["fordeling"]}
    kommuner = {(r["Kommunekode"], str(r["Periode"])): r for r in rows_of(book, "Kommuneoversigt")}
    for e in expected["kommuner"]:
        r = kommuner[(e["kommunekode"], e["periode"])]
        assert round(r["Netto"] * 100) == e["netto_oere"]


def test_classic_entry_point_through_the_remote_engine(tmp_path, expected):
    from xl_underskud.excel import scripts

    book_file = shutil.copy(EXAMPLE, tmp_path / "bog.xlsx")
    actions = run_remote(book_file, lambda book: scripts.main())
    assert any(a["func"] == "alert" for a in actions["actions"])
    apply_actions(book_file, actions, tmp_path / "ud.xlsx")
    assert_outputs_match(tmp_path / "ud.xlsx", expected)
    assert load_workbook(tmp_path / "ud.xlsx")["Fejl"]["A5"].value == "Ingen fejl eller advarsler."


def test_beregn_on_the_empty_template(tmp_path):
    from xl_underskud.excel import scripts

    book_file = shutil.copy(TEMPLATE, tmp_path / "skabelon.xlsx")
    apply_actions(book_file, run_remote(book_file, scripts.run_beregn), tmp_path / "ud.xlsx")
    ws = load_workbook(tmp_path / "ud.xlsx")["Resultat"]
    assert ws["A5"].value == "Ingen garanterede døgn i de valgte år."


def test_invalid_input_fills_fejl_and_keeps_earlier_results(tmp_path, expected):
    from xl_underskud.excel import scripts

    first = tmp_path / "foerste.xlsx"
    apply_actions(EXAMPLE, run_remote(EXAMPLE, scripts.run_beregn), first)
    wb = load_workbook(first)
    ws = wb["Takster"]
    ws["C6"] = -5  # a negative daily rate (row 6 = second rate row)
    ws["E7"] = "010190-1234"  # and a CPR-like value somewhere on an input sheet
    broken = tmp_path / "fejl.xlsx"
    wb.save(broken)
    actions = run_remote(broken, scripts.run_beregn)
    apply_actions(broken, actions, tmp_path / "ud.xlsx")
    assert_outputs_match(tmp_path / "ud.xlsx", expected)  # the earlier results are untouched
    fejl = rows_of(tmp_path / "ud.xlsx", "Fejl")
    places = {(r["Ark"], r["Række"], r["Kolonne"]) for r in fejl}
    assert ("Takster", 6, "Døgntakst") in places
    assert ("Takster", 7, "E") in places
    assert "1234" not in json.dumps(fejl, default=str)


def test_valider_and_ryd_resultater(tmp_path):
    from xl_underskud.excel import scripts

    done = tmp_path / "done.xlsx"
    apply_actions(EXAMPLE, run_remote(EXAMPLE, scripts.run_beregn), done)
    apply_actions(done, run_remote(done, scripts.run_valider), tmp_path / "v.xlsx")
    assert load_workbook(tmp_path / "v.xlsx")["Fejl"]["A5"].value == "Ingen fejl eller advarsler."
    apply_actions(done, run_remote(done, scripts.run_ryd_resultater), tmp_path / "r.xlsx")
    names = load_workbook(tmp_path / "r.xlsx").sheetnames
    assert not {"Resultat", "Fordeling", "Kommuneoversigt", "Fejl"} & set(names)
    assert "Aftaler" in names


# --- xlwings Server ------------------------------------------------------------------------

def serial(value):
    """Excel sends dates to custom functions as serial numbers."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return float((value - date(1899, 12, 30)).days)
    return "" if value is None else value


def grid(sheet, name):
    ws = load_workbook(EXAMPLE, data_only=True)[sheet]
    return [[serial(c.value) for c in row] for row in ws[ws.tables[name].ref]]


def test_server_lists_exactly_our_functions(client):
    meta = client.get("/xlwings/custom-functions-meta").json()
    ids = {fn["id"] for fn in meta["functions"]}
    assert ids == FUNCTIONS  # none of xlwings' example functions (no silent fallback)
    garanti = next(fn for fn in meta["functions"] if fn["id"] == "UG_GARANTI")
    assert "Tabellen tblAftaler" in garanti["parameters"][0]["description"]


def test_server_function_calls_return_the_settlement_numbers(client, expected):
    tables = [grid("Aftaler", "tblAftaler"), grid("Pladser", "tblPladser"),
              grid("Takster", "tblTakster"), grid("Ophold", "tblOphold")]
    for e in expected["aftaler"]:
        result = call(client, "ug_garanti", *tables, e["aftale_id"], e["periode"])
        assert round(result[0][0] * 100) == e["beloeb_oere"]
    spill = call(client, "ug_fordeling", 131943.0, grid("Befolkning", "tblBefolkning"), 44927.0)
    assert spill[0] == ["Kommunekode", "Kommune", "Folketal", "Andel", "Beløb"]
    assert round(sum(r[4] for r in spill[1:]) * 100) == 13_194_300
    # 10.000.000 / (6 × 366 × 0,95) = 4.793,4043 kr
    assert call(client, "ug_doegntakst", 10_000_000, 6, 0.95, 2024)[0][0] == pytest.approx(4793.4043)
    text = call(client, "ug_doegntakst", 10_000_000, 0, 0.95, 2024)[0][0]
    assert text.startswith("#FEJL")


def test_server_script_beregn_returns_actions(client, tmp_path, expected):
    scripts = client.get("/xlwings/custom-scripts-meta").json()
    assert {s["function_name"] for s in scripts} >= {"beregn", "valider", "ryd_resultater"}
    assert any(s["button"] == "[TextBox 1]Vejledning!C3" for s in scripts)
    res = client.post("/xlwings/custom-scripts-call/beregn", json=payload_from_xlsx(EXAMPLE))
    assert res.status_code == 200, res.text
    apply_actions(EXAMPLE, res.json(), tmp_path / "ud.xlsx")
    assert_outputs_match(tmp_path / "ud.xlsx", expected)


def test_manifest_names_the_product(client):
    res = client.get("/manifest")
    root = ET.fromstring(res.text.encode())
    ns = {"o": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "a": "http://schemas.microsoft.com/office/appforoffice/1.1"}
    assert root.find("a:DisplayName", ns).get("DefaultValue") == "Underskudsgaranti"
    assert root.find("a:DefaultLocale", ns).text == "da-DK"
    assert "UNDERSKUD" in res.text and "hello" not in res.text.lower()


def test_manifest_command_writes_the_manifest_for_the_address(tmp_path):
    from conftest import run_cli_process  # the command sets XLWINGS_… for its process

    out = tmp_path / "manifest.xml"
    res = run_cli_process("manifest", "--url", "https://excel.kommune.dk/ug", "--ud", out)
    assert res.returncode == 0, res.stderr
    assert f"Manifest skrevet: {out}" in res.stdout
    root = ET.fromstring(out.read_bytes())
    ns = {"a": "http://schemas.microsoft.com/office/appforoffice/1.1"}
    assert root.find("a:DisplayName", ns).get("DefaultValue") == "Underskudsgaranti"
    assert "https://excel.kommune.dk/ug/taskpane.html" in out.read_text(encoding="utf-8")


def test_template_buttons_match_the_scripts():
    import zipfile

    from xl_underskud.core.declarations import SHEET_BUTTONS

    with zipfile.ZipFile(TEMPLATE) as z:
        drawing = z.read("xl/drawings/drawing1.xml").decode()
        rels = z.read("xl/drawings/_rels/drawing1.xml.rels").decode()
    for b in SHEET_BUTTONS:
        assert f'name="{b.shape}"' in drawing
        assert f'Target="#{b.sheet}!{b.cell}"' in rels


# --- a real server process on 127.0.0.1 ----------------------------------------------------

def test_real_server_process(tmp_path, expected):
    with running_server() as base:
        with urllib.request.urlopen(f"{base}/xlwings/custom-functions-meta", timeout=10) as r:
            meta = json.loads(r.read())
        assert {fn["id"] for fn in meta["functions"]} == FUNCTIONS

        def post(path, body):
            req = urllib.request.Request(f"{base}{path}", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read())

        body = {"client": "Office.js", "version": xw.__version__, "runtime": "1.4",
                "func_name": "ug_andel",
                "args": [[["København"]], [[131943.0]], grid("Befolkning", "tblBefolkning"),
                         [[44927.0]]]}
        assert post("/xlwings/custom-functions-call", body)["result"][0][0] == pytest.approx(45590.12)
        actions = post("/xlwings/custom-scripts-call/beregn", payload_from_xlsx(EXAMPLE))
        apply_actions(EXAMPLE, actions, tmp_path / "ud.xlsx")
        assert_outputs_match(tmp_path / "ud.xlsx", expected)
        with urllib.request.urlopen(f"{base}/manifest", timeout=10) as r:
            assert b"Underskudsgaranti" in r.read()


def test_button_opdater_befolkning_writes_the_fetched_figures(tmp_path, monkeypatch):
    from fake_dst import FakeDST, _answer_text
    from xl_underskud.excel import scripts
    from xl_underskud.xlsx.reader import read_workbook
    from xl_underskud.core.parse import parse_inputs

    server = FakeDST()
    try:
        # the recorded 2024 answer, served as 1 January 2025 with København 1.000 higher
        server.answer(_answer_text(lambda f: f[:4] + ["2025K1", str(int(f[5]) + 1000)
                                                      if f[0] == "101" else f[5]]))
        monkeypatch.setenv("XL_UNDERSKUD_DST_URL", server.url)
        monkeypatch.delenv("HTTP_PROXY", raising=False)
        monkeypatch.delenv("http_proxy", raising=False)
        book_file = shutil.copy(EXAMPLE, tmp_path / "bog.xlsx")
        actions = run_remote(book_file, lambda book: scripts.run_opdater_befolkning(book, 2025))
    finally:
        server.close()
    apply_actions(book_file, actions, tmp_path / "ud.xlsx")
    inputs, messages = parse_inputs(read_workbook(tmp_path / "ud.xlsx"))
    assert [m for m in messages if m.is_error] == []
    by_date = {}
    for p in inputs.population:
        by_date.setdefault(p.key_date.year, {})[p.municipality_code] = p.population
    assert sorted(by_date) == [2022, 2023, 2024, 2025]  # 2025 added, earlier years kept
    # København 1 January 2024 = 659.350 (DST, bundled); the served 2025 answer adds 1.000
    assert by_date[2025][101] == 660_350
    assert len(by_date[2025]) == 29
    ws = load_workbook(tmp_path / "ud.xlsx")["Befolkning"]
    assert ws.tables["tblBefolkning"].ref == "A4:D120"
    assert ws["C120"].number_format == "dd-mm-yyyy"  # the key dates, as tblBefolkning declares


def test_button_opdater_befolkning_leaves_the_table_alone_on_a_network_error(tmp_path, monkeypatch):
    from xl_underskud.excel import scripts

    monkeypatch.setenv("XL_UNDERSKUD_DST_URL", f"http://127.0.0.1:{free_port()}/v1")
    book_file = shutil.copy(EXAMPLE, tmp_path / "bog.xlsx")
    actions = run_remote(book_file, lambda book: scripts.run_opdater_befolkning(book, 2025))
    touched = {a.get("sheet_position") for a in actions["actions"]
               if a["func"] not in ("alert", "addSheet")}
    apply_actions(book_file, actions, tmp_path / "ud.xlsx")
    wb = load_workbook(tmp_path / "ud.xlsx")
    assert wb["Befolkning"].tables["tblBefolkning"].ref == "A4:D91"
    assert touched == {wb.sheetnames.index("Fejl")}
    assert "Danmarks Statistik" in json.dumps(rows_of(tmp_path / "ud.xlsx", "Fejl"), default=str) \
        or "127.0.0.1" in json.dumps(rows_of(tmp_path / "ud.xlsx", "Fejl"), default=str)


def test_button_opgoerelser_builds_the_statement_sheet(tmp_path, expected):
    from xl_underskud.excel import scripts

    book_file = shutil.copy(EXAMPLE, tmp_path / "bog.xlsx")
    apply_actions(book_file, run_remote(book_file, scripts.run_opgoerelser), tmp_path / "ud.xlsx")
    rows = rows_of(tmp_path / "ud.xlsx", "Opgørelser")
    total = sum(e["beloeb_oere"] for e in expected["aftaler"])
    assert len(rows) == 30  # 29 paying municipalities + Region Hovedstaden
    assert round(sum(r["Betaler"] for r in rows) * 100) == total
    assert round(sum(r["Modtager"] for r in rows) * 100) == total
    assert round(sum(r["Netto"] for r in rows) * 100) == 0
    net = {r["Kode"]: round(r["Netto"] * 100) for r in rows}
    assert net == {k["kommunekode"]: k["netto_oere"] for k in
                   _positions_over_all_periods(expected)}


def _positions_over_all_periods(expected):
    out = {}
    for k in expected["kommuner"]:
        row = out.setdefault(k["kommunekode"], {"kommunekode": k["kommunekode"], "netto_oere": 0})
        row["netto_oere"] += k["netto_oere"]
    return list(out.values())
