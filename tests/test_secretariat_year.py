"""The secretariat's year (issue 11, "Done when"), through the commands only.

`examples/sekretariatets_aar.py` runs it (README, "Sekretariatets år"): the example as the
master of 2024 with quarterly settlement and only the stays begun before 2024; each quarter
`indberetning` per operator → the operator writes its new stays and departures in Ophold →
`saml` → `afregning --periode 2024Kn` → the ledger copy is the next master. O-210 (begun in Q1,
an extra stay) is reported only for Q2, O-013 (begun in Q3) only for Q4.

The claims, checked here against figures worked out by hand and against properties that do not
depend on how the program computes them:
- the four quarters settled one by one sum, in the final ledger (read with openpyxl), to a
  single settlement of the whole year on the final master, per agreement, period and
  municipality, to the øre — with and without the normal-vacancy deduction;
- the late stays appear as efterregulering of Q1 (in Q2) and of Q3 (in Q4), in `beregn --json`,
  in the ledger and on the statements;
- `saml` twice gives the same bytes; settling a settled quarter again settles nothing.
"""
from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from conftest import REPO, run_cli
from render import pdf_text

# The scripted year (a fixture per deduction setting, each four afregning runs) is built once
# per worker that runs a test of this file: keep the file's tests on one worker.
pytestmark = pytest.mark.xdist_group("secretariat_year")

SCRIPT = REPO / "examples" / "sekretariatets_aar.py"
EXAMPLE = REPO / "workbook" / "Underskudsgaranti_eksempel.xlsx"


def _load_script():
    spec = importlib.util.spec_from_file_location("sekretariatets_aar", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


aar = _load_script()

# The example's daily rates of 2024 in øre (sheet Takster) and the coverage share (50 %).
RATE_2024 = {"A1": 514_025, "A2": 445_575, "A3": 387_280}


def oere(days: int, agreement: str) -> int:
    """days × 50 % × the agreement's rate of 2024, rounded once to whole øre, half away from 0
    (SPEC rules 5 and 6)."""
    return int((Decimal(days) * RATE_2024[agreement] / 2).quantize(Decimal(1), ROUND_HALF_UP))


def _sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module", params=[False, True], ids=["uden-fradrag", "med-fradrag"])
def year(request, tmp_path_factory):
    before = _sha(EXAMPLE)
    folder = tmp_path_factory.mktemp("aar") / "aaret"
    result = aar.run_year(folder, deduct=request.param, run=run_cli, echo=lambda *a: None)
    assert _sha(EXAMPLE) == before, "the bundled example is only read"
    result.deduct = request.param
    return result


def _ledger(path: Path) -> list[tuple]:
    """tblAfregnet's rows, read with openpyxl (not the project's reader)."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["Afregnet"]
    table = ws.tables["tblAfregnet"]
    cells = ws[table.ref]
    header = [c.value for c in cells[0]]
    assert header == ["AftaleID", "Periode", "Kommunekode", "Beløb", "Afregnet dato", "Kontrol"]
    rows = [tuple(c.value for c in r) for r in cells[1:] if any(c.value is not None for c in r)]
    wb.close()
    return rows


def _sums(rows) -> dict[tuple[str, str, int], int]:
    out: dict = defaultdict(int)
    for aid, period, code, amount, _, _ in rows:
        out[(aid, period, int(code))] += round(Decimal(str(amount)) * 100)
    return {k: v for k, v in out.items() if v}


# --------------------------------------------------------------------------- the year adds up
def test_four_quarters_settled_one_by_one_are_the_single_settlement_of_the_year(year):
    final = year.final  # beregn --aar 2024 --json on the last ledger copy
    assert final["efterregulering"] == [], "after Q4 everything settled is what is computed"
    single = {(f["aftale_id"], f["periode"], f["kommunekode"]): f["beloeb_oere"]
              for f in final["fordeling"] if f["beloeb_oere"]}
    assert {k[1] for k in single} <= {f"2024K{q}" for q in (1, 2, 3, 4)}
    rows = _ledger(year.quarters[-1].ledger_copy)
    assert _sums(rows) == single
    total = sum(a["beloeb_oere"] for a in final["aftaler"])
    assert sum(_sums(rows).values()) == total > 0
    # each run appended its rows on its own settlement date, after the earlier rows
    days = [r[4].date() for r in rows]
    assert days == sorted(days)
    assert sorted(set(days)) == sorted(aar.SETTLED_ON.values())


def test_the_figures_by_hand(year):
    """Without the deduction every figure follows from the stays (README's worked example):
    Q1 A3 place 3 vacant 01-02 … 31-03 (60 days) until O-210 (15-02 … 15-03) arrives: 30 days;
    Q2 A2 place 5 vacant 01-04 … 31-05 (61); Q3 A1 place 8 vacant 01-08 … 30-09 (61) until O-013
    (from 01-09) arrives: 31; Q4 A1 place 5 vacant in November (30)."""
    if year.deduct:
        pytest.skip("with the deduction the property test above is the check")
    q1, q2, q3, q4 = year.quarters

    def amounts(q, period):
        return {a["aftale_id"]: a["beloeb_oere"] for a in q.json["aftaler"]
                if a["periode"] == period}

    assert amounts(q1, "2024K1") == {"A1": 0, "A2": 0, "A3": oere(60, "A3")}
    assert amounts(q2, "2024K2") == {"A1": 0, "A2": oere(61, "A2"), "A3": 0}
    assert amounts(q3, "2024K3") == {"A1": oere(61, "A1"), "A2": 0, "A3": 0}
    assert amounts(q4, "2024K4") == {"A1": oere(30, "A1"), "A2": 0, "A3": 0}

    def efterregulering(q):
        out = defaultdict(int)
        for e in q.json["efterregulering"]:
            assert e["difference_oere"] == e["beregnet_oere"] - e["afregnet_oere"]
            out[(e["aftale_id"], e["periode"])] += e["difference_oere"]
        return dict(out)

    assert efterregulering(q1) == {}
    assert efterregulering(q2) == {("A3", "2024K1"): oere(30, "A3") - oere(60, "A3")}
    assert efterregulering(q3) == {}, "Q3's report brings no late stay"
    assert efterregulering(q4) == {("A1", "2024K3"): oere(31, "A1") - oere(61, "A1")}
    # the year: 58.092,00 + 135.900,38 + 79.673,88 + 77.103,75 kr.
    assert sum(a["beloeb_oere"] for a in year.final["aftaler"]) == \
        oere(30, "A3") + oere(61, "A2") + oere(31, "A1") + oere(30, "A1") == 35_077_001
    # the command's own lines (the figures README quotes)
    assert "Efterregulering af 2024K1: 29 dele, i alt -58.092,00 kr." in q2.outputs["afregning"]
    assert "Efterregulering af 2024K3: 29 dele, i alt -77.103,75 kr." in q4.outputs["afregning"]


def test_the_efterregulering_is_in_the_ledger_and_on_the_statements(year):
    q2 = year.quarters[1]
    adjusted = {(e["aftale_id"], e["periode"], e["kommunekode"]): e["difference_oere"]
                for e in q2.json["efterregulering"]}
    assert adjusted and {k[1] for k in adjusted} == {"2024K1"}
    # the Q2 run wrote the differences as new rows dated on its day
    new_rows = [r for r in _ledger(q2.ledger_copy) if r[4].date() == aar.SETTLED_ON[2]]
    assert _sums([r for r in new_rows if r[1] == "2024K1"]) == \
        {k: v for k, v in adjusted.items() if v}
    assert {r[1] for r in new_rows} == {"2024K1", "2024K2"}
    # København's statement: Q2's part, Q1's correction, the net, the due date and reference
    text = pdf_text(q2.statements / "Opgoerelse_2024K2_101_Koebenhavn.pdf")
    correction = sum(v for k, v in adjusted.items() if k[2] == 101)
    part = sum(f["beloeb_oere"] for f in q2.json["fordeling"]
               if f["periode"] == "2024K2" and f["kommunekode"] == 101)
    assert correction < 0 < part
    from xl_underskud.outputs.display import kr

    for expected in ("Opgørelse af underskudsgaranti 2024K2 (2. kvartal 2024)",
                     f"Betaler: kommunens andel af garantibeløbene for 2024K2 {kr(part)}",
                     f"Betaler: efterregulering af 2024K1 {kr(correction)}",
                     "Efterregulering af tidligere afregnede perioder",
                     "Betales senest 14-08-2024 (afregnet 15-07-2024)", "UG-2024K2-101"):
        assert expected in " ".join(text.split()), expected
    net = part + correction
    assert f"København {'betaler' if net > 0 else 'modtager'} netto {kr(abs(net))}" in text


def test_an_operators_efterregulering_shows_no_meaningless_share_or_total(year):
    """Frederiksberg in Q2: its A3 has nothing new (0 kr.), only the efterregulering of Q1.
    The share of a 0 kr. amount is not 0 % (left blank), and its own part as payer and every
    municipality's part as operator are not added up in one total."""
    q2 = year.quarters[1]
    text = pdf_text(q2.statements / "Opgoerelse_2024K2_147_Frederiksberg.pdf")
    assert "Modtages fra de betalende kommuner" in text
    assert "0,0000 %" not in text
    section = text.split("Efterregulering af tidligere afregnede perioder")[1].split("Grundlag")[0]
    lines = [line.split() for line in section.splitlines() if line.strip()]
    assert [x[:3] for x in lines if x[0] == "A3"] == [["A3", "Frederiksberg", "2024K1"],
                                                      ["A3", "modtager", "(alle"]]
    assert not any(x[:2] == ["I", "alt"] for x in lines)
    # a payer's efterregulering is one way: it keeps its total
    text = pdf_text(q2.statements / "Opgoerelse_2024K2_101_Koebenhavn.pdf")
    section = text.split("Efterregulering af tidligere afregnede perioder")[1].split("Grundlag")[0]
    assert any(line.split()[:2] == ["I", "alt"] for line in section.splitlines())


def _kr(text: str) -> int:
    """'-26.846,46 kr.' → -2684646 (øre)."""
    return int(text.removesuffix(" kr.").replace(".", "").replace(",", ""))


def test_the_commands_table_adds_up_with_the_efterregulering(year):
    """afregning's table on the screen: Netto = Modtager - Betaler + Efterregulering for every
    party, and the Efterregulering column sums to the run's total efterregulering with the
    operators' side and the municipalities' side cancelling out (0)."""
    q1, q2 = year.quarters[:2]
    assert "Efterregulering" not in q1.outputs["afregning"].split("\n")[1]
    lines = q2.outputs["afregning"].splitlines()
    assert lines[1].split() == ["Kode", "Part", "Betaler", "Modtager", "Efterregulering",
                                "Netto"]
    money = re.compile(r"(-?[\d.]+,\d\d kr\.)")
    rows = [[_kr(x) for x in money.findall(line)] for line in lines[2:]
            if re.match(r"\s+\d+  ", line)]
    assert len(rows) == 30
    for pays, receives, adjust, net in rows:
        assert net == receives - pays + adjust
    assert sum(r[2] for r in rows) == 0
    assert sum(r[3] for r in rows) == 0


def test_what_each_saml_collected(year):
    """From the example's stays (25 begun before 2024): Q1 brings O-107's departure
    (29-02-2024); Q2 O-108, O-206 and the late O-210, and O-012's departure (31-05); Q3 O-008's
    departure (30-09) but not O-013 (late); Q4 O-013 and O-009."""
    expected = {1: "0 nye ophold, 0 nye pladser, 1 række udfyldt; i alt 25 ophold",
                2: "3 nye ophold, 0 nye pladser, 1 række udfyldt; i alt 28 ophold",
                3: "0 nye ophold, 0 nye pladser, 1 række udfyldt; i alt 28 ophold",
                4: "2 nye ophold, 0 nye pladser, 0 rækker udfyldt; i alt 30 ophold"}
    for q in year.quarters:
        assert f"3 indberetninger samlet i 2024K{q.quarter}" in q.outputs["saml"]
        assert expected[q.quarter] in q.outputs["saml"], q.outputs["saml"]


def test_a_period_in_words():
    from xl_underskud.outputs.statements import period_in_words

    assert period_in_words("2024K2") == "2. kvartal 2024"
    assert period_in_words("2024M03") == "marts 2024"
    assert period_in_words("2023M12") == "december 2023"
    assert period_in_words("2024") is None  # a year says itself
    assert period_in_words("2022-2024") is None


def test_a_report_carries_only_what_was_settled_on_its_own_agreements(year):
    """Q2's reports are made from Q1's ledger copy (29 rows, all A3: Frederiksberg's). Gladsaxe's
    report has none of them — another operator's rows would read as agreements missing from
    Aftaler, to be corrected to 0 kr. — and Frederiksberg's has all of them."""
    q1, q2 = year.quarters[:2]
    settled = _ledger(q1.ledger_copy)
    assert len(settled) == 29 and {r[0] for r in settled} == {"A3"}
    reports = {r.name: r for r in q2.reports}
    assert _ledger(reports["indberetning_gladsaxe.xlsx"]) == []
    assert _ledger(reports["indberetning_region_hovedstaden.xlsx"]) == []
    assert _ledger(reports["indberetning_frederiksberg.xlsx"]) == settled
    res = run_cli("valider", reports["indberetning_gladsaxe.xlsx"])
    assert res.returncode == 0 and "Afregnet" not in res.stdout, res.stdout


# --------------------------------------------------------------------------- same input twice
def test_saml_twice_gives_the_same_master(year, tmp_path):
    q2 = year.quarters[1]
    previous = year.quarters[0].ledger_copy
    again = tmp_path / "Master.xlsx"
    res = run_cli("saml", previous, *q2.reports, "--ud", again)
    assert res.returncode == 0, res.stderr
    assert again.read_bytes() == q2.master.read_bytes()
    # and merging the same reports into the result changes nothing
    twice = tmp_path / "Master2.xlsx"
    res = run_cli("saml", q2.master, *q2.reports, "--ud", twice)
    assert res.returncode == 0, res.stderr
    assert "0 nye ophold, 0 nye pladser, 0 rækker udfyldt" in res.stdout
    assert twice.read_bytes() == q2.master.read_bytes()


@pytest.mark.parametrize("quarter", [1, 4])
def test_a_settled_quarter_settled_again_settles_nothing(year, tmp_path, quarter):
    last = year.quarters[-1].ledger_copy
    before = _sha(last)
    out = tmp_path / "igen"
    res = run_cli("afregning", last, "--periode", f"2024K{quarter}", "--dato", "2025-02-01",
                  "--mappe", out)
    assert res.returncode == 1, res.stdout
    assert (f"Intet at afregne: 2024K{quarter} er afregnet før (arket Afregnet), og beløbene "
            f"er uændrede, så der er ingen efterregulering.") in res.stderr
    assert not out.exists() and _sha(last) == before


# --------------------------------------------------------------------------- what goes wrong
def test_a_changed_settled_stay_is_a_conflict_and_nothing_is_written(year, tmp_path):
    """Frederiksberg's Q3 report says O-206 moved in a month later than the master (whose
    Q2 was settled on it): saml names file, sheet, row and column, and writes nothing."""
    from xl_underskud.core.declarations import OPHOLD
    from xl_underskud.xlsx.inplace import replace_tables

    q3 = year.quarters[2]
    report = tmp_path / "indberetning_frederiksberg.xlsx"
    original = next(r for r in q3.reports if r.name == report.name)
    rows = aar._rows(original, OPHOLD)
    row = next(i for i, r in enumerate(rows) if r[0] == "O-206")
    rows[row] = rows[row][:4] + (date(2024, 5, 1),) + rows[row][5:]
    replace_tables(original, report, {OPHOLD.name: rows}, headers={OPHOLD.name: OPHOLD.headers})
    res = run_cli("saml", year.quarters[1].ledger_copy, report, "--ud", tmp_path / "Ny.xlsx")
    assert res.returncode == 1
    excel_row = 5 + row  # the table's header is on row 4
    assert (f"FEJL (fil {report.name}, ark Ophold, række {excel_row}, kolonne Fra dato): "
            f"Opholdet O-206 har Fra dato 01-05-2024 i filen, men 01-04-2024 i masteren.") \
        in res.stderr
    assert "1 fejl. Intet er skrevet." in res.stderr
    assert not (tmp_path / "Ny.xlsx").exists()


def test_an_edited_ledger_row_is_named(year, tmp_path):
    """Someone corrects an amount in the ledger copy by hand: valider names the row."""
    from xl_underskud.xlsx.inplace import replace_tables

    copy = year.quarters[0].ledger_copy
    rows = _ledger(copy)
    edited = list(rows[0])
    edited[3] = float(Decimal(str(edited[3])) + 1)
    edited[4] = edited[4].date()
    fixed = [tuple(r[:4]) + (r[4].date(), r[5]) for r in rows[1:]]
    target = tmp_path / "rettet.xlsx"
    replace_tables(copy, target, {"tblAfregnet": [tuple(edited)] + fixed})
    res = run_cli("valider", target)
    assert res.returncode == 1
    assert "ark Afregnet, række 5, kolonne Kontrol" in res.stderr
    assert "rækken er ændret efter afregningen" in res.stderr
    assert "række 6" not in res.stderr


# --------------------------------------------------------------------------- a quiet quarter
def test_a_quarter_with_nothing_to_settle_and_a_late_departure(tmp_path):
    """Region Hovedstaden reports O-012's departure (31-05-2024, paid to 31-07) only for Q4.
    At Q3 A1 place 8 is then still occupied and nothing in the year is vacant: `afregning
    --periode 2024K3` settles nothing (exit 1, nothing written) and the collected master goes
    on. In Q4 place 8 turns out vacant in August (O-013 from 01-09): 31 days on a quarter never
    settled, owed now as efterregulering (positive), and the year still adds up."""
    year = aar.run_year(tmp_path / "aaret", run=run_cli, echo=lambda *a: None,
                        late_departures={"O-012": 4})
    q1, q2, q3, q4 = year.quarters
    assert q3.outputs["afregning"] is None and not q3.statements.exists()
    assert q3.ledger_copy == q3.master
    assert _sums(_ledger(q3.master)) == _sums(_ledger(q2.ledger_copy))
    # beregn --json compares only periods in the ledger: Q3 is not there, so it is no
    # efterregulering yet, just computed
    assert q4.json["efterregulering"] == []
    # afregning --periode 2024K4 settles the skipped Q3 with it, as efterregulering
    assert "Efterregulering af 2024K3: 29 dele, i alt 79.673,88 kr." in q4.outputs["afregning"]
    rows = [r for r in _ledger(q4.ledger_copy) if r[1] == "2024K3"]
    assert {r[4].date() for r in rows} == {aar.SETTLED_ON[4]}
    assert sum(_sums(rows).values()) == oere(31, "A1")
    single = {(f["aftale_id"], f["periode"], f["kommunekode"]): f["beloeb_oere"]
              for f in year.final["fordeling"] if f["beloeb_oere"]}
    assert _sums(_ledger(q4.ledger_copy)) == single
    assert sum(single.values()) == 35_077_001  # the same year as without the late departure


# --------------------------------------------------------------------------- README
def test_the_readme_walkthrough_quotes_this_run(year):
    """README's "Sekretariatets år" states figures from `python examples/sekretariatets_aar.py`:
    each must be what this run printed (a changed example or rule cannot leave them stale)."""
    from xl_underskud.outputs.display import kr

    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("### Sekretariatets år")[1].split("\n### ")[0]
    section = " ".join(section.replace("−", "-").split())  # the README writes a minus sign
    figures = []
    for q in year.quarters:
        out = q.outputs["afregning"]
        figures.append(re.search(r"parter, i alt (\S+ kr\.)", out).group(1))
        figures += re.findall(r"Efterregulering af \S+: \d+ dele, i alt (\S+ kr\.)", out)
    total = sum(a["beloeb_oere"] for a in year.final["aftaler"])
    figures.append(kr(total))
    if not year.deduct:
        rows = len(_ledger(year.quarters[-1].ledger_copy))
        figures.append(f"har til sidst {rows} rækker")
        q2 = year.quarters[1].outputs["afregning"]
        kbh = re.search(r"^\s+101\s+København\s+(\S+ kr\.)\s+\S+ kr\.\s+(\S+ kr\.)\s+(\S+ kr\.)",
                        q2, re.M)
        part, adjust, net = kbh.groups()
        figures += [part, kr(-_kr(adjust)), net.lstrip("-"), "UG-2024K2-101", "14-08-2024"]
    missing = [f for f in figures if f.removesuffix(" kr.") not in section]
    assert not missing, missing
