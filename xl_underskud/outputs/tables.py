"""The output sheets as data: Resultat, Tomgang, Fordeling, Fordelingsnøgle, Kommuneoversigt,
Takstkontrol and Fejl (and Opgørelser, from `statements.py`).

What a finance officer reads is decided here once; the XlsxWriter report (`xlsx/report.py`)
and the sheets written into an open workbook through xlwings only render these tables.
Amounts stay in integer øre until a renderer shows them as kroner.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import Enum, unique
from fractions import Fraction

from xl_underskud.core.dates import fmt
from xl_underskud.outputs.display import kr, number, percent, share_text
from xl_underskud.core.engine import sort_messages
from xl_underskud.core.records import Inputs, Message, Origin, warning
from xl_underskud.core.rules.amounts import AgreementPeriod, VacantRun
from xl_underskud.core.rules.settlement import Settlement


# The sheets the engine writes (into a report, or into the open workbook), declared once.
RESULT_SHEET = "Resultat"
VACANCY_SHEET = "Tomgang"
DISTRIBUTION_SHEET = "Fordeling"
KEY_SHEET = "Fordelingsnøgle"
POSITIONS_SHEET = "Kommuneoversigt"
EXPOSURE_SHEET = "Eksponering"
RATE_CHECK_SHEET = "Takstkontrol"
STATEMENTS_SHEET = "Opgørelser"
ADJUSTMENT_SHEET = "Efterregulering"
MESSAGES_SHEET = "Fejl"
OUTPUT_SHEETS = (RESULT_SHEET, VACANCY_SHEET, DISTRIBUTION_SHEET, KEY_SHEET, POSITIONS_SHEET,
                 ADJUSTMENT_SHEET, EXPOSURE_SHEET, RATE_CHECK_SHEET, STATEMENTS_SHEET,
                 MESSAGES_SHEET)

# Excel's rows per sheet, and the rows above a table's data on every output sheet (title,
# subtitle, a blank row, the header). A longer table continues on further sheets
# (`continued`): "Tomgang", "Tomgang 2", "Tomgang 3" … (not "Tomgang (2)": that is how Excel
# names a user's copy of a sheet, which "Ryd resultater" must leave alone).
SHEET_ROWS = 1_048_576
ROWS_ABOVE_DATA = 4


def continuation_sheet(sheet: str, n: int) -> str:
    """The name of the n-th sheet a table continues on (n ≥ 2)."""
    return f"{sheet} {n}"


def continuation_of(name: str) -> str | None:
    """The output sheet that `name` continues ("Tomgang 2" → "Tomgang"), else None."""
    base, _, n = name.rpartition(" ")
    if not (n.isdigit() and int(n) >= 2):
        return None
    return next((sheet for sheet in OUTPUT_SHEETS if sheet.casefold() == base.casefold()), None)


def is_output_sheet(name: str) -> bool:
    """A sheet the engine writes: a declared output sheet or a continuation of one."""
    return (name.casefold() in {sheet.casefold() for sheet in OUTPUT_SHEETS}
            or continuation_of(name) is not None)


@unique
class OutKind(Enum):
    """What an output column holds, and how every renderer shows it, declared once.

    Each kind carries its Excel number format (report and statement workbooks, the sheets the
    add-in writes) and whether it reads as a number: right-aligned, its header too. A kind's
    totals are shown as `totals`, its values as Danish text by `text` (the PDF statements).
    """

    #          Excel number format  numeric
    MONEY = ('#,##0.00 "kr."', True)
    INT = ("#,##0", True)
    DECIMAL = ("#,##0.00", True)
    PERCENT = ("0.0000%", True)  # shares: four decimals
    PERCENT1 = ("0.0%", True)  # a percentage with one decimal: occupancy, growth
    CODE = ("0", True)  # a whole number without thousands separator: years, codes, row numbers
    DATE = ("dd-mm-yyyy", False)
    TEXT = (None, False)

    def __init__(self, number_format: str | None, numeric: bool):
        self.number_format = number_format
        self.numeric = numeric

    @property
    def totals(self) -> "OutKind":
        """The kind a totals row shows this column's sum as: money, decimals, else whole."""
        return self if self in (OutKind.MONEY, OutKind.DECIMAL) else OutKind.INT

    def text(self, value) -> str:
        """The value as Danish text: 1.234,50 kr., 1.891.778, 12,3456 %, 01-01-2024 (a text
        in a column of another kind, such as a subtotal row's label, as it is)."""
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        if self is OutKind.MONEY:
            return kr(value)
        if self is OutKind.INT:
            return number(int(value))
        if self is OutKind.DECIMAL:
            return number(value, 2)
        if self in (OutKind.PERCENT, OutKind.PERCENT1):
            return percent(value, 4 if self is OutKind.PERCENT else 1)
        if self is OutKind.DATE and isinstance(value, date):
            return fmt(value)
        return str(value)


def cell_value(kind: OutKind, value):
    """A table value as a spreadsheet cell holds it: money in kr. (the exact sums stay in
    øre in the tables), exact fractions as floats; everything else as it is."""
    if value is None:
        return None
    if kind is OutKind.MONEY:  # the float nearest to the exact kroner, whatever the øre type
        if isinstance(value, int):
            return value / 100
        if isinstance(value, Decimal):
            return float(value.scaleb(-2))
        return float(Fraction(value) / 100)
    if isinstance(value, (Decimal, Fraction)):
        return float(value)
    return value


@dataclass(frozen=True)
class OutColumn:
    header: str
    kind: OutKind
    width: float = 14
    total: bool = False  # summed in the totals row


@dataclass(frozen=True)
class OutChart:
    """A native chart drawn from the table's own columns (report workbooks only)."""

    title: str
    category: str  # header of the category column
    series: tuple[str, ...]  # headers of the value columns
    kind: str = "column"  # column | line | bar
    y_axis: str = ""
    stacked: bool = False


@dataclass(frozen=True)
class OutTable:
    sheet: str
    title: str
    subtitle: str
    columns: tuple[OutColumn, ...]
    rows: tuple[tuple, ...]  # money in øre (int or Decimal), dates as date, shares as fractions
    empty_text: str = ""
    more: tuple["OutTable", ...] = ()  # further tables on the same sheet, below this one
    chart: OutChart | None = None
    freeze_columns: int = 0  # a wide table: keep its first columns in view and on every page
    print_columns: int = 0  # of those, the ones repeated on every printed page (0: all)
    # Rows (indices into `rows`) that sum up or adjust the rows above them: a subtotal, a
    # deduction, a rounded amount. Every renderer shows them like a totals row, keeps them on
    # a printed page with the rows above them, and never sums them in the totals row. A text
    # in such a row is a label; it may stand in a column of any kind and runs on into the
    # empty cells to its right.
    subtotal_rows: frozenset[int] = frozenset()

    def totals(self) -> tuple:
        out = []
        sub = self.subtotal_rows
        for i, c in enumerate(self.columns):
            out.append(sum(r[i] for n, r in enumerate(self.rows) if n not in sub)
                       if c.total else None)
        return tuple(out)

    def groups(self) -> list[range]:
        """The rows in groups that belong together on a page: data rows with the subtotal rows
        that follow them (every row its own group when the table has no subtotal rows)."""
        out, start, n = [], 0, len(self.rows)
        for i in range(n):
            if i + 1 == n or (i in self.subtotal_rows and i + 1 not in self.subtotal_rows) or \
                    not self.subtotal_rows:
                out.append(range(start, i + 1))
                start = i + 1
        return out


def settlement_tables(s: Settlement, inputs: Inputs, origin: Origin) -> list[OutTable]:
    agreements = {a.agreement_id: a for a in inputs.agreements}
    year_text = ", ".join(str(y) for y in s.years) if s.years else "ingen"
    subtitle = (f"Kilde: {origin.label} · periode: {s.settings.period.value}"
                f" · år: {year_text} · nøgledato: {s.settings.key_date_rule.value}")
    deduct = s.settings.deduct_normal_vacancy  # the deduction column only when it applies
    result_rows = []
    for ap in s.agreement_periods:
        a = agreements[ap.agreement_id]
        result_rows.append((
            ap.agreement_id, a.operator, a.offer, ap.period, ap.window_days, ap.paid_days,
            ap.vacant_days) + ((float(ap.deducted_days),) if deduct else ()) + (
            ap.daily_rate * 100 if ap.daily_rate is not None else None,
            share_text(ap.coverage) if ap.vacant_days else "", ap.amount_oere))
    resultat = OutTable(
        RESULT_SHEET, "Underskudsgaranti: tomme døgn og garantibeløb", subtitle,
        (OutColumn("AftaleID", OutKind.TEXT, 10), OutColumn("Driftsherre", OutKind.TEXT, 20),
         OutColumn("Tilbud", OutKind.TEXT, 28), OutColumn("Periode", OutKind.TEXT, 10),
         OutColumn("Vinduesdøgn", OutKind.INT, 12, True),
         OutColumn("Betalte døgn", OutKind.INT, 12, True),
         OutColumn("Tomme døgn", OutKind.INT, 11, True))
        + ((OutColumn("Fradrag normal tomgang (døgn)", OutKind.DECIMAL, 14),) if deduct else ())
        + (OutColumn("Døgntakst", OutKind.MONEY, 13),
           OutColumn("Dækningsandel", OutKind.TEXT, 14),
           OutColumn("Beløb", OutKind.MONEY, 16, True)),
        tuple(result_rows), "Ingen garanterede døgn i de valgte år.")

    fordeling, key = _fordeling_tables(s, subtitle)

    kommuner = OutTable(
        POSITIONS_SHEET, "Betaling og nettoposition pr. kommune", subtitle,
        (OutColumn("Kommunekode", OutKind.CODE, 12), OutColumn("Kommune", OutKind.TEXT, 22),
         OutColumn("Periode", OutKind.TEXT, 10), OutColumn("Betaler", OutKind.MONEY, 16, True),
         OutColumn("Modtager", OutKind.MONEY, 16, True),
         OutColumn("Netto", OutKind.MONEY, 16, True)),
        tuple((m.code, m.name, m.period, m.pays_oere, m.receives_oere, m.net_oere)
              for m in sorted(s.positions, key=lambda m: (m.code, m.period))),
        "Ingen perioder at vise.")
    tables = [resultat, *continued(vacancy_table(s, subtitle)), fordeling, key, kommuner]
    if inputs.ledger:
        tables.append(adjustment_table(s, inputs, subtitle))
    notes = list(s.warnings)
    exposure, exposure_messages = exposure_table(inputs, origin)
    if exposure is not None:
        tables.append(exposure)
    notes += [warning(m.source.sheet, m.source.row, m.source.column,
                      "Eksponeringen kunne ikke beregnes: " + m.text)
              for m in exposure_messages if m.is_error]
    checks = rate_check_table(inputs, origin)
    if checks is not None:
        tables.append(checks)
    return tables + [messages_table(notes, origin)]


def adjustment_table(s: Settlement, inputs: Inputs, subtitle: str) -> OutTable:
    """Sheet Efterregulering (SPEC rule 14): per part of a settled period (tblAfregnet) whose
    recomputed amount differs from the sum settled, the difference now owed or refunded."""
    names = {p.municipality_code: p.municipality for p in inputs.population}
    operator = {a.agreement_id: a.operator for a in inputs.agreements}
    return OutTable(
        ADJUSTMENT_SHEET, "Efterregulering af afregnede perioder", subtitle + (
            " · Difference = beregnet nu - afregnet (arket Afregnet); positiv: kommunen betaler "
            "forskellen til driftsherren, negativ: driftsherren betaler den tilbage."),
        (OutColumn("AftaleID", OutKind.TEXT, 10), OutColumn("Driftsherre", OutKind.TEXT, 20),
         OutColumn("Periode", OutKind.TEXT, 10), OutColumn("Kommunekode", OutKind.CODE, 12),
         OutColumn("Kommune", OutKind.TEXT, 20),
         OutColumn("Beregnet nu", OutKind.MONEY, 16, True),
         OutColumn("Afregnet", OutKind.MONEY, 16, True),
         OutColumn("Difference", OutKind.MONEY, 16, True)),
        tuple((a.agreement_id, operator.get(a.agreement_id, ""), a.period, a.municipality_code,
               names.get(a.municipality_code, ""), a.computed_oere, a.settled_oere,
               a.difference_oere) for a in s.adjustments),
        "Ingen forskelle: de afregnede perioder giver de samme beløb som afregnet.")


# --------------------------------------------------------------------------- vacant days
Trail = tuple[AgreementPeriod, tuple[VacantRun, ...]]  # an amount and the runs behind it


def trails(s: Settlement) -> dict[tuple[str, str], Trail]:
    """Every agreement-period with vacant days, by (agreement, period), with its runs (SPEC
    rule 13), in the order of the agreement-periods; the runs by place and first day."""
    runs: dict[tuple[str, str], list[VacantRun]] = defaultdict(list)
    for r in s.runs:
        runs[(r.agreement_id, r.period)].append(r)
    return {(ap.agreement_id, ap.period): (ap, tuple(runs[(ap.agreement_id, ap.period)]))
            for ap in s.agreement_periods if ap.vacant_days}


def vacancy_columns(deduct: bool) -> tuple[OutColumn, ...]:
    """The columns of a list of vacant runs. With the normal-vacancy deduction, days can be
    fractions (18,25 døgn), so they are shown with decimals."""
    return (OutColumn("AftaleID", OutKind.TEXT, 10), OutColumn("Plads", OutKind.CODE, 7),
            OutColumn("Periode", OutKind.TEXT, 9), OutColumn("Fra", OutKind.DATE, 11),
            OutColumn("Til", OutKind.DATE, 11),
            OutColumn("Tomme døgn", OutKind.DECIMAL if deduct else OutKind.INT, 10),
            OutColumn("Garantiår", OutKind.INT, 9),
            OutColumn("Dækningsandel", OutKind.PERCENT1, 13),
            OutColumn("Døgntakst", OutKind.MONEY, 13),
            OutColumn("Værdi (kr.)", OutKind.MONEY, 15),
            OutColumn("Beløb (afrundet)", OutKind.MONEY, 15))


def vacancy_rows(groups: Iterable[Trail], deduct: bool, grand_total: str | None = None
                 ) -> tuple[tuple[tuple, ...], frozenset[int]]:
    """Rows of `vacancy_columns` and which of them are subtotal rows.

    One row per run of vacant days: its value = days × share × daily rate, exact. After the
    runs of an agreement-period its subtotal row: the vacant days (= Tomme døgn on Resultat),
    the exact sum of the values and the amount rounded once to whole øre (= Beløb on
    Resultat). With the normal-vacancy deduction three rows: the sum before the deduction, the
    deduction (days and value, negative) and the sum after it with the rounded amount. With
    `grand_total` (a label) the same rows once more for every group together.
    """
    rows: list[tuple] = []
    subtotals: set[int] = set()

    def close(agreement_id, period, days, value, deducted_days, deducted_oere, amount):
        def line(label, d, v, a=None):
            subtotals.add(len(rows))
            rows.append((agreement_id, None, period, label, None, d, None, None, None, v, a))

        if deduct:
            line("I alt før fradrag", days, value)
            line("Fradrag normal tomgang", -deducted_days, -deducted_oere)
            line("I alt efter fradrag", days - deducted_days, Fraction(value) - deducted_oere,
                 amount)
        else:
            line("I alt", days, value, amount)

    total = [0, Decimal(0), Fraction(0), Fraction(0), 0]
    for ap, runs in groups:
        value = Decimal(0)
        for r in runs:
            rows.append((r.agreement_id, r.place_no, r.period, r.first, r.last, r.days,
                         r.guarantee_year, r.share, r.daily_rate * 100, r.value * 100, None))
            value += r.value * 100
        close(ap.agreement_id, ap.period, ap.vacant_days, value, ap.deducted_days,
              ap.deducted_oere, ap.amount_oere)
        for i, x in enumerate((ap.vacant_days, value, ap.deducted_days, ap.deducted_oere,
                               ap.amount_oere)):
            total[i] += x
    if grand_total is not None and rows:
        close(grand_total, None, *total)
    return tuple(rows), frozenset(subtotals)


def vacancy_table(s: Settlement, subtitle: str) -> OutTable:
    """Sheet Tomgang: every run of vacant days behind the amounts on Resultat, so that each
    vacant day can be ticked off against the Ophold sheet (SPEC rule 13)."""
    deduct = s.settings.deduct_normal_vacancy
    rows, subtotals = vacancy_rows(trails(s).values(), deduct, "Alle aftaler")
    return OutTable(
        VACANCY_SHEET, "Tomme døgn bag beløbene: værdi = tomme døgn × dækningsandel × døgntakst",
        subtitle, vacancy_columns(deduct), rows, "Ingen tomme døgn i de valgte år.",
        subtotal_rows=subtotals)


def continued(table: OutTable, max_rows: int = SHEET_ROWS - ROWS_ABOVE_DATA) -> list[OutTable]:
    """`table` as sheets of at most `max_rows` rows each, cut between groups of rows
    (`OutTable.groups`) where possible: the sheet itself, then "<sheet> 2", "<sheet> 3" …

    For tables whose totals are rows of their own (subtotal rows): a totals row of summed
    columns would only cover its own sheet.
    """
    if len(table.rows) <= max_rows:
        return [table]
    cuts, start = [], 0
    for group in table.groups():
        if group.stop - start > max_rows and group.start > start:
            cuts.append(range(start, group.start))
            start = group.start
        while group.stop - start > max_rows:  # a group longer than a sheet
            cuts.append(range(start, start + max_rows))
            start += max_rows
    cuts.append(range(start, len(table.rows)))
    names = [table.sheet] + [continuation_sheet(table.sheet, n)
                             for n in range(2, len(cuts) + 1)]
    out = []
    for n, (cut, name) in enumerate(zip(cuts, names), start=1):
        note = f" · fortsætter på arket {names[n]}" if n < len(cuts) else ""
        out.append(replace(
            table, sheet=name, title=f"{table.title} (ark {n} af {len(cuts)})",
            subtitle=table.subtitle + note, rows=table.rows[cut.start:cut.stop],
            subtotal_rows=frozenset(i - cut.start for i in table.subtotal_rows if i in cut)))
    return out


def _fordeling_tables(s: Settlement, subtitle: str) -> tuple[OutTable, OutTable]:
    """Sheet Fordeling: one row per agreement-period, one column per paying municipality (its
    part in kr.); sheet Fordelingsnøgle: the population and share of every municipality on
    each key date.

    A finance officer reads down her municipality's column; printed, the pages run across
    with the agreement and period repeated at the left of each and the municipalities' names
    at the top. The layout stays compact at nationwide scale (a long
    list of every municipality × agreement-period would run to hundreds of thousands of rows,
    six cells each, where a row here has one cell per part). The key has a sheet of its own
    (one page wide), so the wide table's repeated headings never stand above it.
    """
    splits = s.splits
    names = splits[0].names if splits else ()
    rows = []
    for sp in splits:
        for (agreement_id, period), parts in zip(sp.rows, sp.oere.tolist()):
            rows.append((agreement_id, period, sp.key_date, sum(parts)) + tuple(parts))
    rows.sort(key=lambda r: (r[0], r[1]))
    key_rows = []
    for sp in splits:
        total = sum(sp.populations)
        key_rows.extend((code, name, sp.key_date, pop, pop / total)
                        for code, name, pop in zip(sp.codes, sp.names, sp.populations))
    key = OutTable(
        KEY_SHEET, "Fordelingsnøgle: folketal og andel på nøgledatoen", subtitle,
        (OutColumn("Kommunekode", OutKind.CODE, 12), OutColumn("Kommune", OutKind.TEXT, 20),
         OutColumn("Nøgledato", OutKind.DATE, 12), OutColumn("Folketal", OutKind.INT, 12),
         OutColumn("Andel", OutKind.PERCENT, 10)),
        tuple(key_rows), "Ingen nøgle: intet beløb at fordele.")
    fordeling = OutTable(
        DISTRIBUTION_SHEET, "Fordeling på kommuner efter folketal (kr.)", subtitle,
        (OutColumn("AftaleID", OutKind.TEXT, 10), OutColumn("Periode", OutKind.TEXT, 10),
         OutColumn("Nøgledato", OutKind.DATE, 12), OutColumn("Beløb", OutKind.MONEY, 16, True))
        + tuple(OutColumn(name, OutKind.MONEY, max(13, len(name) + 2), True) for name in names),
        tuple(rows), "Intet beløb at fordele.", freeze_columns=4, print_columns=2)
    return fordeling, key


def messages_table(messages: list[Message], origin: Origin) -> OutTable:
    rows = tuple(("Fejl" if m.is_error else "Advarsel", m.source.sheet or "(filen)",
                  m.source.row, m.source.column or "", m.text)
                 for m in sort_messages(messages))
    return OutTable(
        MESSAGES_SHEET, "Fejl og advarsler", f"Kilde: {origin.label}",
        (OutColumn("Type", OutKind.TEXT, 10), OutColumn("Ark", OutKind.TEXT, 14),
         OutColumn("Række", OutKind.CODE, 8), OutColumn("Kolonne", OutKind.TEXT, 20),
         OutColumn("Besked", OutKind.TEXT, 100)),
        rows, "Ingen fejl eller advarsler.")


def exposure_table(inputs: Inputs, origin: Origin):
    """Sheet Eksponering (SPEC rule 9): the workbook's schedule beside the comparison schedule.

    Returns (table or None, messages): the estimate needs at least one rate per agreement.
    """
    from xl_underskud.core.rules.exposure import (Scenario, comparison_schedule, estimates,
                                                  schedule_label)

    scenario = Scenario.from_settings(inputs.settings)
    schedule = tuple(inputs.settings.coverage_schedule)
    (main, messages), (other, _) = estimates(inputs, scenario,
                                             [schedule, comparison_schedule(schedule)])
    if main is None:
        return None, messages
    a, b = schedule_label(main.schedule), schedule_label(other.schedule)
    occupancy = ("aftalernes belægningsprocent" if scenario.occupancy is None
                 else f"{float(scenario.occupancy) * 100:g} %".replace(".", ","))
    ramp = ("alle pladser fra åbningen" if scenario.places_per_month is None else
            f"{float(scenario.places_per_month):g} pladser pr. måned".replace(".", ","))
    subtitle = (f"Kilde: {origin.label} · scenarie: belægning {occupancy}, "
                f"{ramp}, takstfremskrivning {float(scenario.rate_index) * 100:g} % pr. år")
    agreements = {x.agreement_id: x for x in inputs.agreements}
    rows = tuple((r.agreement_id, agreements[r.agreement_id].operator, r.year, r.window_days,
                  r.daily_rate * 100, "Ja" if r.rate_is_indexed else "Nej", r.max_oere,
                  r.expected_oere, *other.amounts(r.agreement_id, r.year)) for r in main.rows)
    per_year = tuple((str(y), *main.year_amounts(y), *other.year_amounts(y))
                     for y in sorted(set(main.years) | set(other.years)))
    money = lambda h: OutColumn(h, OutKind.MONEY, 19, True)  # noqa: E731
    yearly = OutTable(
        EXPOSURE_SHEET, "Samlet pr. år", "",
        (OutColumn("År", OutKind.TEXT, 10), money(f"Maksimum {a}"), money(f"Forventet {a}"),
         money(f"Maksimum {b}"), money(f"Forventet {b}")),
        per_year,
        chart=OutChart("Mulig fælles underskudsdækning pr. år", "År",
                       (f"Maksimum {a}", f"Forventet {a}", f"Maksimum {b}", f"Forventet {b}"),
                       "column", "kr."))
    municipalities = OutTable(
        EXPOSURE_SHEET, f"Pr. kommune og år ({a})", "",
        (OutColumn("Kommunekode", OutKind.CODE, 12), OutColumn("Kommune", OutKind.TEXT, 20),
         OutColumn("År", OutKind.CODE, 8), OutColumn("Nøgledato", OutKind.DATE, 12),
         money("Maksimum"), money("Forventet")),
        tuple((p.municipality_code, p.municipality, p.year, p.key_date, p.max_oere,
               p.expected_oere) for p in main.parts),
        "Ingen folketal i projektmappen.")
    table = OutTable(
        EXPOSURE_SHEET, "Eksponering: mulig fælles underskudsdækning (estimat til KKR)", subtitle,
        (OutColumn("AftaleID", OutKind.TEXT, 10), OutColumn("Driftsherre", OutKind.TEXT, 20),
         OutColumn("År", OutKind.CODE, 8), OutColumn("Vinduesdøgn", OutKind.INT, 12, True),
         OutColumn("Døgntakst", OutKind.MONEY, 13), OutColumn("Fremskrevet", OutKind.TEXT, 11),
         money(f"Maksimum {a}"), money(f"Forventet {a}"), money(f"Maksimum {b}"),
         money(f"Forventet {b}")),
        rows, "Ingen aftaler at estimere.", more=(yearly, municipalities))
    return table, messages


def rate_check_table(inputs: Inputs, origin: Origin) -> OutTable | None:
    """Sheet Takstkontrol (SPEC rule 10), when tblOmkostninger has rows."""
    from xl_underskud.core.rules.rates import (CAP_BASE_YEAR, CAP_PERIOD_YEARS, OVERHEAD_NORM,
                                               rate_checks)

    if not inputs.costs:
        return None
    share = inputs.settings.coverage_schedule[0] if inputs.settings.coverage_schedule else 0
    rows = []
    for c in rate_checks(inputs.costs, inputs.pl_index, share):
        if c.cap is None:
            cap = (None, None, None, None, c.cap_note or "Basisåret")
        else:
            cap = (f"{c.cap.reference_year}–{c.cap.year}", c.cap.allowed_cost_per_day * 100,
                   c.cap.actual_growth, c.cap.allowed_growth,
                   "Overholdt" if c.cap.passed else "Overskredet")
        rows.append((c.offer, c.year, c.costs * 100, c.places, float(c.occupancy_rate),
                     c.daily_rate * 100, c.fixed_share * 100, float(c.overhead),
                     "Ja" if c.overhead_ok else "Nej", c.cost_per_day * 100) + cap)
    return OutTable(
        RATE_CHECK_SHEET, "Takstberegning og takstkontrol",
        f"Kilde: {origin.label} · døgntakst = omkostninger / (pladser × dage "
        f"× belægning) · overheadnorm {float(OVERHEAD_NORM) * 100:g} % · takstloft: udgift pr. "
        f"pladsdøgn højst referenceårets niveau × Π(1 + PL − 0,5 %), som gennemsnit over en "
        f"periode på op til {CAP_PERIOD_YEARS} år (referenceår {CAP_BASE_YEAR} til og med "
        f"{CAP_BASE_YEAR + CAP_PERIOD_YEARS}, derefter året {CAP_PERIOD_YEARS} år før)",
        (OutColumn("Tilbud", OutKind.TEXT, 26), OutColumn("År", OutKind.CODE, 7),
         OutColumn("Omkostninger", OutKind.MONEY, 16), OutColumn("Pladser", OutKind.INT, 8),
         OutColumn("Belægning", OutKind.PERCENT1, 10), OutColumn("Døgntakst", OutKind.MONEY, 13),
         OutColumn("Fast andel", OutKind.MONEY, 13), OutColumn("Overhead", OutKind.PERCENT1, 10),
         OutColumn("Overhead ≤ 6 %", OutKind.TEXT, 10),
         OutColumn("Udgift pr. pladsdøgn", OutKind.MONEY, 13),
         OutColumn("Periode", OutKind.TEXT, 11), OutColumn("Tilladt udgift", OutKind.MONEY, 13),
         OutColumn("Gns. vækst", OutKind.PERCENT1, 10),
         OutColumn("Tilladt gns. vækst", OutKind.PERCENT1, 10),
         OutColumn("Takstloft", OutKind.TEXT, 14)),
        tuple(rows))
