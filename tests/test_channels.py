"""One answer in every channel: every setting × the CLI, the button scripts and the worksheet
functions give the same amounts on the same workbook.

Each scenario is the example workbook with one setting changed (with openpyxl, as a user would
in Excel; for the guarantee years tblDaekning gets matching rows). For every scenario:
- the CLI: `beregn FIL --json` (the command's own code, in this process) is the reference;
- the button script *Beregn* through xlwings' remote engine: its output sheets, applied to a
  file, carry the same amounts and distribution parts;
- the worksheet functions through xlwings Server's custom-functions-call, called as the README
  says (the tables' data bodies and the named cells as Excel sends them): UG_GARANTI gives each
  agreement-period's amount, UG_TOMGANG its vacant runs, UG_TOMME_DOEGN its vacant days,
  UG_FORDELING the parts on the key date the CLI used, UG_EKSPONERING the estimate.
Each workbook is built and settled once per module; one TestClient serves every call.
"""
from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from conftest import REPO, call, run_cli
from excel_payload import apply_actions, run_remote
from test_excel_scripts import assert_outputs_match, serial
from test_malformed import set_cell, set_setting

EXAMPLE = REPO / "workbook" / "Underskudsgaranti_eksempel.xlsx"


def coverage(*shares):
    """tblDaekning with one row per guarantee year (the table resized as Excel would)."""
    def edit(wb):
        ws = wb["Indstillinger"]
        table = ws.tables["tblDaekning"]
        first = int(table.ref.split(":")[0][1:]) + 1  # first data row
        for i in range(10):
            ws.cell(first + i, 1).value = i + 1 if i < len(shares) else None
            ws.cell(first + i, 2).value = shares[i] if i < len(shares) else None
        table.ref = f"A{first - 1}:B{first - 1 + len(shares)}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref
    return edit


def stay_ends(stay_id: str, last: date):
    """A stay that ends (and is paid) on `last`: the place stands vacant afterwards."""
    def edit(wb):
        row = next(c.row for c in wb["Ophold"]["A"] if c.value == stay_id)
        set_cell(wb, "Ophold", row, "Til dato", last)
    return edit


def occupancy(share: float):
    def edit(wb):
        ws = wb["Takster"]
        for row in range(5, ws.max_row + 1):
            if ws.cell(row, 1).value is not None:
                set_cell(wb, "Takster", row, "Belægningsprocent", share)
    return edit


# name → edits of the example. A3 place 1 starts 01-01-2022, so with 4 guarantee years its
# fourth year is 2025: O-202 ending 30-06-2025 leaves 184 vacant days at 25 % that 3 years
# would not cover; the example has no population for 01-01-2025, so that scenario splits on the
# year before's. With FratraekNormalTomgang = Ja the example's normal vacancy (5–10 %) takes
# every amount to 0; at 99 % occupancy the deduction leaves exact fractions to round.
SCENARIOS = {
    "standard": [],
    "daekning 75/50/25": [coverage(0.75, 0.5, 0.25)],
    "garantiaar 2": [set_setting("Garantiaar", 2), coverage(0.5, 0.5)],
    "garantiaar 4": [set_setting("Garantiaar", 4), coverage(0.5, 0.5, 0.5, 0.25),
                     stay_ends("O-202", date(2025, 6, 30)),
                     set_setting("Noegledato", "Året før")],
    "noegledato aaret foer": [set_setting("Noegledato", "Året før")],
    "periode kvartal": [set_setting("Periode", "Kvartal")],
    "periode maaned": [set_setting("Periode", "Måned")],
    "fratraek normal tomgang": [set_setting("FratraekNormalTomgang", "Ja")],
    "fratraek, belaegning 99 %": [set_setting("FratraekNormalTomgang", "Ja"), occupancy(0.99)],
}


def cli_json(*argv):
    """The CLI command in this process (`run_cli`), its JSON."""
    res = run_cli(*argv)
    assert res.returncode == 0, res.stdout + res.stderr
    return json.loads(res.stdout)


class Scenario:
    """One workbook: its file, what the CLI says about it, and its ranges as Excel sends them."""

    def __init__(self, name, edits, folder):
        self.name = name
        self.path = folder / f"{name.replace(' ', '_').replace('/', '-')}.xlsx"
        wb = load_workbook(EXAMPLE)
        for edit in edits:
            edit(wb)
        wb.save(self.path)
        self.settlement = cli_json("beregn", self.path, "--json")
        self.exposure = cli_json("eksponering", self.path, "--json")
        wb = load_workbook(self.path, data_only=True)
        self.body = {}
        for ws in wb.worksheets:
            for table in ws.tables.values():
                rows = ws[table.ref][1:]  # tblAftaler in a formula is the data body
                self.body[table.displayName] = [[serial(c.value) for c in row] for row in rows]
        self.named = {}  # the named cells of Indstillinger (not the list ranges)
        for name, dn in wb.defined_names.items():
            (sheet, ref), = dn.destinations
            if ":" not in ref:
                self.named[name] = serial(wb[sheet][ref.replace("$", "")].value)


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kanaler")
    return {name: Scenario(name, edits, folder) for name, edits in SCENARIOS.items()}


def settlement_tables(s: Scenario):
    """=UG_GARANTI(tblAftaler;tblPladser;tblTakster;tblOphold;…) — the four table arguments."""
    return [s.body[n] for n in ("tblAftaler", "tblPladser", "tblTakster", "tblOphold")]


def _split(args: str) -> list[str]:
    """'a;DATO(2023;1;1);"x"' → ['a', 'DATO(2023;1;1)', '"x"'] (top-level semicolons)."""
    out, depth, word = [], 0, ""
    for ch in args:
        if ch == ";" and depth == 0:
            out.append(word)
            word = ""
            continue
        depth += {"(": 1, ")": -1}.get(ch, 0)
        word += ch
    return out + [word]


# "=UG_GARANTI(tblAftaler;…)" in the README's table of calls (not those with "…" in them)
README_CALLS = {name: _split(args) for name, args in re.findall(
    r"`=(UG_\w+)\(([^`…]*)\)`", (REPO / "README.md").read_text(encoding="utf-8"))}


def readme_args(s: Scenario, function: str, literals: dict | None = None):
    """The arguments of the README's call of `function` (the call that gives beregn's numbers)
    on scenario `s`: a table name is the table's data body, a name the named cell as Excel
    sends it; `literals` replace literals of the call ('"A1"', 'DATO(2023;1;1)')."""
    literals = literals or {}
    out = []
    for text in README_CALLS[function]:
        if text in literals:
            out.append(literals[text])
        elif text in s.body:
            out.append(s.body[text])
        elif text in s.named:
            out.append(s.named[text])
        elif text.startswith('"'):
            out.append(text.strip('"'))
        elif text.startswith("DATO("):
            out.append(serial(date(*map(int, _split(text[5:-1])))))
        else:
            out.append(float(text))
    return out


def garanti_args(s: Scenario, agreement_id, period):
    """=UG_GARANTI(tblAftaler;…;"A1";"2023";tblDaekning;FratraekNormalTomgang;Garantiaar)."""
    return readme_args(s, "UG_GARANTI", {'"A1"': agreement_id, '"2023"': period})


def period_days(label: str) -> tuple[date, date]:
    """First and last day of '2023', '2023K2' or '2023M05'."""
    year = int(label[:4])
    if len(label) == 4:
        first, months = date(year, 1, 1), 12
    elif label[4] == "K":
        first, months = date(year, 3 * int(label[5]) - 2, 1), 3
    else:
        first, months = date(year, int(label[5:]), 1), 1
    month = first.month - 1 + months
    after = date(year + month // 12, month % 12 + 1, 1)
    return first, after - timedelta(days=1)


def kr(text: str) -> float:
    return float(Decimal(text))


@pytest.mark.parametrize("name", SCENARIOS)
def test_button_script_gives_the_cli_amounts_and_parts(scenarios, name, tmp_path):
    from xl_underskud.excel import scripts

    s = scenarios[name]
    apply_actions(s.path, run_remote(s.path, scripts.run_beregn), tmp_path / "ud.xlsx")
    assert_outputs_match(tmp_path / "ud.xlsx", s.settlement)


@pytest.mark.parametrize("name", SCENARIOS)
def test_worksheet_functions_give_the_cli_amounts(scenarios, client, name):
    s = scenarios[name]
    runs = {}
    for r in s.settlement["tomgang"]:
        runs.setdefault((r["aftale_id"], r["periode"]), []).append(
            [r["plads"], serial(date.fromisoformat(r["fra"])), serial(date.fromisoformat(r["til"])),
             r["doegn"], r["garantiaar"], kr(r["daekningsandel"]), kr(r["doegntakst"]),
             kr(r["vaerdi"])])
    for e in s.settlement["aftaler"]:
        key = (e["aftale_id"], e["periode"])
        amount = call(client, "ug_garanti", *garanti_args(s, *key))[0][0]
        assert round(amount * 100) == e["beloeb_oere"], (name, key, amount)
        spill = call(client, "ug_tomgang",
                     *readme_args(s, "UG_TOMGANG", {'"A1"': key[0], '"2023"': key[1]}))
        assert spill[0] == ["Plads", "Fra", "Til", "Tomme døgn", "Garantiår", "Dækningsandel",
                            "Døgntakst", "Værdi"]
        assert spill[1:] == runs.get(key, []), (name, key)
        first, last = period_days(e["periode"])
        vacant = call(client, "ug_tomme_doegn", *readme_args(s, "UG_TOMME_DOEGN", {
            '"A1"': e["aftale_id"], "DATO(2023;1;1)": serial(first),
            "DATO(2023;12;31)": serial(last)}))[0][0]
        assert vacant == e["tomme_doegn"], (name, key)


@pytest.mark.parametrize("name", SCENARIOS)
def test_ug_fordeling_and_ug_andel_on_the_cli_key_date_give_the_cli_parts(scenarios, client, name):
    s = scenarios[name]
    previous = s.named["Noegledato"] == "Året før"
    parts = {}
    for p in s.settlement["fordeling"]:
        parts.setdefault((p["aftale_id"], p["periode"]), {})[p["kommunekode"]] = p["beloeb_oere"]
    for e in s.settlement["aftaler"]:
        if not e["beloeb_oere"]:
            continue
        key_date = date(int(e["periode"][:4]) - previous, 1, 1)
        spill = call(client, "ug_fordeling", e["beloeb_oere"] / 100, s.body["tblBefolkning"],
                     serial(key_date))
        got = {int(row[0]): round(row[4] * 100) for row in spill[1:]}
        assert got == parts[(e["aftale_id"], e["periode"])], (name, e["aftale_id"], e["periode"])
        share = call(client, "ug_andel", "København", e["beloeb_oere"] / 100,
                     s.body["tblBefolkning"], serial(key_date))[0][0]
        assert round(share * 100) == got[101]


@pytest.mark.parametrize("name", SCENARIOS)
def test_ug_eksponering_gives_the_cli_estimate(scenarios, client, name):
    s = scenarios[name]
    spill = call(client, "ug_eksponering", *readme_args(s, "UG_EKSPONERING"))
    assert spill[0] == ["År", "Maksimum", "Forventet"]
    expected = {}
    for r in s.exposure["aftaler"]:
        year = expected.setdefault(r["aar"], [0, 0])
        year[0] += r["maksimum_oere"]
        year[1] += r["forventet_oere"]
    assert {int(y): [round(m * 100), round(f * 100)] for y, m, f in spill[1:]} == expected


@pytest.mark.parametrize("name, omitted", [
    # the settings a function left out before: omitted, the argument takes its default
    ("fratraek, belaegning 99 %", ["FratraekNormalTomgang"]),
    ("fratraek normal tomgang", ["FratraekNormalTomgang"]),
    ("garantiaar 4", ["Garantiaar"]),
    ("garantiaar 2", ["Garantiaar", "tblDaekning"]),  # (3 years on 2 rows would be an error)
    ("daekning 75/50/25", ["tblDaekning"]),
])
def test_only_the_workbooks_own_settings_give_the_cli_amounts(scenarios, client, name, omitted):
    s = scenarios[name]
    expected = {(e["aftale_id"], e["periode"]): e["beloeb_oere"] for e in s.settlement["aftaler"]}

    def amounts(**literals):
        return {key: round(call(client, "ug_garanti", *readme_args(
                    s, "UG_GARANTI", {'"A1"': key[0], '"2023"': key[1], **literals}))[0][0] * 100)
                for key in expected}

    assert amounts() == expected
    other = amounts(**dict.fromkeys(omitted))
    assert other != expected, "the setting changes no amount: the test could not fail"
