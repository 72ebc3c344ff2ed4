"""SPEC rules 9 and 10 with hand-computed figures: exposure estimate and rate tools."""
import json
from datetime import date
from decimal import Decimal as D
from fractions import Fraction

import pytest
from openpyxl import load_workbook

from conftest import REPO, run_cli
from xl_underskud.core.rules.exposure import ALTERNATIVE_SCHEDULE, Scenario, estimate
from xl_underskud.core.rules.rates import RateError, daily_rate, overhead_share, rate_checks, takst_cap
from xl_underskud.core.records import (Agreement, CostRow, Inputs, Place, PopulationFigure,
                                  Rate)

POP = (PopulationFigure(101, "København", date(2022, 1, 1), 3),
       PopulationFigure(147, "Frederiksberg", date(2022, 1, 1), 1))


def inputs(places=(), rates=((2022, "1000"),), occupancy=None):
    return Inputs(
        agreements=(Agreement("A1", "Gladsaxe", 159, "Bo", "§ 108", 2, date(2022, 1, 1)),),
        places=tuple(places),
        rates=tuple(Rate("A1", y, D(r), D(occupancy) if occupancy else None) for y, r in rates),
        population=POP)


def by_year(exposure, attr):
    out = {}
    for r in exposure.rows:
        out[r.year] = out.get(r.year, 0) + getattr(r, attr)
    return out


def test_maximum_is_every_guaranteed_day_vacant():
    e, msgs = estimate(inputs(), Scenario(occupancy=D(1)))
    assert msgs == []
    # 2 places opening 01-01-2022 (approval date), 50 % of 1.000 kr, no index:
    # 2022: 2 × 365 d × 500 kr = 365.000 kr; 2023: same; 2024 (leap year): 2 × 366 × 500 = 366.000
    assert by_year(e, "max_oere") == {2022: 36_500_000, 2023: 36_500_000, 2024: 36_600_000}
    assert by_year(e, "expected_oere") == {2022: 0, 2023: 0, 2024: 0}


def test_expected_with_an_occupancy_scenario():
    e, _ = estimate(inputs(), Scenario(occupancy=D("0.9")))
    # 10 % of the maximum: 36.500 / 36.500 / 36.600 kr
    assert by_year(e, "expected_oere") == {2022: 3_650_000, 2023: 3_650_000, 2024: 3_660_000}


def test_expected_defaults_to_the_agreements_occupancy_rate():
    e, _ = estimate(inputs(occupancy="0.95"), Scenario())
    # 5 % of 365.000 kr = 18.250 kr
    assert by_year(e, "expected_oere")[2022] == 1_825_000


def test_ramp_up_places_per_month():
    e, _ = estimate(inputs(), Scenario(occupancy=D(1), places_per_month=D(1)))
    # place 1 filled 01-02-2022 (January vacant: 31 d), place 2 filled 01-03-2022 (Jan + Feb:
    # 59 d): 90 d × 500 kr = 45.000 kr in 2022, nothing later
    assert by_year(e, "expected_oere") == {2022: 4_500_000, 2023: 0, 2024: 0}


def test_places_in_use_keep_their_start_date():
    places = (Place("A1", 1, date(2022, 7, 1)), Place("A1", 2, date(2022, 7, 1)))
    e, _ = estimate(inputs(places), Scenario(occupancy=D(1)))
    # windows 01-07-2022 … 30-06-2025: 2022 = 184 d, 2025 = 181 d, per place
    assert {r.year: r.window_days for r in e.rows} == {2022: 368, 2023: 730, 2024: 732, 2025: 362}


def test_future_rates_are_indexed():
    e, _ = estimate(inputs(), Scenario(occupancy=D(1), rate_index=D("0.02")))
    # 2023: 1.000 × 1,02 = 1.020 kr → 730 d × 510 kr = 372.300 kr
    # 2024: 1.000 × 1,02² = 1.040,40 kr → 732 d × 520,20 kr = 380.786,40 kr
    assert by_year(e, "max_oere") == {2022: 36_500_000, 2023: 37_230_000, 2024: 38_078_640}
    assert [r.rate_is_indexed for r in e.rows] == [False, True, True]


def test_the_75_50_25_schedule_side_by_side():
    e, _ = estimate(inputs(), Scenario(occupancy=D(1)), ALTERNATIVE_SCHEDULE)
    # guarantee years = calendar years here: 2 × 365 × 750 = 547.500; 2 × 365 × 500 = 365.000;
    # 2 × 366 × 250 = 183.000 kr
    assert by_year(e, "max_oere") == {2022: 54_750_000, 2023: 36_500_000, 2024: 18_300_000}


def test_exposure_parts_per_municipality_add_up():
    e, _ = estimate(inputs(), Scenario(occupancy=D("0.9")))
    for year in (2022, 2023, 2024):
        parts = [p for p in e.parts if p.year == year]
        assert sum(p.max_oere for p in parts) == by_year(e, "max_oere")[year]
        # 3 : 1 → København 3/4 of 365.000 kr = 273.750 kr in 2022
    assert [p.max_oere for p in e.parts if (p.year, p.municipality_code) == (2022, 101)] == [27_375_000]


def test_an_agreement_without_any_rate_is_an_error():
    e, msgs = estimate(inputs(rates=()), Scenario())
    assert e is None and msgs[0].source.sheet == "Takster"


# --- rate tools ----------------------------------------------------------------------------

def test_daily_rate_by_hand():
    # 11.900.000 kr / (8 pladser × 365 d × 95 %) = 11.900.000 / 2.774 = 4.289,834… kr
    assert float(daily_rate(D(11_900_000), 8, 2023, D("0.95"))) == pytest.approx(4289.8342)
    with pytest.raises(RateError):
        daily_rate(D(1000), 0, 2023, D("0.95"))


def test_takst_cap_pass_and_fail():
    pl = {2015: D("0.02"), 2016: D("0.02")}
    # allowed 2016 = 1.000 × (1 + 2 % − 0,5 %)² = 1.000 × 1,015² = 1.030,225 kr
    ok = takst_cap({2014: D(1000), 2016: D(1030)}, pl, 2016)
    assert ok.allowed_cost_per_day == Fraction(1030225, 1000) and ok.passed
    over = takst_cap({2014: D(1000), 2016: D("1030.23")}, pl, 2016)
    assert not over.passed
    with pytest.raises(RateError, match="2016"):
        takst_cap({2014: D(1000), 2016: D(1000)}, {2015: D("0.02")}, 2016)


def test_overhead_norm():
    # 60.000 / 1.000.000 = 6 % (at the norm); 61.000 → 6,1 % (above)
    assert overhead_share(D(1_000_000), D(60_000)) == Fraction(6, 100)
    rows = rate_checks([CostRow("T", 2024, D(1_000_000), D(60_000), 2, D(1)),
                        CostRow("U", 2024, D(1_000_000), D(61_000), 2, D(1))], [])
    assert [r.overhead_ok for r in rows] == [True, False]
    # no 2014 figure for T: the cap cannot be checked, and says so
    assert rows[0].cap is None and "2014" in rows[0].cap_note


def test_cli_eksponering_json_on_the_example():
    res = run_cli("eksponering", REPO / "workbook" / "Underskudsgaranti_eksempel.xlsx",
                  "--belaegning", "90", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["format"] == "xl-underskud/eksponering@1"
    assert (out["daekning"], out["sammenligning"]) == ("50/50/50 %", "75/50/25 %")
    a2 = {r["aar"]: r for r in out["aftaler"] if r["aftale_id"] == "A2"}
    # A2 2023: 6 places all year = 2.190 d × 50 % × 4.326,00 kr = 4.736.970,00 kr; 10 % expected
    assert a2[2023]["vinduesdoegn"] == 2190
    assert a2[2023]["maksimum_oere"] == 473_697_000
    assert a2[2023]["forventet_oere"] == 47_369_700
    for year in {r["aar"] for r in out["aftaler"]}:
        total = sum(r["maksimum_oere"] for r in out["aftaler"] if r["aar"] == year)
        assert sum(k["maksimum_oere"] for k in out["kommuner"] if k["aar"] == year) == total


def test_report_has_exposure_chart_and_rate_checks(tmp_path):
    report = tmp_path / "r.xlsx"
    assert run_cli("beregn", REPO / "workbook" / "Underskudsgaranti_eksempel.xlsx",
                   "--ud", report).returncode == 0
    wb = load_workbook(report)
    assert wb["Eksponering"]._charts, "the exposure sheet has a chart"
    ws = wb["Takstkontrol"]
    verdicts = {(r[0], r[1]): r[-1] for r in ws.iter_rows(min_row=5, values_only=True) if r[0]}
    # Søndergården: 2014: 7.830.000 / (6 × 365) = 3.575,34 kr per place-day; 2024: 10.550.000 /
    # (6 × 366) = 4.804,19 kr: +34,4 % in 10 years, far above PL − 0,5 % (≈ +19 %)
    assert verdicts[("Botilbuddet Søndergården", 2024)] == "Overskredet"
    # Kildevang: 4.075,34 → 4.716,53 kr: +15,7 %, below the allowed ≈ +19 %
    assert verdicts[("Bostedet Kildevang", 2024)] == "Overholdt"
