"""Hand-computed cases for the rules of SPEC.md (rules 1–8 and 11), one small scenario each.

Every expected figure was worked out by hand from SPEC, never by running the engine. The
arithmetic stands beside each figure: day counts by month, then
"days × coverage share × daily rate = kr = øre", then the split over the paying
municipalities (largest remainder in whole øre).

Conventions used below:
- A window is [start, start + 3 years): the end date is *exclusive*.
- Stay intervals are inclusive at both ends; the paid end is max(Til dato, Betalt til).
- Populations are tiny round numbers (500/300/200 …) so that shares are exact decimals.
- Amounts are written Danish style: 1.234,56 kr = 123.456 øre.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal


from xl_underskud.core.dates import add_years
from xl_underskud.core.rules.distribution import split_by_population
from xl_underskud.core.records import (
    Agreement,
    Inputs,
    KeyDateRule,
    Period,
    Place,
    PopulationFigure,
    Rate,
    Settings,
    Severity,
    Stay,
)
from xl_underskud.core.rules.settlement import settle

D = date
NAMES = {101: "København", 147: "Frederiksberg", 151: "Ballerup", 1084: "Region Hovedstaden"}
# The standard small key: 101 = 50 %, 147 = 30 %, 151 = 20 % (total 1.000).
KEY_532 = {101: 500, 147: 300, 151: 200}


# --------------------------------------------------------------------------- helpers
def agreement(aid="A1", places=1, operator_code=101):
    return Agreement(aid, NAMES[operator_code], "Tilbud", "§ 108", places, D(2021, 10, 15),
                     operator_code=operator_code)


def place(start, no=1, aid="A1"):
    return Place(aid, no, start)


def rate(year, kr, occupancy=None, aid="A1"):
    return Rate(aid, year, Decimal(kr), None if occupancy is None else Decimal(occupancy))


def stay(sid, frm, to=None, paid=None, no=1, aid="A1", payer="Frederiksberg"):
    return Stay(sid, aid, no, payer, frm, to, paid)


def population(key_by_year: dict[int, dict[int, int]]):
    """{year: {code: population}} → figures on 1 January of each year."""
    return tuple(PopulationFigure(code, NAMES[code], D(year, 1, 1), pop)
                 for year, key in key_by_year.items() for code, pop in key.items())


def make(agreements=None, places=(), rates=(), stays=(), pop=None, **settings):
    return Inputs(tuple(agreements or [agreement()]), tuple(places), tuple(rates), tuple(stays),
                  population(pop or {}), Settings(**settings))


def periods(settlement, aid="A1"):
    return {ap.period: ap for ap in settlement.agreement_periods if ap.agreement_id == aid}


def parts(settlement, period, aid="A1"):
    return {p.municipality_code: p.amount_oere for p in settlement.parts
            if p.agreement_id == aid and p.period == period}


def position(settlement, code, period):
    (pos,) = [p for p in settlement.positions if p.code == code and p.period == period]
    return pos


def errors(messages):
    return [m for m in messages if m.severity is Severity.ERROR]


def warnings(messages):
    return [m for m in messages if m.severity is Severity.WARNING]


def ok(inputs, year=None):
    """Settle and insist there is no error."""
    result, messages = settle(inputs, year)
    assert errors(messages) == [], [m.text for m in errors(messages)]
    assert result is not None
    return result


def days(ap):
    return ap.window_days, ap.paid_days, ap.vacant_days


# --------------------------------------------------------------------------- rule 3: windows
def test_add_years_29_february():
    # SPEC rule 3: "29 Feb + 3 years → 28 Feb"; a leap target keeps 29 Feb.
    assert add_years(D(2024, 2, 29), 3) == D(2027, 2, 28)
    assert add_years(D(2024, 2, 29), 1) == D(2025, 2, 28)
    assert add_years(D(2024, 2, 29), 4) == D(2028, 2, 29)
    assert add_years(D(2023, 7, 1), 3) == D(2026, 7, 1)


def test_window_from_leap_day_with_75_50_25_schedule():
    # Place starts 29-02-2024, no stays: every window day is vacant.
    # Window [29-02-2024, 28-02-2027). Guarantee years start 29-02-2024, 28-02-2025, 28-02-2026.
    # 2024: 29 Feb (1) + Mar–Dec (31+30+31+30+31+31+30+31+30+31 = 306)      = 307 d, all g-year 1
    # 2025: 1 Jan–27 Feb = 31 + 27 = 58 d (g1); 28 Feb–31 Dec = 365 − 58 = 307 d (g2)
    # 2026: 58 d (g2) + 307 d (g3)                                            = 365 d
    # 2027: 1 Jan–27 Feb = 31 + 27                                            =  58 d (g3)
    # Check: 307 + 365 + 365 + 58 = 1.095 = 3 × 365 (no 29 Feb inside after the first day's year);
    #        each guarantee year: 307 + 58 = 365 d.
    inputs = make(places=[place(D(2024, 2, 29))],
                  rates=[rate(y, "1000.00") for y in (2024, 2025, 2026, 2027)],
                  pop={y: KEY_532 for y in (2024, 2025, 2026, 2027)},
                  coverage_schedule=(Decimal("0.75"), Decimal("0.5"), Decimal("0.25")))
    s = ok(inputs)
    p = periods(s)
    assert set(p) == {"2024", "2025", "2026", "2027"}
    assert days(p["2024"]) == (307, 0, 307)
    assert days(p["2025"]) == (365, 0, 365)
    assert days(p["2026"]) == (365, 0, 365)
    assert days(p["2027"]) == (58, 0, 58)
    # 2024: 307 d × 75 % × 1.000,00 kr = 230.250,00 kr = 23.025.000 øre
    assert p["2024"].amount_oere == 23_025_000
    # 2025: 58 d × 75 % × 1.000 = 43.500 kr; 307 d × 50 % × 1.000 = 153.500 kr
    #       → 197.000,00 kr = 19.700.000 øre
    assert p["2025"].amount_oere == 19_700_000
    # 2026: 58 d × 50 % × 1.000 = 29.000 kr; 307 d × 25 % × 1.000 = 76.750 kr
    #       → 105.750,00 kr = 10.575.000 øre
    assert p["2026"].amount_oere == 10_575_000
    # 2027: 58 d × 25 % × 1.000,00 kr = 14.500,00 kr = 1.450.000 øre
    assert p["2027"].amount_oere == 1_450_000
    # Total: 365 × (750 + 500 + 250) kr = 547.500,00 kr = 54.750.000 øre
    assert s.total_oere == 54_750_000


def test_mid_year_start_window_cut_at_three_year_end():
    # Place starts 01-07-2023 → window [01-07-2023, 01-07-2026).
    # 2023: Jul 31 + Aug 31 + Sep 30 + Oct 31 + Nov 30 + Dec 31 = 184 d
    # 2024: leap year                                              = 366 d
    # 2025:                                                        = 365 d
    # 2026: Jan 31 + Feb 28 + Mar 31 + Apr 30 + May 31 + Jun 30    = 181 d (window ends 30-06 incl.)
    # Total 184 + 366 + 365 + 181 = 1.096 d (contains 29-02-2024).
    # An open-ended stay from 21-06-2026 pays 21.–30. June = 10 d inside the window; the days
    # after 30-06-2026 are outside the window and count for nothing.
    inputs = make(places=[place(D(2023, 7, 1))],
                  rates=[rate(y, "800.00") for y in (2023, 2024, 2025, 2026)],
                  stays=[stay("O1", D(2026, 6, 21))],
                  pop={y: KEY_532 for y in (2023, 2024, 2025, 2026)})
    s = ok(inputs)
    p = periods(s)
    assert days(p["2023"]) == (184, 0, 184)
    assert days(p["2024"]) == (366, 0, 366)
    assert days(p["2025"]) == (365, 0, 365)
    assert days(p["2026"]) == (181, 10, 171)
    assert sum(ap.window_days for ap in p.values()) == 1096
    assert all(ap.window_days == 0 for label, ap in p.items() if label >= "2027")
    # 2023: 184 d × 50 % × 800,00 kr = 73.600,00 kr  =  7.360.000 øre
    # 2024: 366 d × 50 % × 800,00 kr = 146.400,00 kr = 14.640.000 øre
    # 2025: 365 d × 50 % × 800,00 kr = 146.000,00 kr = 14.600.000 øre
    # 2026: 171 d × 50 % × 800,00 kr = 68.400,00 kr  =  6.840.000 øre
    assert p["2023"].amount_oere == 7_360_000
    assert p["2024"].amount_oere == 14_640_000
    assert p["2025"].amount_oere == 14_600_000
    assert p["2026"].amount_oere == 6_840_000


def test_blank_start_date_taken_from_earliest_stay_with_warning():
    # Place 1: no start date; stays 10-05-2024…31-05-2024 and (listed second, but earlier)
    # 04-03-2024…31-03-2024 → start date = 04-03-2024 (warning).
    # Place 2: neither start date nor stays → not yet guaranteed (no window days).
    # 2024 window: 4–31 Mar = 28 + Apr 30 + May 31 + Jun 30 + Jul 31 + Aug 31 + Sep 30 + Oct 31
    #              + Nov 30 + Dec 31 = 28 + 275 = 303 d   (check: 366 − (31 + 29 + 3) = 303)
    # Paid: 4–31 Mar = 28 d; 10–31 May = 22 d → 50 d. Vacant 303 − 50 = 253 d.
    inputs = make(agreements=[agreement(places=2)],
                  places=[place(None, 1), place(None, 2)],
                  rates=[rate(2024, "1000.00")],
                  stays=[stay("O2", D(2024, 5, 10), D(2024, 5, 31)),
                         stay("O1", D(2024, 3, 4), D(2024, 3, 31))],
                  pop={2024: KEY_532})
    s, messages = settle(inputs, 2024)
    assert s is not None and errors(messages) == []
    w = warnings(messages)
    assert len(w) == 1
    assert (w[0].source.sheet, w[0].source.column) == ("Pladser", "Ibrugtagningsdato")
    p = periods(s)
    assert days(p["2024"]) == (303, 50, 253)
    # 253 d × 50 % × 1.000,00 kr = 126.500,00 kr = 12.650.000 øre
    assert p["2024"].amount_oere == 12_650_000


def test_start_date_after_first_stay_is_an_error():
    # Start date 01-04-2024 but the first stay began 15-03-2024 (SPEC rule 3: error).
    inputs = make(places=[place(D(2024, 4, 1))], rates=[rate(2024, "1000.00")],
                  stays=[stay("O1", D(2024, 3, 15))], pop={2024: KEY_532})
    s, messages = settle(inputs, 2024)
    assert s is None
    assert any(m.source.sheet == "Pladser" and m.source.column == "Ibrugtagningsdato"
               for m in errors(messages))


def test_start_date_before_first_stay_is_fine_and_the_gap_is_vacant():
    # Start 01-01-2024, first stay 11-01-2024 (open-ended): 1–10 Jan = 10 vacant days.
    inputs = make(places=[place(D(2024, 1, 1))], rates=[rate(2024, "1000.00")],
                  stays=[stay("O1", D(2024, 1, 11))], pop={2024: KEY_532})
    s = ok(inputs, 2024)
    # 366 window days, 366 − 10 = 356 paid, 10 vacant
    assert days(periods(s)["2024"]) == (366, 356, 10)
    # 10 d × 50 % × 1.000,00 kr = 5.000,00 kr = 500.000 øre
    assert periods(s)["2024"].amount_oere == 500_000


# --------------------------------------------------------------------------- rule 4: stays
def test_stay_across_new_year_is_split_by_calendar_year():
    # Place starts 01-11-2023; stay 01-11-2023 … 15-02-2024 (no notice period).
    # 2023: window Nov 30 + Dec 31 = 61 d, all paid → vacant 0 → no rate needed for 2023.
    # 2024: window 366 d; paid Jan 31 + 1–15 Feb 15 = 46 d; vacant 366 − 46 = 320 d.
    inputs = make(places=[place(D(2023, 11, 1))], rates=[rate(2024, "4326.00")],
                  stays=[stay("O1", D(2023, 11, 1), D(2024, 2, 15))], pop={2024: KEY_532})
    s23 = ok(inputs, 2023)
    p23 = periods(s23)["2023"]
    assert days(p23) == (61, 61, 0)
    assert p23.amount_oere == 0
    # nothing to distribute (and no population figure for 2023 is needed)
    assert all(pt.amount_oere == 0 for pt in s23.parts)

    s24 = ok(inputs, 2024)
    p24 = periods(s24)["2024"]
    assert days(p24) == (366, 46, 320)
    # 320 d × 50 % × 4.326,00 kr = 160 × 4.326,00 = 692.160,00 kr = 69.216.000 øre
    assert p24.amount_oere == 69_216_000
    # Split 50/30/20 %: 34.608.000 / 20.764.800 / 13.843.200 øre (exact, sum 69.216.000)
    assert parts(s24, "2024") == {101: 34_608_000, 147: 20_764_800, 151: 13_843_200}


def test_notice_period_counts_as_paid():
    # Place starts 01-01-2024; stay 01-01-2024 … 31-03-2024, Betalt til 30-04-2024.
    # Paid: Jan 31 + Feb 29 (leap) + Mar 31 + Apr 30 = 121 d. Vacant 366 − 121 = 245 d.
    inputs = make(places=[place(D(2024, 1, 1))], rates=[rate(2024, "4326.00")],
                  stays=[stay("O1", D(2024, 1, 1), D(2024, 3, 31), D(2024, 4, 30))],
                  pop={2024: KEY_532})
    s = ok(inputs, 2024)
    ap = periods(s)["2024"]
    assert days(ap) == (366, 121, 245)
    # 245 d × 50 % × 4.326,00 kr = 122,5 × 4.326,00 = 527.772 + 2.163 = 529.935,00 kr
    #   = 52.993.500 øre
    assert ap.amount_oere == 52_993_500


def test_relet_inside_notice_period_no_double_count_no_vacancy():
    # Stay A 01-01-2024 … 31-03-2024, Betalt til 30-04-2024 (paid 1 Jan – 30 Apr = 121 d).
    # Stay B 15-04-2024 … 30-06-2024 starts inside A's notice period: allowed, no error.
    # Union of paid days: 1 Jan – 30 Jun = 31 + 29 + 31 + 30 + 31 + 30 = 182 d
    # (counting both separately would give 121 + (16 + 31 + 30 = 77) = 198 d: wrong).
    # Vacant 366 − 182 = 184 d (1 Jul – 31 Dec = 31+31+30+31+30+31 = 184 ✓).
    inputs = make(places=[place(D(2024, 1, 1))], rates=[rate(2024, "1000.00")],
                  stays=[stay("A", D(2024, 1, 1), D(2024, 3, 31), D(2024, 4, 30)),
                         stay("B", D(2024, 4, 15), D(2024, 6, 30))],
                  pop={2024: KEY_532})
    s, messages = settle(inputs, 2024)
    assert errors(messages) == []
    ap = periods(s)["2024"]
    assert days(ap) == (366, 182, 184)
    # 184 d × 50 % × 1.000,00 kr = 92.000,00 kr = 9.200.000 øre
    assert ap.amount_oere == 9_200_000


def test_relet_inside_notice_period_month_view_has_no_vacant_day_in_april():
    # Same stays, monthly periods: April is paid by A (1–30) and B (15–30) → 30 paid, 0 vacant.
    inputs = make(places=[place(D(2024, 1, 1))], rates=[rate(2024, "1000.00")],
                  stays=[stay("A", D(2024, 1, 1), D(2024, 3, 31), D(2024, 4, 30)),
                         stay("B", D(2024, 4, 15), D(2024, 6, 30))],
                  pop={2024: KEY_532}, period=Period.MONTH)
    p = periods(ok(inputs, 2024))
    assert days(p["2024M04"]) == (30, 30, 0)
    assert p["2024M04"].amount_oere == 0
    assert days(p["2024M07"]) == (31, 0, 31)
    # July: 31 d × 50 % × 1.000,00 kr = 15.500,00 kr = 1.550.000 øre
    assert p["2024M07"].amount_oere == 1_550_000


def test_open_ended_stay_covers_to_end_and_needs_no_rate():
    # Place starts 01-03-2024; stay from 01-03-2024 with no Til dato (still living there).
    # Window [01-03-2024, 01-03-2027):
    # 2024: 366 − (Jan 31 + Feb 29) = 306 d; 2025: 365; 2026: 365; 2027: Jan 31 + Feb 28 = 59 d.
    # All paid, nothing vacant, so no rate and no population figure is needed at all.
    inputs = make(places=[place(D(2024, 3, 1))], stays=[stay("O1", D(2024, 3, 1))])
    s = ok(inputs)
    p = periods(s)
    assert days(p["2024"]) == (306, 306, 0)
    assert days(p["2025"]) == (365, 365, 0)
    assert days(p["2026"]) == (365, 365, 0)
    assert days(p["2027"]) == (59, 59, 0)
    assert s.total_oere == 0


def test_overlapping_stays_are_an_error():
    # A occupies 01-01 … 31-03-2024; B moves in 31-03-2024: both occupy 31 March → error.
    inputs = make(places=[place(D(2024, 1, 1))], rates=[rate(2024, "1000.00")],
                  stays=[stay("A", D(2024, 1, 1), D(2024, 3, 31)),
                         stay("B", D(2024, 3, 31), D(2024, 6, 30))],
                  pop={2024: KEY_532})
    s, messages = settle(inputs, 2024)
    assert s is None
    assert any(m.source.sheet == "Ophold" for m in errors(messages))


def test_stay_after_open_ended_stay_is_an_error():
    # A has no Til dato (still there); B starts 01-06-2024 on the same place → error.
    inputs = make(places=[place(D(2024, 1, 1))], rates=[rate(2024, "1000.00")],
                  stays=[stay("A", D(2024, 1, 1)), stay("B", D(2024, 6, 1), D(2024, 6, 30))],
                  pop={2024: KEY_532})
    s, messages = settle(inputs, 2024)
    assert s is None
    assert any(m.source.sheet == "Ophold" for m in errors(messages))


def test_stay_inside_notice_period_then_overlap_with_the_relet_is_an_error():
    # A 01-01 … 31-03-2024 paid to 30-04; B 10-04 … 20-04 (in A's notice: allowed);
    # C from 15-04 overlaps B's own occupancy (15–20 April) → error.
    inputs = make(places=[place(D(2024, 1, 1))], rates=[rate(2024, "1000.00")],
                  stays=[stay("A", D(2024, 1, 1), D(2024, 3, 31), D(2024, 4, 30)),
                         stay("B", D(2024, 4, 10), D(2024, 4, 20)),
                         stay("C", D(2024, 4, 15))],
                  pop={2024: KEY_532})
    s, messages = settle(inputs, 2024)
    assert s is None
    assert len([m for m in errors(messages) if m.source.sheet == "Ophold"]) == 1


def test_new_stay_starting_on_the_first_notice_day_is_allowed():
    # A 01-01 … 31-03-2024 paid to 30-04; B open-ended from 01-04-2024 (first notice day):
    # allowed; paid 366 d, vacant 0.
    inputs = make(places=[place(D(2024, 1, 1))],
                  stays=[stay("A", D(2024, 1, 1), D(2024, 3, 31), D(2024, 4, 30)),
                         stay("B", D(2024, 4, 1))])
    s = ok(inputs, 2024)
    assert days(periods(s)["2024"]) == (366, 366, 0)


# --------------------------------------------------------------------------- rule 5: amounts
def test_coverage_75_50_25_vacancy_straddling_guarantee_year_boundaries():
    # Place starts 01-07-2023: guarantee year 2 from 01-07-2024, year 3 from 01-07-2025.
    # Schedule 75 / 50 / 25 %.
    # A 01-07-2023 … 20-06-2024; B 11-07-2024 … 25-06-2025; C from 06-07-2025 (open).
    # 2024: vacant 21–30 Jun = 10 d (g1, 75 %) and 1–10 Jul = 10 d (g2, 50 %); paid 366 − 20 = 346.
    # 2025: vacant 26–30 Jun = 5 d (g2, 50 %) and 1–5 Jul = 5 d (g3, 25 %); paid 365 − 10 = 355.
    inputs = make(places=[place(D(2023, 7, 1))],
                  rates=[rate(2024, "1000.00"), rate(2025, "1200.00")],
                  stays=[stay("A", D(2023, 7, 1), D(2024, 6, 20)),
                         stay("B", D(2024, 7, 11), D(2025, 6, 25)),
                         stay("C", D(2025, 7, 6))],
                  pop={2024: KEY_532, 2025: KEY_532},
                  coverage_schedule=(Decimal("0.75"), Decimal("0.5"), Decimal("0.25")))
    p24 = periods(ok(inputs, 2024))["2024"]
    assert days(p24) == (366, 346, 20)
    # 10 d × 75 % × 1.000,00 = 7.500,00 kr; 10 d × 50 % × 1.000,00 = 5.000,00 kr
    #   → 12.500,00 kr = 1.250.000 øre   (flat 50 % would give 10.000,00 kr)
    assert p24.amount_oere == 1_250_000
    p25 = periods(ok(inputs, 2025))["2025"]
    assert days(p25) == (365, 355, 10)
    # 5 d × 50 % × 1.200,00 = 3.000,00 kr; 5 d × 25 % × 1.200,00 = 1.500,00 kr
    #   → 4.500,00 kr = 450.000 øre
    assert p25.amount_oere == 450_000


def test_missing_rate_for_a_year_with_vacant_days_is_an_error():
    # Start 01-01-2024, no stays → 366 vacant days in 2024, but only a 2025 rate exists.
    inputs = make(places=[place(D(2024, 1, 1))], rates=[rate(2025, "1000.00")],
                  pop={2024: KEY_532})
    s, messages = settle(inputs, 2024)
    assert s is None
    assert any(m.source.sheet == "Takster" for m in errors(messages))


def test_no_rate_needed_when_no_vacant_days():
    # Start 01-01-2024, open stay from the same day: 366 paid, 0 vacant; no Takster row at all.
    inputs = make(places=[place(D(2024, 1, 1))], stays=[stay("O1", D(2024, 1, 1))],
                  pop={2024: KEY_532})
    s = ok(inputs, 2024)
    ap = periods(s)["2024"]
    assert days(ap) == (366, 366, 0)
    assert ap.amount_oere == 0


def test_deduct_normal_vacancy():
    # Occupancy 95 %, start 01-01-2023, one place: 2023 window = 365 d.
    # Normal vacancy = (1 − 0,95) × 365 = 18,25 d.
    # (a) stay from 31-01-2023 (open): vacant 1–30 Jan = 30 d → 30 − 18,25 = 11,75 d
    #     11,75 d × 50 % × 1.000,00 kr = 5.875,00 kr = 587.500 øre
    # (b) stay from 11-01-2023: vacant 10 d → max(0, 10 − 18,25) = 0 d → 0 øre
    # (c) setting off (default): 30 d × 50 % × 1.000,00 = 15.000,00 kr = 1.500.000 øre
    def case(first_day, deduct):
        return make(places=[place(D(2023, 1, 1))], rates=[rate(2023, "1000.00", "0.95")],
                    stays=[stay("O1", first_day)], pop={2023: KEY_532},
                    deduct_normal_vacancy=deduct)

    a = periods(ok(case(D(2023, 1, 31), True), 2023))["2023"]
    assert a.window_days == 365
    assert a.amount_oere == 587_500
    b = periods(ok(case(D(2023, 1, 11), True), 2023))["2023"]
    assert b.amount_oere == 0
    c = periods(ok(case(D(2023, 1, 31), False), 2023))["2023"]
    assert days(c) == (365, 335, 30)
    assert c.amount_oere == 1_500_000


def test_deduct_normal_vacancy_is_per_agreement_year_also_with_quarters():
    # Same as (a) above but settled by quarter. All 30 vacant days lie in 2023K1.
    # SPEC: the deduction is (1 − 0,95) × 365 = 18,25 d of the agreement-YEAR, so the year's
    # quarters together must come to 11,75 d × 50 % × 1.000,00 kr = 587.500 øre.
    inputs = make(places=[place(D(2023, 1, 1))], rates=[rate(2023, "1000.00", "0.95")],
                  stays=[stay("O1", D(2023, 1, 31))], pop={2023: KEY_532},
                  deduct_normal_vacancy=True, period=Period.QUARTER)
    s = ok(inputs, 2023)
    assert s.total_oere == 587_500


# --------------------------------------------------------------------------- rule 6: periods, rounding
def test_quarter_periods():
    # Start 01-01-2023; stay 01-02-2023 … 15-05-2023. Rate 1.000,00 kr, 50 %.
    # K1: window Jan 31 + Feb 28 + Mar 31 = 90; paid Feb 28 + Mar 31 = 59; vacant 31 (January)
    # K2: window Apr 30 + May 31 + Jun 30 = 91; paid Apr 30 + 1–15 May 15 = 45; vacant 46
    # K3: window Jul 31 + Aug 31 + Sep 30 = 92; paid 0; vacant 92
    # K4: window Oct 31 + Nov 30 + Dec 31 = 92; paid 0; vacant 92      (90+91+92+92 = 365 ✓)
    inputs = make(places=[place(D(2023, 1, 1))], rates=[rate(2023, "1000.00")],
                  stays=[stay("O1", D(2023, 2, 1), D(2023, 5, 15))], pop={2023: KEY_532},
                  period=Period.QUARTER)
    s = ok(inputs, 2023)
    p = periods(s)
    assert set(p) == {"2023K1", "2023K2", "2023K3", "2023K4"}
    assert days(p["2023K1"]) == (90, 59, 31)
    assert days(p["2023K2"]) == (91, 45, 46)
    assert days(p["2023K3"]) == (92, 0, 92)
    assert days(p["2023K4"]) == (92, 0, 92)
    # K1: 31 d × 50 % × 1.000,00 = 15.500,00 kr = 1.550.000 øre
    # K2: 46 d × 50 % × 1.000,00 = 23.000,00 kr = 2.300.000 øre
    # K3 = K4: 92 d × 50 % × 1.000,00 = 46.000,00 kr = 4.600.000 øre
    assert [p[k].amount_oere for k in ("2023K1", "2023K2", "2023K3", "2023K4")] == [
        1_550_000, 2_300_000, 4_600_000, 4_600_000]
    # Each quarter uses the key of 1 January 2023; K1 split 50/30/20 %: 775.000/465.000/310.000
    assert parts(s, "2023K1") == {101: 775_000, 147: 465_000, 151: 310_000}
    assert {pt.key_date for pt in s.parts} == {D(2023, 1, 1)}


def test_month_periods():
    # Start 10-02-2024; stay 10-02-2024 … 05-03-2024, Betalt til 20-03-2024.
    # 2024M02: window 10–29 Feb = 20 d (leap year), paid 20, vacant 0
    # 2024M03: window 31, paid 1–20 Mar = 20, vacant 11
    # 2024M04: window 30, vacant 30; 2024M12: window 31, vacant 31
    inputs = make(places=[place(D(2024, 2, 10))], rates=[rate(2024, "1000.00")],
                  stays=[stay("O1", D(2024, 2, 10), D(2024, 3, 5), D(2024, 3, 20))],
                  pop={2024: KEY_532}, period=Period.MONTH)
    p = periods(ok(inputs, 2024))
    assert days(p["2024M02"]) == (20, 20, 0)
    assert days(p["2024M03"]) == (31, 20, 11)
    assert days(p["2024M04"]) == (30, 0, 30)
    assert days(p["2024M12"]) == (31, 0, 31)
    assert all(ap.window_days == 0 for k, ap in p.items() if k == "2024M01")
    # M03: 11 d × 50 % × 1.000,00 = 5.500,00 kr = 550.000 øre
    # M04: 30 d × 50 % × 1.000,00 = 15.000,00 kr = 1.500.000 øre
    # M12: 31 d × 50 % × 1.000,00 = 15.500,00 kr = 1.550.000 øre
    assert p["2024M02"].amount_oere == 0
    assert p["2024M03"].amount_oere == 550_000
    assert p["2024M04"].amount_oere == 1_500_000
    assert p["2024M12"].amount_oere == 1_550_000
    # 10 Feb – 31 Dec = 20 + 306 = 326 window days in total
    assert sum(ap.window_days for ap in p.values()) == 326


def test_rounding_half_away_from_zero_once_per_agreement_period():
    # Rate 1.234,565 kr = 123.456,5 øre. Two places, each vacant only on 01-01-2024
    # (open stays from 02-01-2024) → 2 vacant days in agreement-period 2024.
    # Exact: 2 d × 50 % × 123.456,5 øre = 123.456,5 øre → half away from zero → 123.457 øre.
    # (Banker's rounding would give 123.456; rounding per place/day: 2 × round(61.728,25)
    #  = 2 × 61.728 = 123.456.)
    inputs = make(agreements=[agreement(places=2)],
                  places=[place(D(2024, 1, 1), 1), place(D(2024, 1, 1), 2)],
                  rates=[rate(2024, "1234.565")],
                  stays=[stay("O1", D(2024, 1, 2), no=1), stay("O2", D(2024, 1, 2), no=2)],
                  pop={2024: KEY_532})
    s = ok(inputs, 2024)
    ap = periods(s)["2024"]
    assert days(ap) == (732, 730, 2)  # 2 places × 366 d
    assert ap.amount_oere == 123_457
    # Split 50/30/20 %: 61.728,5 / 37.037,1 / 24.691,4 → floors 61.728 + 37.037 + 24.691
    # = 123.456; 1 øre left → largest remainder (0,5) is 101 → 61.729.
    assert parts(s, "2024") == {101: 61_729, 147: 37_037, 151: 24_691}


def test_rounding_once_differs_from_rounding_per_day_and_tie_to_larger_population():
    # Rate 1.234,565 kr; one place vacant 1–3 Jan 2024 (open stay from 04-01-2024) = 3 d.
    # Once: 3 d × 50 % × 123.456,5 øre = 185.184,75 øre → 185.185 øre.
    # Per day: round(61.728,25) = 61.728; × 3 = 185.184 øre (differs by 1 øre).
    # Key 101: 200, 147: 300, 151: 500 (20/30/50 %):
    #   101: 37.037,0; 147: 55.555,5; 151: 92.592,5 → floors sum 185.184, 1 øre left;
    #   147 and 151 tie on remainder 0,5 → larger population 151 gets it (not the lower code).
    inputs = make(places=[place(D(2024, 1, 1))], rates=[rate(2024, "1234.565")],
                  stays=[stay("O1", D(2024, 1, 4))],
                  pop={2024: {101: 200, 147: 300, 151: 500}})
    s = ok(inputs, 2024)
    ap = periods(s)["2024"]
    assert days(ap) == (366, 363, 3)
    assert ap.amount_oere == 185_185
    assert parts(s, "2024") == {101: 37_037, 147: 55_555, 151: 92_593}


# --------------------------------------------------------------------------- rule 7: distribution
def test_split_largest_remainder_simple():
    # 1.001 øre over 500/300/200: 500,5 / 300,3 / 200,2 → 500 + 300 + 200 = 1.000, 1 left
    # → largest remainder 0,5 (101).
    assert split_by_population(1001, {101: 500, 147: 300, 151: 200}) == {
        101: 501, 147: 300, 151: 200}


def test_split_tie_goes_to_larger_population_then_lower_code():
    # 10 øre over {101: 1, 147: 1, 151: 4} (total 6):
    #   101: 10/6 = 1 r 4; 147: 10/6 = 1 r 4; 151: 40/6 = 6 r 4 → all remainders 4/6 (tie).
    #   floors 1 + 1 + 6 = 8; 2 øre left → first 151 (larger population 4), then among
    #   101 and 147 (population 1 each) the lower code 101.
    assert split_by_population(10, {101: 1, 147: 1, 151: 4}) == {101: 2, 147: 1, 151: 7}
    # Same shape, scaled populations: 1.000 / 1.000 / 4.000 → same result.
    assert split_by_population(10, {151: 4000, 147: 1000, 101: 1000}) == {
        101: 2, 147: 1, 151: 7}
    # Equal populations: 100 øre / 3 = 33 r 1 each → 1 øre left → lowest code 101.
    assert split_by_population(100, {151: 2, 147: 2, 101: 2}) == {101: 34, 147: 33, 151: 33}


def test_key_date_rule_previous_year():
    # Start 01-01-2024, open stay from 11-01-2024 → 10 vacant days in 2024.
    # 10 d × 50 % × 1.000,00 kr = 5.000,00 kr = 500.000 øre.
    # "Året før": the key of 1 January 2023 is used: 600/300/100 → 300.000 / 150.000 / 50.000.
    # (The 2024 key 500/300/200 would have given 250.000 / 150.000 / 100.000.)
    base = dict(places=[place(D(2024, 1, 1))], rates=[rate(2024, "1000.00")],
                stays=[stay("O1", D(2024, 1, 11))])
    inputs = make(**base, pop={2023: {101: 600, 147: 300, 151: 100}, 2024: KEY_532},
                  key_date_rule=KeyDateRule.PREVIOUS_YEAR)
    s = ok(inputs, 2024)
    assert periods(s)["2024"].amount_oere == 500_000
    assert parts(s, "2024") == {101: 300_000, 147: 150_000, 151: 50_000}
    assert {pt.key_date for pt in s.parts} == {D(2023, 1, 1)}
    # Default rule (same year) on the same inputs uses 1 January 2024.
    s_same = ok(make(**base, pop={2023: {101: 600, 147: 300, 151: 100}, 2024: KEY_532}), 2024)
    assert parts(s_same, "2024") == {101: 250_000, 147: 150_000, 151: 100_000}
    # "Året før" with only 2024 figures: nothing on 01-01-2023 → error.
    s_bad, messages = settle(make(**base, pop={2024: KEY_532},
                                  key_date_rule=KeyDateRule.PREVIOUS_YEAR), 2024)
    assert s_bad is None
    assert any(m.source.sheet == "Befolkning" for m in errors(messages))


def test_missing_population_on_key_date_only_matters_where_an_amount_is_distributed():
    # 147 has a figure for 1 January 2023 only, so it belongs to the paying community but lacks
    # one on the 2024 key date.
    pop = {2023: KEY_532, 2024: {101: 500, 151: 200}}
    # (a) 10 vacant days in 2024 → amount 500.000 øre to split → error naming 147.
    vacant = make(places=[place(D(2024, 1, 1))], rates=[rate(2024, "1000.00")],
                  stays=[stay("O1", D(2024, 1, 11))], pop=pop)
    s, messages = settle(vacant, 2024)
    assert s is None
    errs = [m for m in errors(messages) if m.source.sheet == "Befolkning"]
    assert errs and any("147" in m.text for m in errs)
    # (b) fully occupied 2024 → amount 0 → nothing to distribute → no error.
    full = make(places=[place(D(2024, 1, 1))], stays=[stay("O1", D(2024, 1, 1))], pop=pop)
    assert ok(full, 2024).total_oere == 0


def test_no_population_at_all_with_an_amount_is_an_error_not_a_crash():
    # 10 vacant days → 500.000 øre, but the Befolkning table is empty.
    inputs = make(places=[place(D(2024, 1, 1))], rates=[rate(2024, "1000.00")],
                  stays=[stay("O1", D(2024, 1, 11))])
    s, messages = settle(inputs, 2024)
    assert s is None
    assert errors(messages)


# --------------------------------------------------------------------------- rules 1, 8: positions
def test_operator_that_is_a_paying_municipality_is_netted():
    # Operator København (101). Start 01-01-2024, open stay from 08-01-2024 → 1–7 Jan = 7 d.
    # 7 d × 50 % × 1.234,56 kr = 3,5 × 1.234,56 = 4.320,96 kr = 432.096 øre.
    # Split 50/30/20 %: 216.048,0 / 129.628,8 / 86.419,2 → floors 216.048 + 129.628 + 86.419
    # = 432.095; 1 øre left → largest remainder 0,8 (147) → 129.629.
    inputs = make(places=[place(D(2024, 1, 1))], rates=[rate(2024, "1234.56")],
                  stays=[stay("O1", D(2024, 1, 8))], pop={2024: KEY_532})
    s = ok(inputs, 2024)
    assert periods(s)["2024"].amount_oere == 432_096
    assert parts(s, "2024") == {101: 216_048, 147: 129_629, 151: 86_419}
    kbh = position(s, 101, "2024")
    # København receives 432.096, pays its own part 216.048 → net +216.048
    assert (kbh.receives_oere, kbh.pays_oere, kbh.net_oere) == (432_096, 216_048, 216_048)
    assert position(s, 147, "2024").net_oere == -129_629
    assert position(s, 151, "2024").net_oere == -86_419
    assert sum(p.net_oere for p in s.positions) == 0


def test_region_hovedstaden_as_operator_receives_and_never_pays():
    # Operator Region Hovedstaden (1084). 20 vacant days (open stay from 21-01-2024):
    # 20 d × 50 % × 1.000,00 kr = 10.000,00 kr = 1.000.000 øre → 500.000 / 300.000 / 200.000.
    # A population row for the region itself must not make it pay (SPEC rule 1).
    inputs = make(agreements=[agreement(operator_code=1084)],
                  places=[place(D(2024, 1, 1))], rates=[rate(2024, "1000.00")],
                  stays=[stay("O1", D(2024, 1, 21))],
                  pop={2024: {**KEY_532, 1084: 1000}})
    s = ok(inputs, 2024)
    assert parts(s, "2024") == {101: 500_000, 147: 300_000, 151: 200_000}
    region = position(s, 1084, "2024")
    assert region.name == "Region Hovedstaden"
    assert (region.receives_oere, region.pays_oere, region.net_oere) == (1_000_000, 0, 1_000_000)
    assert position(s, 101, "2024").net_oere == -500_000
    assert sum(p.net_oere for p in s.positions) == 0


# --------------------------------------------------------------------------- rule 2: max places
def test_max_places_exceeded_is_an_error():
    # 12 + 9 = 21 places > 20 → error on Aftaler.
    too_many = make(agreements=[agreement("A1", 12, 101), agreement("A2", 9, 147)])
    s, messages = settle(too_many)
    assert s is None
    assert any(m.source.sheet == "Aftaler" for m in errors(messages))
    # 11 + 9 = 20 places: allowed.
    ok(make(agreements=[agreement("A1", 11, 101), agreement("A2", 9, 147)]))
    # The cap is a setting: 21 places with max 25 is allowed.
    ok(make(agreements=[agreement("A1", 12, 101), agreement("A2", 9, 147)], max_places_total=25))


# --------------------------------------------------------------------------- settlement year
def test_settlement_year_filters_periods():
    # Window [01-07-2023, 01-07-2026), no stays; only a 2024 rate and a 2024 key exist.
    # Settings.settlement_year = 2024 → only "2024": 366 d × 50 % × 1.000,00 = 183.000,00 kr
    #   = 18.300.000 øre → 9.150.000 / 5.490.000 / 3.660.000 (50/30/20 %).
    base = dict(places=[place(D(2023, 7, 1))], rates=[rate(2024, "1000.00")], pop={2024: KEY_532})
    s = ok(make(**base, settlement_year=2024))
    assert s.years == (2024,)
    assert set(periods(s)) == {"2024"}
    assert days(periods(s)["2024"]) == (366, 0, 366)
    assert periods(s)["2024"].amount_oere == 18_300_000
    assert parts(s, "2024") == {101: 9_150_000, 147: 5_490_000, 151: 3_660_000}
    # Without a settlement year every year is computed; 2023, 2025, 2026 lack rates → errors.
    s_all, messages = settle(make(**base))
    assert s_all is None
    takster = [m.text for m in errors(messages) if m.source.sheet == "Takster"]
    for year in (2023, 2025, 2026):
        assert any(str(year) in text for text in takster), (year, takster)
    assert not any("2024" in text for text in takster)


# --------------------------------------------------------------------------- rule 11: privacy
def test_looks_like_cpr():
    from xl_underskud.core.cpr import looks_like_cpr

    assert looks_like_cpr("010190-1234")          # 01-01-1990
    assert looks_like_cpr("0101901234")
    assert looks_like_cpr(101901234)              # number cell lost the leading zero
    assert looks_like_cpr("Borger 250285-1234")   # inside a text
    assert looks_like_cpr("290200-1234")          # 29-02-2000 exists
    assert not looks_like_cpr("290201-1234")      # 29-02-1901/2001 do not exist
    assert not looks_like_cpr("320190-1234")      # day 32
    assert not looks_like_cpr("011390-1234")      # month 13
    assert not looks_like_cpr("O-017")


def test_cpr_in_input_sheet_is_an_error_naming_the_cell_without_the_value(tmp_path):
    from xl_underskud.core.engine import evaluate
    from xl_underskud.xlsx.reader import read_workbook
    from xl_underskud.xlsx.template import build_workbook

    cpr = "010190-1234"
    path = build_workbook(tmp_path / "cpr.xlsx", {
        "tblAftaler": [["A1", "København", "Tilbud", "§ 108", 1, D(2021, 10, 15), ""]],
        "tblPladser": [["A1", 1, D(2024, 1, 1)]],
        "tblOphold": [[cpr, "A1", 1, "Frederiksberg", D(2024, 1, 1), None, None]],
    })
    settlement, _, messages = evaluate(read_workbook(path), 2024)
    assert settlement is None
    hits = [m for m in errors(messages) if m.source.sheet == "Ophold"
            and m.source.column == "OpholdID"]
    assert len(hits) == 1
    row = hits[0].source.row
    assert row is not None and re.search(rf"Ophold!\$?[A-Z]{{1,3}}\$?{row}\b", hits[0].text)
    assert all(cpr not in m.text and cpr.replace("-", "") not in m.text for m in messages)


def test_official_long_municipality_names_are_accepted():
    from xl_underskud.core.municipalities import code_for

    # "Københavns Kommune" is København (101); a misspelling is still unknown
    assert code_for("Københavns Kommune") == 101
    assert code_for("Gladsaxe Kommune") == 159
    assert code_for("Lyngby Taarbæk") is None
