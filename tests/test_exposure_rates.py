"""SPEC rules 9 and 10 with hand-computed figures: exposure estimate and rate tools."""
import json
from datetime import date
from decimal import Decimal as D
from fractions import Fraction

import pandas as pd
import pytest
from openpyxl import load_workbook

from conftest import REPO, run_cli, run_cli_process
from xl_underskud.core.rules.exposure import ALTERNATIVE_SCHEDULE, Scenario, estimate
from xl_underskud.core.rules.rates import (RateError, cap_reference_year, daily_rate,
                                           overhead_share, rate_checks, takst_cap)
from xl_underskud.core.records import (Agreement, CostRow, Inputs, Origin, PLIndex, Place,
                                       PopulationFigure, Rate)
from xl_underskud.excel.functions import ug_takstloft
from xl_underskud.outputs.tables import rate_check_table

POP = (PopulationFigure(101, "København", date(2022, 1, 1), 3),
       PopulationFigure(147, "Frederiksberg", date(2022, 1, 1), 1))


def inputs(places=(), rates=((2022, "1000"),), occupancy=None):
    return Inputs(
        agreements=(Agreement("A1", "Gladsaxe", "Bo", "§ 108", 2, date(2022, 1, 1), operator_code=159),),
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


def test_a_guarantee_period_longer_than_the_comparison_schedule():
    from dataclasses import replace

    from xl_underskud.outputs.tables import exposure_table

    four_years = replace(inputs(), settings=replace(
        inputs().settings, guarantee_years=4, coverage_schedule=(D("0.5"),) * 4))
    e, _ = estimate(four_years, Scenario(occupancy=D(1)))
    other, _ = estimate(four_years, Scenario(occupancy=D(1)), ALTERNATIVE_SCHEDULE)
    # the 4th guarantee year (2025) has no share in 75/50/25 %: nothing covered, no row
    assert e.years == (2022, 2023, 2024, 2025) and other.years == (2022, 2023, 2024)
    assert e.amounts("A1", 2025) == (36_500_000, 0) and other.amounts("A1", 2025) == (0, 0)
    assert other.year_amounts(2024) == (18_300_000, 0)
    table, _ = exposure_table(four_years, Origin("x.xlsx", "0" * 64))  # the Eksponering sheet
    yearly = next(t for t in table.more if t.title == "Samlet pr. år")
    assert yearly.rows[-1] == ("2025", 36_500_000, 0, 0, 0)


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


# The takst cap over a rolling period (SPEC rule 10, styringsaftalen): year Y is measured from the
# reference year R = max(2014, Y − 6), allowed = cost(R) × Π_{y=R+1..Y} (1 + PL_y − 0,5 %).

def test_cap_reference_year_is_2014_up_to_2020_then_six_years_before():
    assert [cap_reference_year(y) for y in (2015, 2016, 2020, 2021, 2022, 2024)] == \
        [2014, 2014, 2014, 2015, 2016, 2018]


def test_takst_cap_up_to_2020_is_measured_from_2014():
    pl = {2015: D("0.02"), 2016: D("0.03")}
    # allowed 2016 = 1.000 × (1 + 2 % − 0,5 %) × (1 + 3 % − 0,5 %) = 1.000 × 1,015 × 1,025
    #              = 1.000 × 1,040375 = 1.040,375 kr; the period is 2014–2016, n = 2 years
    at_cap = takst_cap({2014: D(1000), 2016: D("1040.375")}, pl, 2016)
    assert at_cap.allowed_cost_per_day == Fraction(1040375, 1000)
    assert (at_cap.reference_year, at_cap.year, at_cap.years) == (2014, 2016, 2)
    assert at_cap.passed  # at the cap is within it
    # 1.040,38 kr is 0,005 kr above 1.040,375: decided on the exact level
    assert not takst_cap({2014: D(1000), 2016: D("1040.38")}, pl, 2016).passed


def test_one_year_above_its_own_cap_passes_when_the_period_average_holds():
    pl = {2015: D("0.02"), 2016: D("0.03")}
    # 2015 flat at 1.000 kr, then 2016 alone grows 1.040 / 1.000 = +4 %, above that year's own
    # 3 % − 0,5 % = 2,5 % (a year-by-year cap would allow only 1.000 × 1,025 = 1.025 kr).
    # Over the period 2014–2016: 1.040 ≤ 1.040,375 kr, so the cap holds. As averages per year:
    # actual  √(1.040 / 1.000) − 1 = √1,04 − 1      ≈ 1,01980 − 1 = 1,980 %
    # allowed √1,040375 − 1 ≈ 1,02 − (1,0404 − 1,040375) / 2,04 − 1 ≈ 1,01999 − 1 = 1,999 %
    ok = takst_cap({2014: D(1000), 2015: D(1000), 2016: D(1040)}, pl, 2016)
    assert ok.passed
    assert ok.actual_growth == pytest.approx(0.019804, abs=1e-6)
    assert ok.allowed_growth == pytest.approx(0.019988, abs=1e-6)
    assert ok.actual_growth <= ok.allowed_growth
    # 1.045 kr in 2016: +4,5 % over the period, above 1.040,375 kr → fails;
    # average √1,045 − 1 ≈ 2,225 % (1,02225² = 1,04499…) > 1,999 %
    over = takst_cap({2014: D(1000), 2015: D(1000), 2016: D(1045)}, pl, 2016)
    assert not over.passed
    assert over.actual_growth == pytest.approx(0.022252, abs=1e-6)
    assert over.actual_growth > over.allowed_growth


def test_takst_cap_after_2020_is_measured_from_six_years_before():
    # PL 2015–2022; the factors 1 + PL − 0,5 % for 2017–2022 are chosen round:
    # 2017 1,02 · 2018 1,02 · 2019 1,01 · 2020 1,01 · 2021 1,00 · 2022 1,05
    pl = {2015: D("0.02"), 2016: D("0.02"), 2017: D("0.025"), 2018: D("0.025"),
          2019: D("0.015"), 2020: D("0.015"), 2021: D("0.005"), 2022: D("0.055")}
    # 2022 is measured from 2016 (2022 − 6), not from 2014. Allowed 2022:
    # 1.000 × 1,02 × 1,02 × 1,01 × 1,01 × 1,00 × 1,05
    #   = 1.000 × 1,0404 × 1,0201 × 1,05 = 1.000 × 1,06131204 × 1,05 = 1.114,377642 kr
    # The 2014 level (500 kr) is outside the period; from it 1.100 kr would be far over the cap.
    check = takst_cap({2014: D(500), 2016: D(1000), 2022: D(1100)}, pl, 2022)
    assert (check.reference_year, check.years) == (2016, 6)
    assert check.reference_cost_per_day == 1000
    assert check.allowed_cost_per_day == Fraction(1114377642, 1_000_000)
    assert check.passed  # 1.100 ≤ 1.114,377642
    # averages over 6 years: actual 1,1^(1/6) − 1 = e^(0,0953102 / 6) − 1 = e^0,0158850 − 1
    # ≈ 1,601 %; allowed e^((2·0,0198026 + 2·0,0099503 + 0,0487902) / 6) − 1 = e^0,0180493 − 1
    # ≈ 1,821 %
    assert check.actual_growth == pytest.approx(0.016012, abs=1e-6)
    assert check.allowed_growth == pytest.approx(0.018213, abs=1e-6)
    # 1.115 kr is above 1.114,377642 kr
    assert not takst_cap({2016: D(1000), 2022: D(1115)}, pl, 2022).passed


def test_takst_cap_names_the_missing_pl_years_of_the_period():
    # 2022's period is 2016–2022: PL for 2019 is missing; 2015 is missing too, but lies outside
    pl = {2016: D("0.02"), 2017: D("0.02"), 2018: D("0.02"), 2020: D("0.02"), 2021: D("0.02"),
          2022: D("0.02")}
    with pytest.raises(RateError) as exc:
        takst_cap({2016: D(1000), 2022: D(1100)}, pl, 2022)
    assert "PL-indeks mangler for 2019" in str(exc.value)
    assert "2016–2022" in str(exc.value)
    assert "2015" not in str(exc.value)


def test_takst_cap_without_the_reference_years_cost_gives_a_note():
    pl = {y: D("0.02") for y in range(2015, 2023)}
    # 2014 is known, but 2022 is measured from 2016
    with pytest.raises(RateError, match="referenceåret 2016"):
        takst_cap({2014: D(1000), 2022: D(1100)}, pl, 2022)
    rows = rate_checks([CostRow("T", 2014, D(2_190_000), D(0), 6, D(1)),
                        CostRow("T", 2022, D(2_500_000), D(0), 6, D(1))],
                       [PLIndex(y, p) for y, p in pl.items()])
    assert rows[0].cap is None  # 2014 is the base year itself
    assert rows[1].cap is None and "referenceåret 2016" in rows[1].cap_note


def test_takstkontrol_shows_the_period_and_both_averages():
    # T: 2016 = 2.190.000 kr / (6 × 366) = 997,27… kr; 2022 = 2.190.000 / (6 × 365) = 1.000 kr
    costs = (CostRow("T", 2016, D(2_190_000), D(0), 6, D(1)),
             CostRow("T", 2022, D(2_190_000), D(0), 6, D(1)))
    pl = tuple(PLIndex(y, D("0.02")) for y in range(2017, 2023))
    table = rate_check_table(Inputs(costs=costs, pl_index=pl), Origin("t.xlsx", "0" * 64))
    headers = [c.header for c in table.columns]
    row = dict(zip(headers, table.rows[1]))
    assert row["Periode"] == "2016–2022"
    # 2016–2022: 2.196 / 2.190 − 1 = +0,27 % in 6 years; PL 2 % a year allows 1,015 a year,
    # an average of exactly 1,5 % a year
    assert row["Tilladt gns. vækst"] == pytest.approx(0.015)
    assert row["Gns. vækst"] < row["Tilladt gns. vækst"] and row["Takstloft"] == "Overholdt"
    assert "6 år" in table.subtitle


def test_ug_takstloft_returns_the_allowed_cost_per_day_of_the_rolling_period():
    omk = pd.DataFrame([["T", 2014, 500_000, 0, 1, 0.95], ["T", 2016, 365_000, 0, 1, 0.95],
                        ["T", 2022, 401_500, 0, 1, 0.95]])
    pli = pd.DataFrame([[y, 0.025] for y in range(2015, 2023)])
    # 2016 has 366 days: 365.000 / 366 = 997,27… kr; 2022 is measured from 2016:
    # 1,02⁶ = (1,02³)² = 1,061208² = 1,1261624;
    # allowed = 997,2678 × 1,1261624 = 997,2678 + 125,8177 ≈ 1.123,0855 kr
    assert ug_takstloft(omk, pli, "T", 2022) == pytest.approx(1123.0855, abs=1e-3)
    # 2016 itself is measured from 2014: 500.000 / 365 × 1,02² = 1.369,8630 × 1,0404 ≈ 1.425,2055
    assert ug_takstloft(omk, pli, "T", 2016) == pytest.approx(1425.2055, abs=1e-3)
    out = ug_takstloft(omk, pli.iloc[:-1], "T", 2022)
    assert out.startswith("#FEJL: ") and "PL-indeks mangler for 2022" in out


def test_overhead_norm():
    # 60.000 / 1.000.000 = 6 % (at the norm); 61.000 → 6,1 % (above)
    assert overhead_share(D(1_000_000), D(60_000)) == Fraction(6, 100)
    rows = rate_checks([CostRow("T", 2024, D(1_000_000), D(60_000), 2, D(1)),
                        CostRow("U", 2024, D(1_000_000), D(61_000), 2, D(1))], [])
    assert [r.overhead_ok for r in rows] == [True, False]
    # no figure for 2018, the year 2024 is measured from: the cap cannot be checked, and says so
    assert rows[0].cap is None and "2018" in rows[0].cap_note


def test_cli_eksponering_json_on_the_example():
    res = run_cli_process("eksponering", REPO / "workbook" / "Underskudsgaranti_eksempel.xlsx",
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
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]]
    column = rows[0].index
    checks = {(r[0], r[1]): r for r in rows[1:]}
    # 2024 is measured from 2018 (the example's PL index): 1 + PL − 0,5 % for 2019–2024 =
    # 1,014 × 1,010 × 1,016 × 1,037 × 1,034 × 1,026 = 1,14472…: at most +14,5 % over the period
    # Søndergården: 2018: 8.530.000 / (6 × 365) = 3.894,98 kr per place-day; 2024: 10.550.000 /
    # (6 × 366) = 4.804,19 kr: +23,3 %, above the allowed +14,5 %
    sonder = checks[("Botilbuddet Søndergården", 2024)]
    assert sonder[column("Periode")] == "2018–2024"
    assert sonder[column("Takstloft")] == "Overskredet"
    # Kildevang: 2018: 12.270.000 / (8 × 365) = 4.202,05 kr → 2024: 13.810.000 / (8 × 366) =
    # 4.716,53 kr: +12,2 %, below the allowed +14,5 %; allowed 4.202,05 × 1,14472 ≈ 4.810,18 kr
    kilde = checks[("Bostedet Kildevang", 2024)]
    assert kilde[column("Takstloft")] == "Overholdt"
    assert kilde[column("Tilladt udgift")] == pytest.approx(4810.18, abs=0.01)
    # 2014 is the base year itself: nothing to check against
    assert checks[("Bostedet Kildevang", 2014)][column("Takstloft")] == "Basisåret"
