"""Settled is settled (SPEC rule 14): the ledger tblAfregnet, the efterregulering and a
secretariat's year settled quarter by quarter with stays that arrive late.

The year test's claim: whatever order the stays arrive in, settling the quarters one by one
(each run appending the new parts and the differences on earlier quarters to the ledger) ends
with Σ ledger rows per (agreement, period, municipality) = a single settlement of the final
data, to the øre — with the normal-vacancy deduction too, where late stays in Q3 change Q1
(the year's deduction is shared over the quarters in proportion to their vacant days).
"""
from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import copy_of_example, run_cli
from render import pdf_text
from xl_underskud.core.dates import period_label
from xl_underskud.core.declarations import AFREGNET, Period
from xl_underskud.core.engine import evaluate
from xl_underskud.core.records import LedgerRow
from xl_underskud.core.rules.ledger import (Adjustment, adjustments, check_value, parse_period,
                                            settled_sums, settlement_run)
from xl_underskud.core.rules.settlement import settle
from xl_underskud.xlsx.ledger import rebuild_workbook
from xl_underskud.xlsx.reader import read_workbook

YEAR = 2023
QUARTER_END = {1: date(2023, 3, 31), 2: date(2023, 6, 30), 3: date(2023, 9, 30),
               4: date(2023, 12, 31)}
# Stays reported late: O-202 moved in on 01-03-2023 (Q1) but is reported only for the Q3
# settlement; O-005 moved in on 01-06-2023 (Q2) and is reported only for Q4.
LATE = {"O-202": 3, "O-005": 4}


# --------------------------------------------------------------------------- the pieces
def test_the_kontrol_is_the_start_of_the_sha256_of_the_canonical_row():
    # by hand: 'aftale|periode|kode|øre|åååå-mm-dd', first 12 hex digits
    text = b"A1|2023K1|101|10615452|2023-04-15"
    digits = hashlib.sha256(text).hexdigest()[:12]
    assert check_value("A1", "2023K1", 101, 10_615_452, date(2023, 4, 15)) == \
        f"{digits[:4]}-{digits[4:8]}-{digits[8:]}"
    # one øre more is another checksum: an edited amount is detected
    assert check_value("A1", "2023K1", 101, 10_615_453, date(2023, 4, 15)) != \
        check_value("A1", "2023K1", 101, 10_615_452, date(2023, 4, 15))


def test_no_kontrol_ever_looks_like_a_cpr_number():
    """Bare hex holds 10 decimal digits in a row about once in a thousand rows, and the reader
    refuses a CPR-like value anywhere (SPEC rule 11): grouped by four it never can."""
    from xl_underskud.core.cpr import looks_like_cpr

    day = date(2024, 1, 15)
    assert not any(looks_like_cpr(check_value("A1", "2024K1", code, oere, day))
                   for code in range(101, 131) for oere in range(0, 1_000_000, 97))
    # the bare digits would have been refused now and then (why the groups are there)
    assert any(looks_like_cpr(check_value("A1", "2024K1", code, oere, day).replace("-", ""))
               for code in range(101, 131) for oere in range(0, 1_000_000, 97))


@pytest.mark.parametrize("kind", list(Period))
def test_every_period_label_the_rules_write_is_read_back(kind):
    day, seen = date(2024, 1, 1), set()
    while day.year == 2024:
        label = period_label(day, kind)
        parsed = parse_period(label)
        assert parsed is not None and parsed[0] is kind and parsed[1] == 2024
        seen.add(parsed[2])
        day += timedelta(days=1)
    assert seen == set(range(1, {Period.YEAR: 1, Period.QUARTER: 4, Period.MONTH: 12}[kind] + 1))


@pytest.mark.parametrize("label", ["2024K5", "2024K0", "2024M13", "2024M3", "24", "2024-1",
                                   "2024k1", " 2024", ""])
def test_other_labels_are_not_periods(label):
    assert parse_period(label) is None


def test_efterregulering_by_hand():
    computed = [("A1", "2024K1", 101, 100), ("A1", "2024K1", 147, 50),
                ("A1", "2024K2", 101, 999)]  # 2024K2 not settled: not compared
    settled = {("A1", "2024K1", 101): 100, ("A1", "2024K1", 147): 60,
               ("A1", "2024K1", 151): 5, ("A2", "2023K4", 101): 7}
    assert adjustments(computed, settled, {"2024K1"}) == (
        Adjustment("A1", "2024K1", 147, 50, 60),  # 50 − 60 = −10: refunded
        Adjustment("A1", "2024K1", 151, 0, 5),  # no longer computed: 0 − 5 = −5
    )
    assert [a.difference_oere for a in adjustments(computed, settled, {"2024K1"})] == [-10, -5]


# --------------------------------------------------------------------------- the year, in the core
@pytest.fixture(scope="module")
def example_inputs(tmp_path_factory):
    path = copy_of_example(tmp_path_factory.mktemp("ledger") / "eksempel.xlsx")
    _, inputs, messages = evaluate(read_workbook(path))
    assert inputs is not None and not any(m.is_error for m in messages)
    return inputs


def quarterly(inputs, deduct: bool):
    """The example settled by quarter; with the deduction at 99 % occupancy (the example's
    90–95 % would deduct more than the year's vacant days: every amount 0, a weak test)."""
    settings = replace(inputs.settings, period=Period.QUARTER, deduct_normal_vacancy=deduct)
    rates = tuple(replace(r, occupancy_rate=Decimal("0.99")) for r in inputs.rates) \
        if deduct else inputs.rates
    return replace(inputs, settings=settings, rates=rates)


def known_at(inputs, step: int):
    """The stays as reported for the settlement of quarter `step`: those begun by the end of
    the quarter (not the late ones yet); a departure after it is not known yet."""
    cutoff = QUARTER_END[step]
    stays = []
    for s in inputs.stays:
        if s.from_date > cutoff or LATE.get(s.stay_id, 0) > step:
            continue
        if s.to_date is not None and s.to_date > cutoff:
            s = replace(s, to_date=None, paid_until=None)
        stays.append(s)
    return tuple(stays)


def as_rows(entries) -> tuple:
    """Ledger entries as tblAfregnet's typed rows (as the reader gives them back)."""
    return tuple(LedgerRow(e.agreement_id, e.period, e.municipality_code,
                           Decimal(e.amount_oere).scaleb(-2), e.settled_on, e.check, row=i)
                 for i, e in enumerate(entries, start=5))


def nonzero(sums: dict) -> dict:
    return {k: v for k, v in sums.items() if v}


@pytest.mark.parametrize("deduct", [False, True], ids=["uden-fradrag", "med-fradrag"])
def test_a_year_settled_quarter_by_quarter_adds_up_to_the_year(example_inputs, deduct):
    base = quarterly(example_inputs, deduct)
    ledger, runs = (), []
    for step in (1, 2, 3, 4):
        inputs = replace(base, stays=known_at(base, step), ledger=as_rows(ledger))
        years = frozenset(int(r.period[:4]) for r in inputs.ledger)
        settlement, messages = settle(inputs, YEAR, years)
        assert settlement is not None, [m.text for m in messages if m.is_error]
        run = settlement_run(settlement, inputs, {f"{YEAR}K{step}"}, f"{YEAR}K{step}",
                             QUARTER_END[step] + timedelta(days=15))
        assert run.new_periods == (f"{YEAR}K{step}",)  # the new quarter, settled once
        assert {a.period for a in run.adjustments} <= {f"{YEAR}K{q}" for q in range(1, step)}
        ledger = run.ledger
        runs.append(run)

    final_inputs = replace(base, stays=known_at(base, 4))
    single, _ = settle(final_inputs, YEAR)
    truth, _ = settle(base, YEAR)  # every stay as it really is, departures after 2023 too
    assert single.parts == truth.parts, "after Q4 the year's days are all known"
    expected = {(p.agreement_id, p.period, p.municipality_code): p.amount_oere
                for p in single.parts}
    assert nonzero(settled_sums(ledger)) == nonzero(expected)
    assert sum(settled_sums(ledger).values()) == single.total_oere > 0
    # the ledger absorbed real corrections: Q1 was corrected later (O-202 arrived late), …
    assert any(a.period == f"{YEAR}K1" for r in runs[1:] for a in r.adjustments)
    # … and an edited ledger is never needed: every row written carries a matching Kontrol
    assert all(e.check == check_value(e.agreement_id, e.period, e.municipality_code,
                                      e.amount_oere, e.settled_on) for e in ledger)

    # settling the same data twice: no differences, nothing appended
    inputs = replace(final_inputs, ledger=as_rows(ledger))
    again, _ = settle(inputs, YEAR)
    assert again.adjustments == ()
    rerun = settlement_run(again, inputs, {f"{YEAR}K4"}, f"{YEAR}K4", date(2024, 2, 1))
    assert rerun.adjustments == () and rerun.appended == ()
    # (a quarter whose parts were all 0 has no ledger rows, so it counts as new again: with
    # nothing to pay, as before)
    assert rerun.new.total_oere == 0 if rerun.new_periods else True


def test_with_the_deduction_a_late_stay_in_q3_changes_q1(example_inputs):
    """What the ledger must absorb: the year's normal-vacancy deduction is shared over the
    quarters by their vacant days, so Q3's stays move part of it out of (or into) Q1."""
    base = quarterly(example_inputs, True)
    q1 = {}
    for step in (1, 4):
        s, _ = settle(replace(base, stays=known_at(base, step)), YEAR)
        q1[step] = {ap.agreement_id: ap.amount_oere for ap in s.agreement_periods
                    if ap.period == f"{YEAR}K1"}
    assert q1[1] != q1[4]


# --------------------------------------------------------------------------- through the files
def test_the_year_through_the_command_and_its_ledger_copies(example_inputs, tmp_path):
    """`afregning --periode 2023Kn` four times, each on the master rebuilt with the stays
    known by then and the ledger of the previous run's copy (FratraekNormalTomgang = Ja)."""
    base = quarterly(example_inputs, True)
    ledger_rows: list[list] = []
    for step in (1, 2, 3, 4):
        master = tmp_path / f"trin{step}" / "Master.xlsx"
        master.parent.mkdir()
        rebuild_workbook(master, replace(base, stays=known_at(base, step)), ledger_rows)
        before = master.read_bytes()
        day = QUARTER_END[step] + timedelta(days=15)
        res = run_cli("afregning", master, "--periode", f"{YEAR}K{step}", "--mappe",
                      master.parent / "UD", "--dato", day.isoformat())
        assert res.returncode == 0, res.stderr
        assert master.read_bytes() == before, "the master is never modified"
        if step > 1:
            assert "Efterregulering af" in res.stdout
        if step == 2:
            _check_payable_statement(master, master.parent / "UD", day)
        copy = master.parent / "UD" / f"Master_afregnet_{YEAR}K{step}.xlsx"
        changed = _changed_parts(master, copy)
        # sheet Afregnet, its table and the ledger's seal (a custom document property)
        assert len(changed) == 3 and {p.split("/")[1] for p in changed} == \
            {"worksheets", "tables", "custom.xml"}, \
            f"only sheet Afregnet, its table and the seal are rewritten: {changed}"
        _, copied, messages = evaluate(read_workbook(copy), YEAR)
        assert copied is not None and not any(m.is_error for m in messages)
        assert [replace(x, row=None) for x in copied.stays] == \
            [replace(x, row=None) for x in known_at(base, step)], "the stays carried over"
        rows = [[r.agreement_id, r.period, r.municipality_code, r.amount, r.settled_on, r.check]
                for r in copied.ledger]
        assert rows[:len(ledger_rows)] == ledger_rows, "append-only"
        assert {r[4] for r in rows[len(ledger_rows):]} == {day}
        ledger_rows = rows

    single, _ = settle(replace(base, stays=known_at(base, 4)), YEAR)
    totals: dict = {}
    for aid, period, code, amount, _, _ in ledger_rows:
        key = (aid, period, code)
        totals[key] = totals.get(key, 0) + int(amount * 100)
    assert nonzero(totals) == nonzero({(p.agreement_id, p.period, p.municipality_code):
                                       p.amount_oere for p in single.parts})
    assert sum(totals.values()) == single.total_oere > 0

    # the last copy once more for the last quarter with rows: settled and unchanged →
    # nothing to settle, nothing written
    last = max(r[1] for r in ledger_rows)
    again = tmp_path / "igen"
    res = run_cli("afregning", copy, "--periode", last, "--mappe", again,
                  "--dato", "2024-02-01")
    assert res.returncode == 1, res.stdout
    assert f"{last} er afregnet før" in res.stderr and "ingen efterregulering" in res.stderr
    assert not again.exists()


def _changed_parts(source: Path, target: Path) -> list[str]:
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(target) as b:
        assert a.namelist() == b.namelist()
        return [n for n in a.namelist() if a.read(n) != b.read(n)]


def _check_payable_statement(master: Path, folder: Path, day: date) -> None:
    """Q2's statement of København: who pays whom, how much, by when, the reference, the
    population behind the share, the input's checksum, and Q1's efterregulering beside Q2."""
    text = pdf_text(folder / "Opgoerelse_2023K2_101_Koebenhavn.pdf")
    due = day + timedelta(days=30)  # Betalingsfrist: 30 dage (the default)
    for expected in ("Opgørelse af underskudsgaranti 2023K2", "Betales senest",
                     f"{due:%d-%m-%Y} (afregnet {day:%d-%m-%Y})",
                     "kommunen betaler direkte til driftsherren", "UG-2023K2-101",
                     hashlib.sha256(master.read_bytes()).hexdigest(),
                     "Folketal i alt 01-01-2023", "1.891.778",
                     "Efterregulering af tidligere afregnede perioder", "2023K1",
                     "Betales til driftsherrerne", "Efter-"):
        assert expected in text, expected
    region = pdf_text(folder / "Opgoerelse_2023K2_1084_Region_Hovedstaden.pdf")
    assert "UG-2023K2-<kommunekode>" in region and "Efterregulering" in region


def test_the_operators_statement_of_the_example_is_one_page(statements_2023):
    """No near-empty second page: Region Hovedstaden's statement (the example's operator that
    pays nothing) fits on one A4 page, annex included; a statement that does not fit fills
    its first page before it goes on."""
    _, folder = statements_2023
    pages = {pdf.name: len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes()))
             for pdf in folder.glob("*.pdf")}
    assert pages["Opgoerelse_2023_1084_Region_Hovedstaden.pdf"] == 1
    assert max(pages.values()) == 2  # was 3 for Gladsaxe and Frederiksberg
    region = pdf_text(folder / "Opgoerelse_2023_1084_Region_Hovedstaden.pdf")
    assert "Side 1 af 1" in region and "Bilag: tomme døgn" in region


# --------------------------------------------------------------------------- messages
def test_an_edited_ledger_row_is_named_by_sheet_row_and_column(example_inputs, tmp_path):
    day = date(2024, 4, 15)  # after the periods it settles (2023, 2023K1)
    good = ["A1", "2023", 101, Decimal("1000.00"), day,
            check_value("A1", "2023", 101, 100_000, day)]
    edited = ["A1", "2023", 147, Decimal("1000.00"), day,
              check_value("A1", "2023", 147, 90_000, day)]  # the amount was 900,00 kr.
    wrong_kind = ["A1", "2023K1", 101, Decimal("5.00"), day,
                  check_value("A1", "2023K1", 101, 500, day)]
    path = tmp_path / "Master.xlsx"
    rebuild_workbook(path, example_inputs, [good, edited, wrong_kind])
    res = run_cli("valider", path)
    assert res.returncode == 1
    assert f"ark {AFREGNET.sheet}, række 6, kolonne Kontrol" in res.stderr
    assert "rækken er ændret" in res.stderr
    assert f"ark {AFREGNET.sheet}, række 7, kolonne Periode" in res.stderr
    assert "række 5" not in res.stderr


def test_beregn_json_shows_the_difference_on_a_settled_period(example_inputs, tmp_path):
    """One row settled 1 øre short: the efterregulering is that øre, and nothing else."""
    s, _ = settle(example_inputs, 2023)
    p = s.parts[0]
    day = date(2024, 2, 1)
    rows = [[q.agreement_id, q.period, q.municipality_code,
             Decimal(q.amount_oere - (q is p)).scaleb(-2), day,
             check_value(q.agreement_id, q.period, q.municipality_code,
                         q.amount_oere - (q is p), day)]
            for q in s.parts if q.period == "2023"]
    path = tmp_path / "Master.xlsx"
    rebuild_workbook(path, example_inputs, rows)
    import json

    res = run_cli("beregn", path, "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["format"] == "xl-underskud/afregning@3"
    assert out["efterregulering"] == [{
        "aftale_id": p.agreement_id, "periode": "2023", "kommunekode": p.municipality_code,
        "beregnet_oere": p.amount_oere, "afregnet_oere": p.amount_oere - 1,
        "difference_oere": 1}]

    # the report: sheet Efterregulering with the same row (kr.), after Kommuneoversigt
    from openpyxl import load_workbook

    report = tmp_path / "rapport.xlsx"
    assert run_cli("beregn", path, "--aar", "2023", "--ud", report).returncode == 0
    wb = load_workbook(report, read_only=True)
    names = wb.sheetnames
    assert names.index("Efterregulering") == names.index("Kommuneoversigt") + 1
    values = [row for row in wb["Efterregulering"].iter_rows(values_only=True)
              if row and row[0] == p.agreement_id]
    assert [(r[2], r[3], r[7]) for r in values] == [("2023", p.municipality_code, 0.01)]
    wb.close()


def test_a_period_of_the_wrong_kind_is_refused_in_danish(example_path, tmp_path):
    res = run_cli("afregning", example_path, "--periode", "2023K1", "--mappe", tmp_path / "UD")
    assert res.returncode == 1
    assert "--periode 2023K1 er et kvartal" in res.stderr and "Afregningsperiode" in res.stderr
    assert not (tmp_path / "UD").exists()
    res = run_cli("afregning", example_path, "--periode", "2023Q1")
    assert res.returncode == 2 and "ikke en periode" in res.stderr
