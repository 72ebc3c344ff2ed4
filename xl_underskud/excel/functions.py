"""Worksheet functions (UG_…): one module for classic xlwings UDFs and xlwings Server.

xlwings picks the decorator flavour when it is imported: with XLWINGS_ON_SERVER=true these
become xlwings Server custom functions, on Windows classic COM UDFs, elsewhere plain Python
functions. Each function converts its arguments, calls the core and converts the answer;
a bad argument gives a short Danish text in the cell, never a traceback.

Ranges may be given with their header row (tblBefolkning[#Alle]) or without (tblBefolkning).
"""
from __future__ import annotations

import functools
import inspect
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import xlwings as xw

from xl_underskud.core import municipalities as muni
from xl_underskud.core.rules.amounts import round_half_away
from xl_underskud.core.rules.distribution import split_by_population
from xl_underskud.core.rules.exposure import Scenario, estimate
from xl_underskud.core.rules.rates import (RateError, daily_rate, days_in_year, overhead_share,
                                           takst_cap)
from xl_underskud.core.records import Inputs, Period
from xl_underskud.core.declarations import (AFTALER, BEFOLKNING, DAEKNING, MAX_COST, OMKOSTNINGER,
                                            OPHOLD, PLADSER, PLINDEKS, SETTING, TAKSTER, Column,
                                            Kind, Table)
from xl_underskud.core.rules.settlement import agreement_amounts, traced_amounts
from xl_underskud.core.rules.vacancy import days_between
from xl_underskud.core.rules.windows import guarantee_windows
from xl_underskud.core.parse import excel_error
from xl_underskud.excel.cells import plain
from xl_underskud.excel.frames import (UdfError, inputs_from_arguments, raise_first_error, scalar,
                                       setting_value)

ERROR_PREFIX = "#FEJL: "

# The scalar arguments, declared like the workbook's columns (type, range, length): a cell given
# to a function is converted exactly as the same value in the workbook would be.
AMOUNT = Column("beløb", "amount", Kind.DECIMAL, minimum=-MAX_COST, maximum=MAX_COST)
COSTS = Column("omkostninger", "costs", Kind.DECIMAL, minimum=0, maximum=2 * MAX_COST)
KEY_DATE = Column("nøgledato", "key_date", Kind.DATE, required=False)
FIRST_DAY = Column("fra", "first", Kind.DATE)
LAST_DAY = Column("til", "last", Kind.DATE)
AGREEMENT_ID = AFTALER.column("agreement_id")
YEAR = TAKSTER.column("year")


# Every argument is read with err_to_str: an error value in a cell arrives as its text (#N/A),
# which the core reports, instead of None, which would pass for an empty cell (SPEC rule 12).
def value_arg(name: str, doc: str):
    """A scalar argument."""
    return xw.arg(name, doc=doc, err_to_str=True)


def table_arg(name: str, table: Table, optional: bool = False):
    """A range argument holding a declared table (with or without its header row)."""
    doc = f"{'Valgfri: t' if optional else 'T'}abellen {table.name} ({', '.join(table.headers)})."
    return xw.arg(name, pd.DataFrame, index=False, header=False, doc=doc, err_to_str=True)


def setting_arg(name: str, setting: str):
    """An optional argument holding a setting, as its named cell on Indstillinger holds it."""
    s = SETTING[setting]
    doc = f"Valgfri, som cellen {s.name}: {s.column.help}"
    if "Tom:" not in doc:
        default = s.cell_value(s.default)
        if isinstance(s.default, Decimal):
            default = s.column.bound_text(s.default)
        doc += f" Tom: {default}." if s.default is not None else ""
    return value_arg(name, doc=doc)


def danish_errors(f):
    """Show argument problems as '#FEJL: …' in the cell; never a traceback. A single cell
    holding an error value is one of them, whatever the argument (SPEC rule 12)."""
    signature = inspect.signature(f)

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            for name, value in signature.bind_partial(*args, **kwargs).arguments.items():
                marker = None if isinstance(value, (pd.DataFrame, list)) else excel_error(
                    plain(value))
                if marker is not None:
                    raise UdfError(f"{name}: {marker.reason()}")
            return f(*args, **kwargs)
        except (UdfError, RateError) as exc:
            return ERROR_PREFIX + str(exc)
        except Exception:  # an unforeseen value: still a sentence, not a stack trace
            return ERROR_PREFIX + "argumenterne kunne ikke bruges; tjek områderne og værdierne."
    return wrapper


def _oere(amount) -> int:
    kr = scalar(amount, AMOUNT)
    return round_half_away(Fraction(kr) * 100)


def _kr(oere: int | Fraction) -> float:
    return float(Fraction(oere) / 100)


def _population_on(befolkning, noegledato):
    inputs = inputs_from_arguments({"befolkning": (BEFOLKNING, befolkning)})
    if not inputs.population:
        raise UdfError("befolkning indeholder ingen folketal.")
    key = scalar(noegledato, KEY_DATE)
    if key is None:
        key = max(p.key_date for p in inputs.population)
    figures = {p.municipality_code: p for p in inputs.population if p.key_date == key}
    if not figures:
        raise UdfError(f"ingen folketal pr. {key.strftime('%d-%m-%Y')}.")
    return key, figures


@xw.func
@value_arg("beloeb", doc="Beløbet i kr., der skal fordeles.")
@table_arg("befolkning", BEFOLKNING)
@value_arg("noegledato", doc="Opgørelsesdato for folketallet. Tom: den seneste i tabellen.")
@xw.ret(index=False)
@danish_errors
def ug_fordeling(beloeb, befolkning, noegledato=None):
    """Fordeler et beløb på kommunerne efter folketal (største restmetode, præcist i øre)."""
    amount = _oere(beloeb)
    key, figures = _population_on(befolkning, noegledato)
    parts = split_by_population(amount, {c: p.population for c, p in figures.items()})
    total = sum(p.population for p in figures.values())
    return pd.DataFrame([{"Kommunekode": c, "Kommune": figures[c].municipality,
                          "Folketal": figures[c].population,
                          "Andel": figures[c].population / total, "Beløb": _kr(parts[c])}
                         for c in sorted(figures)])


@xw.func
@value_arg("kommune", doc="Kommunens navn eller kommunekode.")
@value_arg("beloeb", doc="Beløbet i kr., der skal fordeles.")
@table_arg("befolkning", BEFOLKNING)
@value_arg("noegledato", doc="Opgørelsesdato for folketallet. Tom: den seneste i tabellen.")
@danish_errors
def ug_andel(kommune, beloeb, befolkning, noegledato=None):
    """Én kommunes del af beløbet, fordelt efter folketal som UG_FORDELING."""
    amount = _oere(beloeb)
    key, figures = _population_on(befolkning, noegledato)
    if isinstance(kommune, (int, float)) and not isinstance(kommune, bool):
        code = int(kommune)
    else:
        code = muni.code_for(str(kommune or ""))
    if code not in figures:
        names = [p.municipality for p in figures.values()]
        raise UdfError(f'"{kommune}" står ikke i befolkningstabellen pr. '
                       f'{key.strftime("%d-%m-%Y")}.' + muni.suggestion(str(kommune), names))
    parts = split_by_population(amount, {c: p.population for c, p in figures.items()})
    return _kr(parts[code])


@xw.func
@table_arg("pladser", PLADSER)
@table_arg("ophold", OPHOLD)
@value_arg("aftaleid", doc="Aftalens id, fx A1.")
@value_arg("fra", doc="Første dag (dato).")
@value_arg("til", doc="Sidste dag (dato), medregnet.")
@setting_arg("garantiaar", "Garantiaar")
@danish_errors
def ug_tomme_doegn(pladser, ophold, aftaleid, fra, til, garantiaar=None):
    """Tomme pladsdøgn i garantiperioden for én aftale mellem to datoer (begge medregnet)."""
    first = scalar(fra, FIRST_DAY)
    last = scalar(til, LAST_DAY)
    if last < first:
        raise UdfError("til ligger før fra.")
    agreement_id = scalar(aftaleid, AGREEMENT_ID)
    inputs = inputs_from_arguments(
        {"pladser": (PLADSER, pladser), "ophold": (OPHOLD, ophold)}, agreement_id,
        {"Garantiaar": setting_value(garantiaar, "Garantiaar")})
    if not inputs.places:
        raise UdfError(f'aftale "{agreement_id}" har ingen pladser i området.')
    windows, messages = guarantee_windows(inputs)
    raise_first_error(messages)
    return days_between(windows, inputs.stays, first, last)[2]


def _period_of(label) -> tuple[Period, int, str]:
    """The settlement period, its year and its label ('2023', '2023K1', '2023M01') as the
    settlement names it; a year typed as a number (2023) is the year."""
    text = str(label).strip().upper().removesuffix(".0")
    try:
        if len(text) == 4:
            return Period.YEAR, int(text), text
        if len(text) == 6 and text[4] == "K" and text[5] in "1234":
            return Period.QUARTER, int(text[:4]), text
        if len(text) == 7 and text[4] == "M" and 1 <= int(text[5:]) <= 12:
            return Period.MONTH, int(text[:4]), text
    except ValueError:
        pass
    raise UdfError(f'periode "{label}" skal skrives som 2023, 2023K1 eller 2023M01.')


def _agreement_period(aftaler, pladser, takster, ophold, aftaleid, periode, daekning,
                      fratraek_normal_tomgang, garantiaar) -> tuple[Inputs, str, int, str]:
    """The inputs of one agreement-period with every setting its amount depends on: the period
    from its label, the rest from the arguments as the named cells hold them (blank: default).

    Returns the inputs, the agreement id, the year and the period label."""
    period, year, label = _period_of(periode)
    agreement_id = scalar(aftaleid, AGREEMENT_ID)
    tables = {"aftaler": (AFTALER, aftaler), "pladser": (PLADSER, pladser),
              "takster": (TAKSTER, takster), "ophold": (OPHOLD, ophold)}
    if daekning is not None:
        tables["dækning"] = (DAEKNING, daekning)
    inputs = inputs_from_arguments(tables, agreement_id, {
        "Periode": period,
        "FratraekNormalTomgang": setting_value(fratraek_normal_tomgang, "FratraekNormalTomgang"),
        "Garantiaar": setting_value(garantiaar, "Garantiaar")})
    if agreement_id not in {a.agreement_id for a in inputs.agreements}:
        raise UdfError(f'aftale "{agreement_id}" står ikke i aftaler.')
    # MaksPladser caps all agreements together; it never changes an amount, and the function
    # sees only the rows of its own agreement.
    inputs = replace(inputs, settings=replace(inputs.settings, max_places_total=10**6))
    return inputs, agreement_id, year, label


def agreement_period_function(compute):
    """A worksheet function about one agreement-period (UG_GARANTI, UG_TOMGANG): Excel's
    arguments are converted once, here; `compute(inputs, agreement_id, year, label)` answers.
    A problem with any of them is a Danish text in the cell (`danish_errors`)."""
    def function(aftaler, pladser, takster, ophold, aftaleid, periode, daekning=None,
                 fratraek_normal_tomgang=None, garantiaar=None):
        return compute(*_agreement_period(aftaler, pladser, takster, ophold, aftaleid, periode,
                                          daekning, fratraek_normal_tomgang, garantiaar))
    # Excel's name and help text; the signature stays Excel's (no __wrapped__ to compute)
    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(function, attribute, getattr(compute, attribute))
    function = danish_errors(function)
    for decorate in reversed((
            table_arg("aftaler", AFTALER), table_arg("pladser", PLADSER),
            table_arg("takster", TAKSTER), table_arg("ophold", OPHOLD),
            value_arg("aftaleid", doc="Aftalens id, fx A1."),
            value_arg("periode", doc="2023 (år), 2023K1 (kvartal) eller 2023M01 (måned)."),
            table_arg("daekning", DAEKNING, optional=True),
            setting_arg("fratraek_normal_tomgang", "FratraekNormalTomgang"),
            setting_arg("garantiaar", "Garantiaar"))):
        function = decorate(function)
    return function


@xw.func
@agreement_period_function
def ug_garanti(inputs, agreement_id, year, label):
    """Garantibeløbet i kr. for én aftale i én periode — samme tal som beregningen."""
    periods, messages = agreement_amounts(inputs, year)
    raise_first_error(messages)
    return next((_kr(ap.amount_oere) for ap in periods
                 if ap.agreement_id == agreement_id and ap.period == label), 0.0)


TOMGANG_COLUMNS = ("Plads", "Fra", "Til", "Tomme døgn", "Garantiår", "Dækningsandel",
                   "Døgntakst", "Værdi")


@xw.func
@xw.ret(index=False)
@agreement_period_function
def ug_tomgang(inputs, agreement_id, year, label):
    # one line on purpose: Excel shows the docstring as the help text (at most 255 characters)
    """Løbene af tomme døgn bag garantibeløbet for én aftale i én periode: plads, fra, til, \
døgn, garantiår, dækningsandel, døgntakst og værdi (kr.) — samme løb som beregningens spor."""
    _, runs, messages = traced_amounts(inputs, year)
    raise_first_error(messages)
    return pd.DataFrame([(r.place_no, r.first, r.last, r.days, r.guarantee_year, float(r.share),
                          float(r.daily_rate), float(r.value))
                         for r in runs if r.agreement_id == agreement_id and r.period == label],
                        columns=TOMGANG_COLUMNS)


@xw.func
@value_arg("omkostninger", doc="Årets samlede omkostninger i kr. (direkte + indirekte).")
@value_arg("pladser", doc="Antal pladser.")
@value_arg("belaegningsprocent", doc="Belægningsprocent, fx 95 %.")
@value_arg("aar", doc="Året (bestemmer antal dage).")
@danish_errors
def ug_doegntakst(omkostninger, pladser, belaegningsprocent, aar):
    """Døgntakst = omkostninger / (pladser × dage i året × belægningsprocent)."""
    costs = scalar(omkostninger, COSTS)
    places = scalar(pladser, OMKOSTNINGER.column("places"))
    occupancy = scalar(belaegningsprocent, OMKOSTNINGER.column("occupancy_rate"))
    year = scalar(aar, YEAR)
    return float(daily_rate(costs, places, year, occupancy))


@xw.func
@table_arg("aftaler", AFTALER)
@table_arg("pladser", PLADSER)
@table_arg("takster", TAKSTER)
@setting_arg("belaegning", "ScenarieBelaegning")
@setting_arg("pladser_pr_maaned", "ScenariePladserPrMaaned")
@setting_arg("indeks", "ScenarieIndeks")
@table_arg("daekning", DAEKNING, optional=True)
@setting_arg("garantiaar", "Garantiaar")
@xw.ret(index=False)
@danish_errors
def ug_eksponering(aftaler, pladser, takster, belaegning=None, pladser_pr_maaned=None,
                   indeks=None, daekning=None, garantiaar=None):
    """Estimat pr. år: maksimal og forventet fælles underskudsdækning (kr.)."""
    tables = {"aftaler": (AFTALER, aftaler), "pladser": (PLADSER, pladser),
              "takster": (TAKSTER, takster)}
    if daekning is not None:
        tables["dækning"] = (DAEKNING, daekning)
    inputs = inputs_from_arguments(tables, settings={
        name: setting_value(value, name) for name, value in (
            ("ScenarieBelaegning", belaegning), ("ScenariePladserPrMaaned", pladser_pr_maaned),
            ("ScenarieIndeks", indeks), ("Garantiaar", garantiaar))})
    scenario = Scenario.from_settings(inputs.settings)
    exposure, messages = estimate(inputs, scenario)
    if exposure is None:
        raise UdfError(messages[0].text)
    years = sorted({r.year for r in exposure.rows})
    return pd.DataFrame([{"År": y,
                          "Maksimum": _kr(sum(r.max_oere for r in exposure.rows if r.year == y)),
                          "Forventet": _kr(sum(r.expected_oere for r in exposure.rows
                                               if r.year == y))} for y in years])


@xw.func
@table_arg("omkostninger", OMKOSTNINGER)
@table_arg("plindeks", PLINDEKS)
@value_arg("tilbud", doc="Tilbuddets navn.")
@value_arg("aar", doc="Året, der kontrolleres.")
@danish_errors
def ug_takstloft(omkostninger, plindeks, tilbud, aar):
    # one line on purpose: Excel shows the docstring as the help text (at most 255 characters)
    """Tilladt udgift pr. pladsdøgn i året (kr.): referenceårets niveau × Π(1 + PL − 0,5 %) \
som gennemsnit over en rullende periode på op til 6 år; referenceåret er 2014 til og med 2020, \
derefter året 6 år før."""
    inputs = inputs_from_arguments({"omkostninger": (OMKOSTNINGER, omkostninger),
                                    "plindeks": (PLINDEKS, plindeks)})
    offer = scalar(tilbud, OMKOSTNINGER.column("offer"))
    year = scalar(aar, YEAR)
    per_day = {c.year: (Fraction(c.direct) + Fraction(c.indirect)) / (c.places * days_in_year(c.year))
               for c in inputs.costs if c.offer == offer}
    if not per_day:
        raise UdfError(f'tilbuddet "{offer}" står ikke i omkostninger.')
    check = takst_cap(per_day, {p.year: p.pl_index for p in inputs.pl_index}, year)
    return float(check.allowed_cost_per_day)


@xw.func
@value_arg("direkte", doc="Direkte omkostninger i kr.")
@value_arg("indirekte", doc="Indirekte omkostninger (overhead) i kr.")
@danish_errors
def ug_overhead(direkte, indirekte):
    """Overhead = indirekte / direkte omkostninger (normen er 6 %)."""
    return float(overhead_share(scalar(direkte, OMKOSTNINGER.column("direct")),
                                scalar(indirekte, OMKOSTNINGER.column("indirect"))))


__all__ = ["ug_fordeling", "ug_andel", "ug_tomme_doegn", "ug_garanti", "ug_tomgang",
           "ug_doegntakst", "ug_eksponering", "ug_takstloft", "ug_overhead"]
