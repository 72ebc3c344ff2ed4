"""Properties that must hold for every scenario, checked on generated ones (hypothesis)."""
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xl_underskud.core.dates import add_years
from xl_underskud.core.rules.distribution import split_by_population
from xl_underskud.core.records import (Agreement, Inputs, Period, Place, PopulationFigure, Rate,
                                  Settings, Stay)
from xl_underskud.core.rules.settlement import settle

POP_CODES = {101: "København", 147: "Frederiksberg", 151: "Ballerup", 400: "Bornholm"}


@given(st.integers(min_value=-10**12, max_value=10**12),
       st.dictionaries(st.sampled_from([101, 147, 151, 153, 155, 157, 159, 161, 163, 165]),
                       st.integers(min_value=1, max_value=10**6), min_size=1, max_size=10))
def test_parts_add_up_exactly_and_stay_within_one_oere_of_the_exact_share(amount, population):
    parts = split_by_population(amount, population)
    assert sum(parts.values()) == amount
    total = sum(population.values())
    for code, part in parts.items():
        exact = Fraction(amount * population[code], total)
        assert abs(part - exact) < 1


@given(st.integers(min_value=0, max_value=10**10),
       st.dictionaries(st.integers(min_value=101, max_value=860),
                       st.integers(min_value=1, max_value=10**6), min_size=1, max_size=12),
       st.randoms(use_true_random=False))
def test_split_does_not_depend_on_the_order_of_municipalities(amount, population, rnd):
    items = list(population.items())
    rnd.shuffle(items)
    assert split_by_population(amount, dict(items)) == split_by_population(amount, population)


# --- generated scenarios -------------------------------------------------------------------

@st.composite
def scenarios(draw):
    n_agreements = draw(st.integers(1, 3))
    agreements, places, rates, stays = [], [], [], []
    stay_no = 0
    for a in range(n_agreements):
        aid = f"A{a + 1}"
        n_places = draw(st.integers(1, 3))
        agreements.append(Agreement(aid, "Region Hovedstaden", "Tilbud", "§ 108", n_places,
                                    date(2021, 10, 15), operator_code=1084, row=a + 5))
        for year in range(2021, 2029):
            cents = draw(st.integers(100_00, 9_999_99))
            rates.append(Rate(aid, year, Decimal(cents) / 100, Decimal("0.95")))
        for p in range(1, n_places + 1):
            start = date(2022, 1, 1) + timedelta(days=draw(st.integers(0, 700)))
            places.append(Place(aid, p, start))
            day = start
            for _ in range(draw(st.integers(0, 4))):
                length = draw(st.integers(1, 500))
                to = day + timedelta(days=length - 1)
                open_end = draw(st.booleans()) and draw(st.booleans())
                notice = draw(st.integers(0, 60))
                stay_no += 1
                stays.append(Stay(f"O{stay_no}", aid, p, "København", day,
                                  None if open_end else to,
                                  None if open_end or notice == 0 else to + timedelta(days=notice)))
                if open_end:
                    break
                # the next stay may start inside the notice period (a re-let) or after a gap
                day = to + timedelta(days=draw(st.integers(1, 120)))
    population = tuple(PopulationFigure(code, name, date(y, 1, 1), 1000 + code * 7 + y)
                       for code, name in POP_CODES.items() for y in range(2020, 2030))
    period = draw(st.sampled_from(list(Period)))
    return Inputs(tuple(agreements), tuple(places), tuple(rates), tuple(stays), population,
                  Settings(period=period, max_places_total=100))


def _summary(settlement):
    return (sorted((ap.agreement_id, ap.period, ap.window_days, ap.paid_days, ap.vacant_days,
                    ap.amount_oere) for ap in settlement.agreement_periods),
            sorted((p.agreement_id, p.period, p.municipality_code, p.amount_oere)
                   for p in settlement.parts))


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenarios())
def test_days_and_money_add_up(inputs):
    s, messages = settle(inputs)
    assert s is not None, messages
    for ap in s.agreement_periods:
        assert ap.window_days == ap.paid_days + ap.vacant_days
        assert ap.amount_oere >= 0
        assert (ap.amount_oere == 0) == (ap.vacant_days == 0)
        parts = [p.amount_oere for p in s.parts
                 if (p.agreement_id, p.period) == (ap.agreement_id, ap.period)]
        assert sum(parts) == ap.amount_oere
    total = sum(ap.amount_oere for ap in s.agreement_periods)
    assert sum(m.pays_oere for m in s.positions) == total
    assert sum(m.receives_oere for m in s.positions) == total
    assert sum(m.net_oere for m in s.positions) == 0
    # every place contributes its whole window: [start, start + 3 years)
    expected_days = sum((add_years(p.start_date, 3) - p.start_date).days for p in inputs.places)
    assert sum(ap.window_days for ap in s.agreement_periods) == expected_days


@SETTINGS
@given(scenarios(), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(inputs, rnd):
    def shuffled(rows):
        rows = list(rows)
        rnd.shuffle(rows)
        return tuple(rows)

    other = Inputs(shuffled(inputs.agreements), shuffled(inputs.places), shuffled(inputs.rates),
                   shuffled(inputs.stays), shuffled(inputs.population), inputs.settings)
    a, _ = settle(inputs)
    b, _ = settle(other)
    assert _summary(a) == _summary(b)


@SETTINGS
@given(scenarios(), st.data())
def test_more_vacancy_never_lowers_an_amount(inputs, data):
    if not inputs.stays:
        return
    victim = data.draw(st.sampled_from(inputs.stays))
    fewer = Inputs(inputs.agreements, inputs.places, inputs.rates,
                   tuple(s for s in inputs.stays if s is not victim), inputs.population,
                   inputs.settings)
    before, _ = settle(inputs)
    after, _ = settle(fewer)
    amounts_before = {(ap.agreement_id, ap.period): ap.amount_oere for ap in before.agreement_periods}
    for ap in after.agreement_periods:
        assert ap.amount_oere >= amounts_before[(ap.agreement_id, ap.period)]
    assert after.total_oere >= before.total_oere


@SETTINGS
@given(scenarios())
def test_a_fully_occupied_window_costs_nothing(inputs):
    # one open-ended stay from each place's start date: every guaranteed day is paid
    stays = tuple(Stay(f"F{i}", p.agreement_id, p.place_no, "København", p.start_date, None, None)
                  for i, p in enumerate(inputs.places))
    full = Inputs(inputs.agreements, inputs.places, inputs.rates, stays, inputs.population,
                  inputs.settings)
    s, messages = settle(full)
    assert s is not None, messages
    assert all(ap.vacant_days == 0 and ap.amount_oere == 0 for ap in s.agreement_periods)
    assert s.parts == ()
