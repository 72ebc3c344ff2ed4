"""Worksheet functions: called directly, as xlwings Server custom functions, and in classic mode.

Expected figures come from `beregn --json` on the same workbook (which test_cli.py and
test_rules.py check against hand calculations) or from hand calculation written beside them.
"""
import json
import subprocess
import sys
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
from openpyxl import load_workbook

from conftest import REPO, run_cli
from xl_underskud.excel import functions as f

EXAMPLE = REPO / "workbook" / "Underskudsgaranti_eksempel.xlsx"


def table(sheet, name, header=True):
    ws = load_workbook(EXAMPLE, data_only=True)[sheet]
    rows = [[c.value for c in row] for row in ws[ws.tables[name].ref]]
    return pd.DataFrame(rows if header else rows[1:])


@pytest.fixture(scope="module")
def settlement():
    res = run_cli("beregn", EXAMPLE, "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def tables():
    return {n: table(s, n) for s, n in (("Aftaler", "tblAftaler"), ("Pladser", "tblPladser"),
                                        ("Takster", "tblTakster"), ("Ophold", "tblOphold"),
                                        ("Befolkning", "tblBefolkning"))}


def test_ug_garanti_gives_the_same_amounts_as_beregn(settlement, tables):
    t = tables
    for row in settlement["aftaler"]:
        amount = f.ug_garanti(t["tblAftaler"], t["tblPladser"], t["tblTakster"], t["tblOphold"],
                              row["aftale_id"], row["periode"])
        assert round(amount * 100) == row["beloeb_oere"], row


def test_ug_garanti_by_quarter_and_month(tables):
    t = (tables["tblAftaler"], tables["tblPladser"], tables["tblTakster"], tables["tblOphold"])
    # A2: place 2 vacant 1 May – 30 June 2023 (see test_cli): all 61 days in 2023K2;
    # May = 31 d × 50 % × 4.326,00 = 67.053,00 kr; June = 30 d → 64.890,00 kr
    assert f.ug_garanti(*t, "A2", "2023K2") == pytest.approx(131943.00)
    assert f.ug_garanti(*t, "A2", "2023K1") == 0
    assert f.ug_garanti(*t, "A2", "2023M05") == pytest.approx(67053.00)
    assert f.ug_garanti(*t, "A2", "2023M06") == pytest.approx(64890.00)


def test_ug_fordeling_spills_parts_that_add_up(settlement, tables):
    bef = tables["tblBefolkning"]
    out = f.ug_fordeling(131943.00, bef, datetime(2023, 1, 1))
    assert list(out.columns) == ["Kommunekode", "Kommune", "Folketal", "Andel", "Beløb"]
    assert len(out) == 29
    assert round(out["Beløb"].sum() * 100) == 13_194_300
    expected = {r["kommunekode"]: r["beloeb_oere"] for r in settlement["fordeling"]
                if (r["aftale_id"], r["periode"]) == ("A2", "2023")}
    assert {int(k): round(v * 100) for k, v in zip(out["Kommunekode"], out["Beløb"])} == expected
    # the data body without its header row, and the key date as an Excel serial (44927 = 1-1-2023)
    body = table("Befolkning", "tblBefolkning", header=False)
    assert f.ug_fordeling(131943.00, body, 44927.0)["Beløb"].tolist() == out["Beløb"].tolist()


def test_ug_andel_is_one_row_of_the_split(tables):
    bef = tables["tblBefolkning"]
    # København: 131.943,00 × 653.664 / 1.891.778 = 45.590,1216… → 45.590,12 kr (README)
    assert f.ug_andel("København", 131943.00, bef, datetime(2023, 1, 1)) == pytest.approx(45590.12)
    assert f.ug_andel(101, 131943.00, bef, datetime(2023, 1, 1)) == pytest.approx(45590.12)
    text = f.ug_andel("Lyngby Taarbæk", 100, bef, datetime(2023, 1, 1))
    assert text.startswith("#FEJL") and "Lyngby-Taarbæk" in text


def test_settings_are_read_as_their_named_cells(tables):
    t = (tables["tblAftaler"], tables["tblPladser"], tables["tblTakster"], tables["tblOphold"])
    # the example's normal vacancy (92 % occupancy on A2) deducts more than A2's 61 vacant days
    assert f.ug_garanti(*t, "A2", "2023", None, "Ja") == 0
    assert f.ug_garanti(*t, "A2", "2023", None, True) == 0  # TRUE, as Excel sends it
    assert f.ug_garanti(*t, "A2", "2023", None, "nej") == pytest.approx(131943.00)
    assert f.ug_garanti(*t, "A2", "2023", None, "") == pytest.approx(131943.00)  # blank: Nej
    assert f.ug_garanti(*t, "A2", "2023", None, None, 3.0) == pytest.approx(131943.00)


def test_ug_tomgang_spills_the_runs_of_beregn(settlement, tables):
    t = (tables["tblAftaler"], tables["tblPladser"], tables["tblTakster"], tables["tblOphold"])
    # README's example: A2 place 2 (from 01-02-2022, so guarantee year 2) vacant 01-05 –
    # 30-06-2023: 61 d × 50 % × 4.326,00 kr. Dates are dates, amounts kroner.
    out = f.ug_tomgang(*t, "A2", "2023")
    assert list(out.columns) == ["Plads", "Fra", "Til", "Tomme døgn", "Garantiår",
                                 "Dækningsandel", "Døgntakst", "Værdi"]
    assert out.values.tolist() == [[2, date(2023, 5, 1), date(2023, 6, 30), 61, 2, 0.5, 4326.0,
                                    131943.0]]
    assert f.ug_tomgang(*t, "A2", "2022").empty  # no vacant day: the header only
    for row in settlement["aftaler"]:
        runs = f.ug_tomgang(*t, row["aftale_id"], row["periode"])
        assert runs["Tomme døgn"].sum() == row["tomme_doegn"], row
        # the runs' values, summed exactly and rounded once, half away from zero, to øre
        value = sum((Decimal(repr(v)) for v in runs["Værdi"].tolist()), Decimal(0)) * 100
        assert int(value.quantize(Decimal(1), ROUND_HALF_UP)) == row["beloeb_oere"], row


def test_ug_tomme_doegn_matches_beregn(settlement, tables):
    for row in settlement["aftaler"]:
        year = int(row["periode"])
        vacant = f.ug_tomme_doegn(tables["tblPladser"], tables["tblOphold"], row["aftale_id"],
                                  datetime(year, 1, 1), datetime(year, 12, 31))
        assert vacant == row["tomme_doegn"], row
    # A1 place 3: paid to 28-02-2023, next stay 01-06-2023 → March only: 31 days
    assert f.ug_tomme_doegn(tables["tblPladser"], tables["tblOphold"], "A1",
                            datetime(2023, 3, 1), datetime(2023, 3, 31)) == 31


def test_ug_doegntakst_by_hand():
    # 10.000.000 kr / (6 pladser × 366 dage (2024) × 95 %) = 10.000.000 / 2.086,2 = 4.793,4043 kr
    assert f.ug_doegntakst(10_000_000, 6, 0.95, 2024) == pytest.approx(4793.40427571)
    # whole percent accepted: 95 = 95 %; 2023 has 365 days → 10.000.000 / 2.080,5 = 4.806,5369
    assert f.ug_doegntakst(10_000_000, 6, 95, 2023) == pytest.approx(4806.53689)


@pytest.mark.parametrize("call, words", [
    (lambda t: f.ug_doegntakst(1000, 0, 0.9, 2024), "Pladser"),  # the declared header
    (lambda t: f.ug_doegntakst("mange", 6, 0.9, 2024), "omkostninger"),
    (lambda t: f.ug_doegntakst(1000, 6, 150, 2024), "Belægningsprocent"),
    (lambda t: f.ug_fordeling("x", t["tblBefolkning"]), "beløb"),
    (lambda t: f.ug_fordeling(100, t["tblBefolkning"], datetime(2030, 1, 1)), "01-01-2030"),
    (lambda t: f.ug_fordeling(100, pd.DataFrame([["a", "b"]])), "kolonnerne"),
    (lambda t: f.ug_garanti(t["tblAftaler"], t["tblPladser"], t["tblTakster"], t["tblOphold"],
                            "A1", "23"), "2023K1"),
    (lambda t: f.ug_garanti(t["tblAftaler"], t["tblPladser"], t["tblTakster"], t["tblOphold"],
                            "A9", "2023"), "A9"),
    (lambda t: f.ug_tomme_doegn(t["tblPladser"], t["tblOphold"], "A1", datetime(2024, 1, 1),
                                datetime(2023, 1, 1)), "før"),
    # a setting is read as its named cell: the error names the setting, as on Indstillinger
    (lambda t: f.ug_garanti(t["tblAftaler"], t["tblPladser"], t["tblTakster"], t["tblOphold"],
                            "A1", "2023", None, "Måske"), "Fratræk normal tomgang"),
    (lambda t: f.ug_garanti(t["tblAftaler"], t["tblPladser"], t["tblTakster"], t["tblOphold"],
                            "A1", "2023", None, "Ja", 11), "Garantiperiode (år)"),
    (lambda t: f.ug_tomme_doegn(t["tblPladser"], t["tblOphold"], "A1", datetime(2023, 1, 1),
                                datetime(2023, 12, 31), 2.5), "heltal"),
    (lambda t: f.ug_tomgang(t["tblAftaler"], t["tblPladser"], t["tblTakster"], t["tblOphold"],
                            "A1", "2023K5"), "2023K1"),
    (lambda t: f.ug_eksponering(t["tblAftaler"], t["tblPladser"], t["tblTakster"], None, None,
                                None, pd.DataFrame([[1, 0.5], [2, 0.5], [3, 0.5]]), 4),
     "garantiår 4"),
])
def test_bad_arguments_give_a_danish_text_not_a_traceback(tables, call, words):
    out = call(tables)
    assert isinstance(out, str) and out.startswith("#FEJL: "), out
    assert words in out
    assert "Traceback" not in out


def test_functions_are_registered_for_xlwings_server():
    for name in f.__all__:
        meta = getattr(f, name).__xlfunc__
        assert meta["name"] == name


def test_classic_mode_decorators_leave_plain_callables(tmp_path):
    code = ("import os; os.environ.pop('XLWINGS_ON_SERVER', None)\n"
            "from xl_underskud.excel import functions as f\n"
            "assert not hasattr(f.ug_doegntakst, '__xlfunc__')\n"
            "print(round(f.ug_doegntakst(10000000, 6, 0.95, 2024), 2))\n")
    env = {k: v for k, v in __import__("os").environ.items() if k != "XLWINGS_ON_SERVER"}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "4793.4"


def test_ug_garanti_looks_only_at_its_own_agreement(settlement, tables):
    # a broken stay of A3 (Til dato before Fra dato) does not stop the amount of A2
    ophold = tables["tblOphold"].copy()
    broken = ophold.index[ophold[0] == "O-201"][0]
    ophold.loc[broken, 5] = datetime(2021, 1, 1)
    t = (tables["tblAftaler"], tables["tblPladser"], tables["tblTakster"], ophold)
    expected_a2 = {r["periode"]: r["beloeb_oere"] for r in settlement["aftaler"]
                   if r["aftale_id"] == "A2"}
    assert round(f.ug_garanti(*t, "A2", "2023") * 100) == expected_a2["2023"]
    assert f.ug_garanti(*t, "A3", "2023").startswith("#FEJL")
