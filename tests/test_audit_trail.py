"""SPEC rule 13: every amount traced to the runs of vacant days behind it.

Invariants on generated scenarios under every setting (period, schedule, guarantee years,
normal-vacancy deduction), plus the README's hand-calculated example, and the JSON format @2."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from conftest import run_cli
from test_properties import SETTINGS, scenarios
from xl_underskud.core.dates import add_years
from xl_underskud.core.records import Period
from xl_underskud.core.rules.amounts import round_half_away
from xl_underskud.core.rules.settlement import settle
from xl_underskud.outputs.jsonout import settlement_json, settlement_sections, write_json

SCHEDULES = [(Decimal("0.5"),) * 3, (Decimal("0.75"), Decimal("0.5"), Decimal("0.25")),
             (Decimal("0.6"), Decimal("0.4")), (Decimal("0.5"),) * 4]


@st.composite
def configured(draw):
    inputs = draw(scenarios())
    schedule = draw(st.sampled_from(SCHEDULES))
    settings = replace(inputs.settings, period=draw(st.sampled_from(list(Period))),
                       coverage_schedule=schedule, guarantee_years=len(schedule),
                       deduct_normal_vacancy=draw(st.booleans()))
    return replace(inputs, settings=settings)


def _by_period(items):
    out = {}
    for item in items:
        out.setdefault((item.agreement_id, item.period), []).append(item)
    return out


@SETTINGS
@given(configured())
def test_runs_reconcile_to_every_amount(inputs):
    s, messages = settle(inputs)
    assert s is not None, messages
    runs = _by_period(s.runs)
    deductions = {(ap.agreement_id, ap.period): ap for ap in s.deductions}
    for ap in s.agreement_periods:
        mine = runs.get((ap.agreement_id, ap.period), [])
        # the runs' days are the vacant days
        assert sum(r.days for r in mine) == ap.vacant_days
        # each run: days × share × rate, exactly, with the share of its guarantee year
        for r in mine:
            assert r.value == r.days * r.share * r.daily_rate
            assert r.share == inputs.settings.coverage_schedule[r.guarantee_year - 1]
            assert r.daily_rate == ap.daily_rate
        # runs + deduction, rounded once half away from zero, is the amount
        total_kr = sum((Fraction(r.value) for r in mine), Fraction(0))
        if (ap.agreement_id, ap.period) in deductions:
            total_kr -= ap.deducted_oere / 100
        else:
            assert not inputs.settings.deduct_normal_vacancy or ap.vacant_days == 0
        assert round_half_away(total_kr * 100) == ap.amount_oere
    # no run outside an agreement-period that was settled
    assert set(runs) <= {(ap.agreement_id, ap.period) for ap in s.agreement_periods}


@SETTINGS
@given(configured())
def test_no_run_day_is_paid_or_outside_its_window(inputs):
    s, _ = settle(inputs)
    years = inputs.settings.guarantee_years
    start = {(p.agreement_id, p.place_no): p.start_date for p in inputs.places}
    paid = {}
    for st_ in inputs.stays:
        end = st_.to_date and max(st_.to_date, st_.paid_until or st_.to_date)
        paid.setdefault((st_.agreement_id, st_.place_no), []).append((st_.from_date, end))
    previous = None
    for r in s.runs:
        place = (r.agreement_id, r.place_no)
        assert start[place] <= r.first <= r.last < add_years(start[place], years)
        assert r.days == (r.last - r.first).days + 1
        for frm, end in paid.get(place, []):  # the run and a paid interval do not meet
            assert r.last < frm or (end is not None and r.first > end)
        # one guarantee year and one period per run
        g_start = add_years(start[place], r.guarantee_year - 1)
        assert g_start <= r.first and r.last < add_years(start[place], r.guarantee_year)
        assert r.period.startswith(str(r.first.year)) and r.last.year == r.first.year
        # sorted and maximal: a run that continues the previous one starts a new period or
        # guarantee year
        if previous is not None and (previous.agreement_id, previous.place_no) == place:
            assert previous.last < r.first
            if previous.last + timedelta(days=1) == r.first:
                assert (previous.period, previous.guarantee_year) != (r.period, r.guarantee_year)
        previous = r


@SETTINGS
@given(configured())
def test_the_streamed_json_is_the_indented_document(inputs):
    """`beregn --json` streams the document item by item; its bytes are what
    print(json.dumps(document, ensure_ascii=False, indent=2)) writes."""
    import io

    from xl_underskud.core.records import Origin, warning

    s, _ = settle(inputs)
    if s is None:
        return
    every_part = [(agreement_id, period, code, name, pop, sp.key_date, value)
                  for sp in s.splits for (agreement_id, period), row in zip(sp.rows, sp.oere.tolist())
                  for code, name, pop, value in zip(sp.codes, sp.names, sp.populations, row)]
    assert list(s.part_rows()) == sorted(every_part, key=lambda p: p[:3])
    s = replace(s, warnings=(*s.warnings, warning("Ophold", 7, "Fra", 'æøå "citat" \\ \t'),))
    origin = Origin("Ø.xlsx", "ab" * 32)
    out = io.StringIO()
    write_json(settlement_sections(s, origin), out)
    assert out.getvalue() == json.dumps(settlement_json(s, origin), ensure_ascii=False,
                                        indent=2) + "\n"
    empty = io.StringIO()
    write_json([("a", []), ("b", {}), ("c", None), ("d", [{}])], empty)
    assert empty.getvalue() == json.dumps({"a": [], "b": {}, "c": None, "d": [{}]},
                                          indent=2) + "\n"


def test_the_readme_example_a2_2023(example_path):
    # README "Regneeksempel": place 2 of A2 is vacant in May (31) and June (30) 2023 = 61 days,
    # 61 × 50 % × 4.326,00 kr. = 131.943,00 kr.; the other five places are occupied.
    out = json.loads(run_cli("beregn", example_path, "--aar", "2023", "--json").stdout)
    assert out["format"] == "xl-underskud/afregning@3"
    a2 = [r for r in out["tomgang"] if r["aftale_id"] == "A2"]
    assert a2 == [{"aftale_id": "A2", "plads": 2, "periode": "2023", "fra": "2023-05-01",
                   "til": "2023-06-30", "doegn": 61, "garantiaar": 2, "daekningsandel": "0.5",
                   "doegntakst": "4326.00", "vaerdi": "131943.00"}]
    assert out["fradrag"] == []  # the setting is off in the example
    amount = next(a for a in out["aftaler"] if (a["aftale_id"], a["periode"]) == ("A2", "2023"))
    assert amount["beloeb_oere"] == 13_194_300


def test_json_runs_reconcile_with_the_deduction(example_path):
    from openpyxl import load_workbook

    from test_malformed import set_setting

    wb = load_workbook(example_path)
    set_setting("FratraekNormalTomgang", "Ja")(wb)
    wb.save(example_path)
    out = json.loads(run_cli("beregn", example_path, "--aar", "2023", "--json").stdout)
    assert out["fradrag"], "the deduction is listed when the setting is on"
    for a in out["aftaler"]:
        key = (a["aftale_id"], a["periode"])
        values = [Fraction(Decimal(r["vaerdi"])) for r in out["tomgang"]
                  if (r["aftale_id"], r["periode"]) == key]
        assert sum(r["doegn"] for r in out["tomgang"]
                   if (r["aftale_id"], r["periode"]) == key) == a["tomme_doegn"]
        deduction = [d for d in out["fradrag"] if (d["aftale_id"], d["periode"]) == key]
        total = sum(values, Fraction(0)) + sum(Fraction(d["vaerdi"]) if "/" in d["vaerdi"]
                                               else Fraction(Decimal(d["vaerdi"]))
                                               for d in deduction)
        assert round_half_away(total * 100) == a["beloeb_oere"]


def test_a_deduction_by_hand():
    # One place, window 2023-01-01 … 2025-12-31; in 2023 vacant 2023-01-01 … 2023-03-31 = 90
    # days (a stay from 1 April on). Occupancy 95 %: normal vacancy = 5 % × 365 = 18,25 days.
    # 90 − 18,25 = 71,75 days remain; value 71,75 × 50 % × 1.000 kr. = 35.875,00 kr.
    # Runs: 2023-01-01 … 2023-03-31, 90 days, 45.000,00 kr.; deduction 18,25 days,
    # −18,25 × 50 % × 1.000 = −9.125,00 kr.; 45.000 − 9.125 = 35.875,00 kr.
    from test_rules import make, place, rate, stay

    inputs = make(places=[place(date(2023, 1, 1))], rates=[rate(2023, "1000", "0.95")],
                  stays=[stay("O1", date(2023, 4, 1))], pop={2023: {101: 1}},
                  deduct_normal_vacancy=True, settlement_year=2023)
    s, messages = settle(inputs)
    assert s is not None, messages
    out = settlement_json(s)
    assert [(r["fra"], r["til"], r["doegn"], r["vaerdi"]) for r in out["tomgang"]] == \
        [("2023-01-01", "2023-03-31", 90, "45000.00")]
    assert out["fradrag"] == [{"aftale_id": "A1", "periode": "2023", "doegn": "18.25",
                               "vaerdi": "-9125.00"}]
    assert out["aftaler"][0]["beloeb_oere"] == 3_587_500
