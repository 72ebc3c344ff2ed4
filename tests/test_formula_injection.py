"""Nothing a user typed is ever written back as a formula (issue 'No surprises', item 3).

Hostile texts stand in every field the product echoes — agreement ids (which reach Resultat,
Tomgang, Fordeling, the statements and their annexes), the offer's name, the file name (in
every subtitle and source line) — and every writer is checked: the report, the statement
workbooks, the summary workbook, and the cells the add-in sets (setValues)."""
from __future__ import annotations

import copy
import os
import re
import zipfile

import pytest

from conftest import run_cli
from xl_underskud.xlsx import example
from xl_underskud.xlsx.template import build_workbook, default_population_rows

HOSTILE_IDS = {"A1": '=HYPERLINK("http://x","klik")', "A2": "+1+1", "A3": "@SUM(1)"}
HOSTILE_OFFER = "=cmd|' /C calc'!A0"


def _hostile_workbook(path):
    def swap(rows):
        return [[HOSTILE_IDS.get(v, v) if i == 0 else v for i, v in enumerate(r)] for r in rows]

    agreements = swap(copy.deepcopy(example.AGREEMENTS))
    agreements[0][2] = HOSTILE_OFFER
    stays = [[r[0], HOSTILE_IDS.get(r[1], r[1]), *r[2:]] for r in copy.deepcopy(example.STAYS)]
    build_workbook(path, {"tblAftaler": agreements, "tblPladser": swap(example.PLACES),
                          "tblTakster": swap(example.RATES), "tblOphold": stays,
                          "tblBefolkning": default_population_rows()})
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("injektion")
    return _hostile_workbook(folder / "=1+1.xlsx")  # the file name is echoed too


def _sheets_with_formulas(path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")
                and re.search(rb"<f[ >]", z.read(n))]


def _all_text(path) -> str:
    with zipfile.ZipFile(path) as z:
        return " ".join(z.read(n).decode("utf-8") for n in z.namelist()
                        if n.endswith(".xml") and ("sharedStrings" in n or "worksheets" in n))


def test_report_and_statements_hold_the_texts_as_text(hostile, tmp_path):
    report = tmp_path / "rapport.xlsx"
    res = run_cli("beregn", hostile, "--aar", "2023", "--ud", report)
    assert res.returncode == 0, res.stderr
    res = run_cli("afregning", hostile, "--aar", "2023", "--mappe", tmp_path / "UD")
    assert res.returncode == 0, res.stderr
    written = [report] + sorted((tmp_path / "UD").glob("*.xlsx"))
    assert len(written) > 30
    for path in written:
        assert _sheets_with_formulas(path) == [], path.name
    # the texts are there, as text (XML-escaped in the shared strings or inline)
    text = _all_text(report)
    for hostile_text in [*HOSTILE_IDS.values(), HOSTILE_OFFER, "=1+1.xlsx"]:
        escaped = (hostile_text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                   .replace('"', "&quot;"))
        assert hostile_text in text or escaped in text, hostile_text


def test_the_add_in_sets_texts_that_cannot_become_formulas(hostile):
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    from excel_payload import run_remote

    from xl_underskud.excel import scripts

    actions = run_remote(hostile, scripts.run_beregn)["actions"]
    values = [v for a in actions if a["func"] == "setValues" for row in a["values"] for v in row]
    texts = [v for v in values if isinstance(v, str)]
    assert any(HOSTILE_IDS["A1"] in v for v in texts)  # the agreement id reached the sheets
    for v in texts:
        # a text that would start a formula carries Excel's text mark
        assert not v.startswith(("=", "+", "-", "@")), v
    assert "'" + HOSTILE_IDS["A1"] in texts and "'" + HOSTILE_IDS["A2"] in texts
