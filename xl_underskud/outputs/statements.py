"""Statements (opgørelser) as data: what each party of the settlement is sent.

One `Statement` per paying municipality and per operator (driftsherre; a municipality or a
region). A payer's statement lists its part of every agreement-period amount with the basis
(window, paid and vacant days, daily rate, coverage share, population and key date, share);
an operator's lists what it receives per agreement-period and from whom. Both sum up to the
net position of SPEC rule 8. The summary workbook (samlet oversigt) is data here too.

Pure: no file, no xlsxwriter, no fpdf. All money is integer øre (a daily rate with more than
two decimals stays an exact Decimal number of øre). The renderers are
`xlsx/statements.py` (Excel) and `pdf_statements.py` (PDF); both draw the same sections
(`statement_sections`), so a finance officer reads the same statement in either file.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from xl_underskud.core import municipalities as muni
from xl_underskud.core.dates import fmt as fmt_date
from xl_underskud.outputs.display import kr, number, percent, share_text
from xl_underskud.outputs.tables import (STATEMENTS_SHEET, OutChart, OutColumn, OutKind, OutTable,
                                         Trail, trails, vacancy_columns, vacancy_rows)
from xl_underskud.core.records import Inputs, KeyDateRule, Message, Origin, Period
from xl_underskud.core.rules.ledger import SettlementRun, parse_period
from xl_underskud.core.rules.settlement import Settlement, agreement_amounts

ROLE_PAYER = "betalende kommune"
ROLE_OPERATOR = "driftsherre"
ROLE_BOTH = "betalende kommune og driftsherre"
POPULATION_CREDIT = "Danmarks Statistik"


# --------------------------------------------------------------------------- records
@dataclass(frozen=True)
class StatementLine:
    """One agreement-period on a statement, with the basis of its amount.

    On a payer's list `population` … `part_oere` are the party's own figures; on an
    operator's list they are None, except `part_oere`, which is the operator's own part of
    the amount when the operator also pays (netted, SPEC rule 8).
    """

    agreement_id: str
    operator: str
    operator_code: int
    offer: str
    period: str
    window_days: int
    paid_days: int
    vacant_days: int
    daily_rate_oere: int | Decimal | None
    coverage_text: str
    agreement_oere: int
    population: int | None = None
    total_population: int | None = None
    key_date: date | None = None
    share: Fraction | None = None
    part_oere: int | None = None


@dataclass(frozen=True)
class Counterparty:
    """Who pays whom: an operator a municipality pays, or a municipality an operator receives
    from. `own` marks the party itself (its own part of its own agreement, netted)."""

    code: int
    name: str
    amount_oere: int
    own: bool = False
    adjust_oere: int = 0  # efterregulering of earlier periods, same direction as amount_oere
    reference: str = ""

    @property
    def total_oere(self) -> int:
        return self.amount_oere + self.adjust_oere


@dataclass(frozen=True)
class AdjustmentLine:
    """Efterregulering of one part settled earlier (SPEC rule 14): on a payer's statement its
    own part; on an operator's the sum over the paying municipalities of one agreement-period."""

    agreement_id: str
    operator: str
    period: str
    computed_oere: int
    settled_oere: int
    received: bool = False  # the operator's line (all paying municipalities' parts)

    @property
    def difference_oere(self) -> int:
        return self.computed_oere - self.settled_oere


MONTH_NAMES = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
               "september", "oktober", "november", "december")


def period_in_words(label: str) -> str | None:
    """A quarter or month label as a finance officer says it: '2024K2' → '2. kvartal 2024',
    '2024M03' → 'marts 2024'; a year (or anything else) → None: it says itself."""
    parsed = parse_period(label)
    if parsed is None or parsed[0] is Period.YEAR:
        return None
    kind, year, n = parsed
    return f"{n}. kvartal {year}" if kind is Period.QUARTER else f"{MONTH_NAMES[n - 1]} {year}"


@dataclass(frozen=True)
class PaymentTerms:
    """What makes a statement payable: the settlement date, the due date, the sender."""

    day: date
    due: date
    secretariat: str
    email: str | None
    phone: str | None
    reference_rule: str

    def reference(self, period: str, code: int | str) -> str:
        return self.reference_rule.replace("{periode}", period).replace("{kommunekode}",
                                                                        str(code))


@dataclass(frozen=True)
class PeriodTotal:
    period: str
    pays_oere: int
    receives_oere: int

    @property
    def net_oere(self) -> int:
        return self.receives_oere - self.pays_oere


@dataclass(frozen=True)
class Statement:
    code: int
    name: str
    is_payer: bool
    is_operator: bool
    payments: tuple[StatementLine, ...]  # the party's parts (payer)
    receipts: tuple[StatementLine, ...]  # the party's agreements (operator)
    pays_to: tuple[Counterparty, ...]  # per operator
    receives_from: tuple[Counterparty, ...]  # per paying municipality
    periods: tuple[PeriodTotal, ...]
    pays_oere: int
    receives_oere: int
    # The annex: every agreement-period with vacant days behind an amount the party pays a
    # part of or receives, with its runs (SPEC rule 13); whether normal vacancy is deducted.
    trail: tuple[Trail, ...] = ()
    deducts_normal_vacancy: bool = False
    years_label: str = ""  # the settled years, in every file name: two years never mix
    # SPEC rule 14: differences on periods settled before (payer: its parts; operator: its
    # agreements), and the payments that settle everything on this statement.
    adjustments: tuple[AdjustmentLine, ...] = ()
    adjust_pays_oere: int = 0
    adjust_receives_oere: int = 0
    population_totals: tuple[tuple[date, int], ...] = ()  # (key date, paying municipalities)

    @property
    def net_oere(self) -> int:
        """New periods and efterregulering together: what the party receives minus pays."""
        return (self.receives_oere + self.adjust_receives_oere
                - self.pays_oere - self.adjust_pays_oere)

    @property
    def role(self) -> str:
        if self.is_payer and self.is_operator:
            return ROLE_BOTH
        return ROLE_OPERATOR if self.is_operator else ROLE_PAYER

    @property
    def code_label(self) -> str:
        return f"{'regionskode' if self.code >= 1000 else 'kommunekode'} {self.code}"

    @property
    def file_stem(self) -> str:
        return f"Opgoerelse_{self.years_label}_{self.code}_{ascii_name(self.name)}"

    @property
    def net_text(self) -> str:
        if self.net_oere > 0:
            return f"{self.name} modtager netto {kr(self.net_oere)}"
        if self.net_oere < 0:
            return f"{self.name} betaler netto {kr(-self.net_oere)}"
        return f"{self.name} skal hverken betale eller modtage noget netto."


@dataclass(frozen=True)
class StatementSet:
    """Everything the command writes: the statements and the summary, with shared header."""

    years_label: str  # "2023" or "2022-2025"
    origin: Origin  # the input: name and checksum, named on every page
    stamp: datetime  # the files' metadata time, derived from the settlement (not the clock)
    version: str
    settings_text: tuple[str, ...]  # the basis, in sentences
    statements: tuple[Statement, ...]
    agreement_periods: tuple[StatementLine, ...]  # every agreement-period settled
    history: tuple[tuple[str, str, dict[int, int]], ...]  # (agreement, operator, {year: øre})
    history_complete: bool  # False when earlier years could not be computed
    municipal_parts: tuple[tuple[int, str, int, dict[str, int]], ...]  # code, name, pop, {aid: øre}
    total_oere: int
    warnings: tuple[Message, ...]
    terms: PaymentTerms | None = None
    adjustment_oere: int = 0  # the efterregulering, all parts: net owed (> 0) or refunded

    @property
    def title(self) -> str:
        words = period_in_words(self.years_label)
        return f"Opgørelse af underskudsgaranti {self.years_label}" + (
            f" ({words})" if words else "")

    def payment_lines(self, st: "Statement") -> tuple[tuple[str, str], ...]:
        """The header block of a statement: sender, dates, reference, population, checksum."""
        out = []
        if self.terms is not None:
            t = self.terms
            contact = ", ".join(x for x in (t.email, t.phone) if x)
            out.append(("Afsender", t.secretariat + (f" ({contact})" if contact else "")))
            out.append(("Betales senest", f"{fmt_date(t.due)} (afregnet {fmt_date(t.day)}); "
                                          f"kommunen betaler direkte til driftsherren"))
            if st.is_payer:
                out.append(("Betalingsreference", t.reference(self.years_label, st.code)))
            if st.is_operator:
                out.append(("Reference ved indbetaling",
                            t.reference(self.years_label, "<kommunekode>")
                            + " (den betalende kommunes kode)"))
        for day, total in st.population_totals:
            out.append((f"Folketal i alt {fmt_date(day)}",
                        f"{number(total)} (de betalende kommuner, bag andelene)"))
        out.append(("Inddata (SHA-256)", self.origin.sha256))
        return tuple(out)

    @property
    def source_line(self) -> str:
        return (f"Kilde: {self.origin.label}; beregnet med xl-underskud {self.version}; "
                f"folketal: {POPULATION_CREDIT}")

    @property
    def overview_file(self) -> str:
        return f"Samlet_oversigt_{self.years_label}.xlsx"


# --------------------------------------------------------------------------- formats
_ASCII = {"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa", "ß": "ss"}


def ascii_name(name: str) -> str:
    """File-name-safe ASCII: æ→ae, ø→oe, å→aa, other accents dropped, the rest → '_'."""
    text = "".join(_ASCII.get(ch, ch) for ch in name)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9-]+", "_", text).strip("_")
    return text or "ukendt"


def _rate_oere(rate: Decimal | None) -> int | Decimal | None:
    if rate is None:
        return None
    value = rate * 100
    return int(value) if value == value.to_integral_value() else value


def _years_label(years) -> str:
    years = sorted(years)
    if not years:
        return "ingen"
    return str(years[0]) if years[0] == years[-1] else f"{years[0]}-{years[-1]}"


# --------------------------------------------------------------------------- building
def build_statements(s: Settlement, inputs: Inputs, origin: Origin, version: str,
                     run: SettlementRun | None = None) -> StatementSet:
    """The statements of settlement `s`; with a settlement `run` (`s` = `run.new`), also its
    efterregulering, the payment terms (dates, references, sender) and the run's label."""
    agreements = {a.agreement_id: a for a in inputs.agreements}
    label = run.label if run is not None else _years_label(s.years)
    terms = None
    if run is not None:
        st_ = s.settings
        terms = PaymentTerms(run.day, run.day + timedelta(days=st_.payment_days),
                             st_.secretariat, st_.contact_email, st_.contact_phone,
                             st_.reference_rule)
    adjustments = run.adjustments if run is not None else ()
    base: dict[tuple[str, str], StatementLine] = {}
    for ap in sorted(s.agreement_periods, key=lambda ap: (ap.agreement_id, ap.period)):
        a = agreements[ap.agreement_id]
        base[(ap.agreement_id, ap.period)] = StatementLine(
            ap.agreement_id, a.operator, a.operator_code, a.offer, ap.period, ap.window_days,
            ap.paid_days, ap.vacant_days, _rate_oere(ap.daily_rate),
            share_text(ap.coverage) if ap.vacant_days else "", ap.amount_oere)

    totals_pop: dict[tuple[str, str], int] = defaultdict(int)
    for p in s.parts:
        totals_pop[(p.agreement_id, p.period)] += p.population
    parts_of: dict[int, list] = defaultdict(list)
    own_part: dict[tuple[int, str, str], int] = {}
    for p in s.parts:
        parts_of[p.municipality_code].append(p)
        own_part[(p.municipality_code, p.agreement_id, p.period)] = p.amount_oere
    key_totals = {sp.key_date: sum(sp.populations) for sp in s.splits}

    positions: dict[int, list] = defaultdict(list)
    names: dict[int, str] = {}
    for pos in s.positions:
        positions[pos.code].append(pos)
        names[pos.code] = pos.name
    community = {p.municipality_code: p.municipality for p in inputs.population
                 if p.municipality_code not in muni.REGIONS}
    known = muni.names_by_code()
    operator_of = {aid: a.operator_code for aid, a in agreements.items()}
    for adj in adjustments:  # a party whose only business is an efterregulering
        names.setdefault(adj.municipality_code, community.get(adj.municipality_code)
                         or known.get(adj.municipality_code, str(adj.municipality_code)))
        op = operator_of.get(adj.agreement_id)
        if op is not None:
            names.setdefault(op, known.get(op, agreements[adj.agreement_id].operator))
    payers = set(parts_of) | ({p.municipality_code for p in inputs.population}
                              & set(names)) - set(muni.REGIONS)
    operators = {a.operator_code for a in inputs.agreements}
    adjust_flow: dict[tuple[int, int], int] = defaultdict(int)  # (municipality, operator)
    for adj in adjustments:
        op = operator_of.get(adj.agreement_id)
        if op is not None:
            adjust_flow[(adj.municipality_code, op)] += adj.difference_oere

    def reference(code: int) -> str:
        return terms.reference(label, code) if terms is not None else ""

    trail_of = trails(s)
    statements = []
    for code in sorted(names):
        payments = []
        pays_to: dict[int, int] = defaultdict(int)
        for p in sorted(parts_of.get(code, ()), key=lambda p: (p.agreement_id, p.period)):
            line = base[(p.agreement_id, p.period)]
            payments.append(replace(line, population=p.population,
                                    total_population=totals_pop[(p.agreement_id, p.period)],
                                    key_date=p.key_date,
                                    share=Fraction(p.population,
                                                   totals_pop[(p.agreement_id, p.period)]),
                                    part_oere=p.amount_oere))
            pays_to[line.operator_code] += p.amount_oere
        receipts = []
        receives_from: dict[int, int] = defaultdict(int)
        for key, line in base.items():
            if line.operator_code != code:
                continue
            receipts.append(replace(line, part_oere=own_part.get((code, *key))
                                    if code in payers else None))
        mine = {aid for aid, a in agreements.items() if a.operator_code == code}
        for p in s.parts:
            if p.agreement_id in mine:
                receives_from[p.municipality_code] += p.amount_oere
        for (m, op), diff in adjust_flow.items():
            if m == code:
                pays_to.setdefault(op, 0)
            if op == code:
                receives_from.setdefault(m, 0)
        part_names = {p.municipality_code: p.municipality for p in s.parts}
        periods = tuple(PeriodTotal(pos.period, pos.pays_oere, pos.receives_oere)
                        for pos in sorted(positions[code], key=lambda x: x.period))
        behind = sorted({(x.agreement_id, x.period) for x in payments + receipts} & set(trail_of))
        own_adjustments = tuple(
            AdjustmentLine(a.agreement_id, agreements[a.agreement_id].operator
                           if a.agreement_id in agreements else "", a.period, a.computed_oere,
                           a.settled_oere)
            for a in adjustments if a.municipality_code == code)
        operator_adjustments: dict[tuple[str, str], list[int]] = {}
        for a in adjustments:
            if a.agreement_id in mine:
                sums = operator_adjustments.setdefault((a.agreement_id, a.period), [0, 0])
                sums[0] += a.computed_oere
                sums[1] += a.settled_oere
        received = tuple(
            AdjustmentLine(aid, "modtager (alle kommuner)" if code in payers
                           else agreements[aid].operator, period, computed, settled,
                           received=True)
            for (aid, period), (computed, settled) in sorted(operator_adjustments.items()))
        lines = own_adjustments + received
        key_dates = sorted({x.key_date for x in payments} if payments else
                           {kd for kd in key_totals} if code in operators else set())
        statements.append(Statement(
            code, names[code], code in payers, code in operators, tuple(payments),
            tuple(receipts),
            tuple(Counterparty(op, _operator_name(op, agreements, names), amount, op == code,
                               adjust_flow.get((code, op), 0), reference(code))
                  for op, amount in sorted(pays_to.items())),
            tuple(Counterparty(m, part_names.get(m, names.get(m, str(m))), amount, m == code,
                               adjust_flow.get((m, code), 0), reference(m))
                  for m, amount in sorted(receives_from.items())),
            periods, sum(p.pays_oere for p in periods), sum(p.receives_oere for p in periods),
            tuple(trail_of[key] for key in behind), s.settings.deduct_normal_vacancy,
            label, lines,
            sum(a.difference_oere for a in own_adjustments),
            sum(c - d for c, d in operator_adjustments.values()),
            tuple((kd, key_totals[kd]) for kd in key_dates)))

    history, complete = _history(s, inputs)
    municipal = []
    pop_of: dict[int, int] = {}
    for p in s.parts:
        pop_of.setdefault(p.municipality_code, p.population)
    for st in statements:
        if not st.is_payer:
            continue
        by_agreement: dict[str, int] = defaultdict(int)
        for line in st.payments:
            by_agreement[line.agreement_id] += line.part_oere
        municipal.append((st.code, st.name, pop_of.get(st.code, 0), dict(by_agreement)))

    return StatementSet(
        label, origin, s.stamp, version, _settings_text(s),
        tuple(statements), tuple(base.values()), history, complete, tuple(municipal),
        s.total_oere, tuple(m for m in s.warnings if not m.is_error), terms,
        sum(a.difference_oere for a in adjustments))


def _operator_name(code: int, agreements, names) -> str:
    for a in agreements.values():
        if a.operator_code == code:
            return names.get(code, a.operator)
    return names.get(code, str(code))


def _history(s: Settlement, inputs: Inputs):
    """Amount per agreement and calendar year, for every year up to the last one settled.

    Returns (rows, complete): when an earlier year cannot be computed (say a missing rate),
    only the settled years are shown and `complete` is False.
    """
    last = max(s.years) if s.years else None
    periods = list(s.agreement_periods)
    complete = True
    if last is not None:
        every = replace(inputs, settings=replace(inputs.settings, settlement_year=None))
        all_periods, messages = agreement_amounts(every, None)
        if any(m.is_error for m in messages):
            complete = False
        else:
            periods = [ap for ap in all_periods if last is None or ap.year <= last]
    operator = {a.agreement_id: a.operator for a in inputs.agreements}
    amounts: dict[str, dict[int, int]] = {aid: {} for aid in sorted(operator)}
    for ap in periods:
        row = amounts.setdefault(ap.agreement_id, {})
        row[ap.year] = row.get(ap.year, 0) + ap.amount_oere
    years = sorted({y for row in amounts.values() for y in row})
    rows = tuple((aid, operator.get(aid, ""), {y: row.get(y, 0) for y in years})
                 for aid, row in amounts.items() if row)
    return rows, complete


def _settings_text(s: Settlement) -> tuple[str, ...]:
    st = s.settings
    schedule = ", ".join(f"år {i}: {percent(share, 0)}"
                         for i, share in enumerate(st.coverage_schedule, start=1))
    key_rule = ("1. januar i afregningsåret" if st.key_date_rule is KeyDateRule.SAME_YEAR
                else "1. januar året før afregningsåret")
    period = {Period.YEAR: "kalenderår", Period.QUARTER: "kvartal",
              Period.MONTH: "måned"}[st.period]
    out = [
        f"Garantibeløbet pr. aftale og {period} = tomme døgn x dækningsandel x døgntakst, "
        f"afrundet én gang til hele øre. Et tomt døgn er et døgn i pladsens garantiperiode "
        f"({st.guarantee_years} år fra ibrugtagningen), som intet ophold betaler for.",
        f"Dækningsandel pr. garantiår: {schedule}.",
        f"Fordeling: efter folketal pr. {key_rule} (nøgledatoen) for de betalende kommuner, "
        f"med største restmetode i hele øre, så kommunernes dele giver aftalens beløb præcist.",
        "Driftsherren modtager aftalens beløb. Er driftsherren selv en betalende kommune, "
        "betaler den sin egen andel til sig selv; den modregnes i nettopositionen.",
        f"Folketal: {POPULATION_CREDIT} (FOLK1AM), CC BY 4.0.",
    ]
    if st.deduct_normal_vacancy:
        out.insert(2, "Normal tomgang er fratrukket: (1 - belægningsprocent) x vinduesdøgn "
                      "trækkes fra de tomme døgn pr. aftale og år; tomme døgn vises før fradrag.")
    return tuple(out)


# --------------------------------------------------------------------------- sections
def summary_rows(st: Statement) -> tuple[tuple[str, int], ...]:
    """The result box at the top: (label, øre)."""
    rows = []
    # with an efterregulering, each line names its periods: what is owed for the period
    # settled now and what is corrected for the earlier ones are told apart at a glance
    now = f" for {st.years_label}" if st.adjustments and st.years_label else ""
    earlier = ", ".join(sorted({a.period for a in st.adjustments})) or "tidligere perioder"
    if st.is_payer:
        rows.append((f"Betaler: kommunens andel af garantibeløbene{now}", st.pays_oere))
        if st.adjust_pays_oere:
            rows.append((f"Betaler: efterregulering af {earlier}", st.adjust_pays_oere))
    if st.is_operator:
        rows.append((f"Modtager: garantibeløb som driftsherre{now}", st.receives_oere))
        if st.adjust_receives_oere:
            rows.append((f"Modtager: efterregulering af {earlier}", st.adjust_receives_oere))
    rows.append(("Nettoposition (modtager - betaler)", st.net_oere))
    return tuple(rows)


def statement_sections(st: Statement) -> list[OutTable]:
    """The tables of one statement, in reading order (shared by the Excel and PDF files)."""
    out = []
    if st.is_payer:
        out.append(OutTable(
            "Betaler", f"{st.name} betaler: andel pr. aftale og periode",
            "Aftalens beløb fordeles efter folketal på nøgledatoen. Andel = kommunens folketal / "
            "de betalende kommuners samlede folketal.",
            (OutColumn("Aftale", OutKind.TEXT, 7), OutColumn("Driftsherre", OutKind.TEXT, 16),
             OutColumn("Tilbud", OutKind.TEXT, 24), OutColumn("Periode", OutKind.TEXT, 8),
             OutColumn("Vindues-\ndøgn", OutKind.INT, 9),
             OutColumn("Betalte\ndøgn", OutKind.INT, 9),
             OutColumn("Tomme\ndøgn", OutKind.INT, 8), OutColumn("Døgntakst", OutKind.MONEY, 12),
             OutColumn("Dæknings-\nandel", OutKind.TEXT, 10),
             OutColumn("Aftalens\nbeløb", OutKind.MONEY, 14, True),
             OutColumn("Folketal", OutKind.INT, 10), OutColumn("Nøgledato", OutKind.DATE, 11),
             OutColumn("Andel", OutKind.PERCENT, 9),
             OutColumn("Kommunens\ndel", OutKind.MONEY, 14, True)),
            tuple((x.agreement_id, x.operator, x.offer, x.period, x.window_days, x.paid_days,
                   x.vacant_days, x.daily_rate_oere, x.coverage_text, x.agreement_oere,
                   x.population, x.key_date, x.share, x.part_oere) for x in st.payments),
            "Ingen garantibeløb i perioden: kommunen skal ikke betale noget."))
    if st.pays_to:
        own = any(c.own for c in st.pays_to)
        adjusted, referenced = _payment_columns(st.pays_to)
        out.append(OutTable(
            "Betales til", "Betales til driftsherrerne",
            "Kommunen betaler direkte til driftsherren; et negativt beløb betaler driftsherren "
            "tilbage." if adjusted else "",
            (OutColumn("Kode", OutKind.CODE, 7), OutColumn("Driftsherre", OutKind.TEXT, 24))
            + ((OutColumn("Bemærkning", OutKind.TEXT, 36),) if own else ())
            + _amount_columns(adjusted, referenced),
            tuple((c.code, c.name)
                  + (("egen aftale: modregnes i nettopositionen" if c.own else "",) if own else ())
                  + _amounts(c, adjusted, referenced) for c in st.pays_to),
            "Intet at betale."))
    if st.is_operator:
        own = st.is_payer
        out.append(OutTable(
            "Modtager", f"{st.name} modtager som driftsherre: garantibeløb pr. aftale og periode",
            "",  # Beløb = tomme døgn x dækningsandel x døgntakst: in Grundlag
            (OutColumn("Aftale", OutKind.TEXT, 7), OutColumn("Tilbud", OutKind.TEXT, 28),
             OutColumn("Periode", OutKind.TEXT, 8), OutColumn("Vindues-\ndøgn", OutKind.INT, 9),
             OutColumn("Betalte\ndøgn", OutKind.INT, 9), OutColumn("Tomme\ndøgn", OutKind.INT, 8),
             OutColumn("Døgntakst", OutKind.MONEY, 12),
             OutColumn("Dæknings-\nandel", OutKind.TEXT, 10),
             OutColumn("Aftalens\nbeløb", OutKind.MONEY, 14, True))
            + ((OutColumn("Heraf\negen andel", OutKind.MONEY, 14, True),) if own else ()),
            tuple((x.agreement_id, x.offer, x.period, x.window_days, x.paid_days, x.vacant_days,
                   x.daily_rate_oere, x.coverage_text, x.agreement_oere)
                  + ((x.part_oere or 0,) if own else ()) for x in st.receipts),
            "Ingen aftaler i perioden."))
        if st.receives_from:
            total = sum(c.amount_oere for c in st.receives_from)
            adjusted, referenced = _payment_columns(st.receives_from)
            out.append(OutTable(
                "Modtages fra", "Modtages fra de betalende kommuner",
                "Hver kommune betaler direkte til driftsherren; et negativt beløb betaler "
                "driftsherren tilbage til kommunen." if adjusted else "",
                (OutColumn("Kode", OutKind.CODE, 6),
                 OutColumn("Kommune", OutKind.TEXT, 19), OutColumn("Andel", OutKind.PERCENT, 9))
                + _amount_columns(adjusted, False),
                tuple((c.code, c.name + (" (egen andel)" if c.own else ""),
                       # the share of the new period's amount; none when that is 0 (a
                       # statement of an efterregulering only): 0 % would be a wrong share
                       Fraction(c.amount_oere, total) if total else None)
                      + _amounts(c, adjusted, False)
                      for c in st.receives_from)))
    if st.adjustments:
        # a municipality that is also an operator has lines of both directions (its own part
        # as payer, every municipality's part as operator, its own part included): their sum
        # would mean nothing, so such a table has no total row
        one_way = len({x.received for x in st.adjustments}) == 1
        out.append(OutTable(
            "Efterregulering", "Efterregulering af tidligere afregnede perioder",
            "Beregnet nu på de opdaterede data minus det afregnede (arket Afregnet). Positiv "
            "difference: betales nu til driftsherren; negativ: betales tilbage til kommunen.",
            (OutColumn("Aftale", OutKind.TEXT, 7), OutColumn("Driftsherre", OutKind.TEXT, 24),
             OutColumn("Periode", OutKind.TEXT, 8),
             OutColumn("Beregnet nu", OutKind.MONEY, 14, one_way),
             OutColumn("Afregnet", OutKind.MONEY, 14, one_way),
             OutColumn("Difference", OutKind.MONEY, 14, one_way)),
            tuple((x.agreement_id, x.operator, x.period, x.computed_oere, x.settled_oere,
                   x.difference_oere) for x in st.adjustments)))
    if len(st.periods) > 1:
        out.append(OutTable(
            "Perioder", "Pr. periode", "",
            (OutColumn("Periode", OutKind.TEXT, 10), OutColumn("Betaler", OutKind.MONEY, 14, True),
             OutColumn("Modtager", OutKind.MONEY, 14, True),
             OutColumn("Netto", OutKind.MONEY, 14, True)),
            tuple((p.period, p.pays_oere, p.receives_oere, p.net_oere) for p in st.periods)))
    return out


def _payment_columns(parties) -> tuple[bool, bool]:
    """(any efterregulering, any reference) among the counterparties."""
    return any(c.adjust_oere for c in parties), any(c.reference for c in parties)


def _amount_columns(adjusted: bool, referenced: bool) -> tuple[OutColumn, ...]:
    if not adjusted:
        money = (OutColumn("Beløb", OutKind.MONEY, 13, True),)
    else:
        money = (OutColumn("Ny periode", OutKind.MONEY, 13, True),
                 OutColumn("Efter-\nregulering", OutKind.MONEY, 13, True),
                 OutColumn("I alt", OutKind.MONEY, 14, True))
    return money + ((OutColumn("Reference", OutKind.TEXT, 17),) if referenced else ())


def _amounts(c: Counterparty, adjusted: bool, referenced: bool) -> tuple:
    money = (c.amount_oere, c.adjust_oere, c.total_oere) if adjusted else (c.amount_oere,)
    return money + ((c.reference if not c.own else "",) if referenced else ())


def statement_annex(st: Statement) -> list[OutTable]:
    """The annex (bilag) of one statement, drawn after its basis: for a paying municipality
    how its part of each amount follows from the population key, and for every party the runs
    of vacant days behind each amount it pays a part of or receives, with the subtotals per
    agreement and period that are the amounts of the statement."""
    out = []
    if st.payments:
        out.append(OutTable(
            "Fordelingsnøgle", "Bilag: kommunens andel af beløbene",
            "Kommunens del = aftalens beløb x kommunens folketal / folketal i alt (de betalende "
            "kommuner på nøgledatoen), fordelt i hele øre efter største restmetode, så alle "
            "kommuners dele giver aftalens beløb præcist.",
            (OutColumn("Aftale", OutKind.TEXT, 8), OutColumn("Periode", OutKind.TEXT, 8),
             OutColumn("Nøgledato", OutKind.DATE, 11),
             OutColumn("Aftalens\nbeløb", OutKind.MONEY, 15, True),
             OutColumn("Kommunens\nfolketal", OutKind.INT, 11),
             OutColumn("Folketal i alt\n(betalende)", OutKind.INT, 13),
             OutColumn("Andel", OutKind.PERCENT, 10),
             OutColumn("Kommunens\ndel", OutKind.MONEY, 15, True)),
            tuple((x.agreement_id, x.period, x.key_date, x.agreement_oere, x.population,
                   x.total_population, x.share, x.part_oere) for x in st.payments)))
    rows, subtotals = vacancy_rows(st.trail, st.deducts_normal_vacancy, "Alle aftaler")
    out.append(OutTable(
        "Tomgang", "Bilag: tomme døgn bag beløbene",
        "Hvert løb af tomme pladsdøgn bag aftalernes beløb i denne opgørelse (begge datoer "
        "medregnet): værdi = tomme døgn x dækningsandel x døgntakst, eksakt. Pr. aftale og "
        "periode afrundes beløbet én gang til hele øre.",
        vacancy_columns(st.deducts_normal_vacancy), rows,
        "Ingen tomme døgn bag opgørelsens beløb.", subtotal_rows=subtotals))
    return out


# --------------------------------------------------------------------------- summary
@dataclass(frozen=True)
class OverviewSheet:
    name: str
    title: str
    subtitle: str
    table: OutTable
    chart: OutChart | None = None  # drawn below the table


def overview_sheets(ss: StatementSet) -> list[OverviewSheet]:
    sub = ss.source_line
    positions = OutTable(
        "Oversigt", "", "",
        (OutColumn("Kode", OutKind.CODE, 7), OutColumn("Navn", OutKind.TEXT, 20),
         OutColumn("Rolle", OutKind.TEXT, 30), OutColumn("Betaler", OutKind.MONEY, 15, True),
         OutColumn("Modtager", OutKind.MONEY, 15, True),
         OutColumn("Netto", OutKind.MONEY, 15, True),
         OutColumn("Opgørelse (PDF)", OutKind.TEXT, 36)),
        tuple((st.code, st.name, st.role, st.pays_oere, st.receives_oere, st.net_oere,
               st.file_stem + ".pdf") for st in ss.statements),
        "Ingen parter.")
    agreements = OutTable(
        "Aftaler", "", "",
        (OutColumn("Aftale", OutKind.TEXT, 8), OutColumn("Driftsherre", OutKind.TEXT, 18),
         OutColumn("Tilbud", OutKind.TEXT, 28), OutColumn("Periode", OutKind.TEXT, 9),
         OutColumn("Vinduesdøgn", OutKind.INT, 11, True),
         OutColumn("Betalte døgn", OutKind.INT, 11, True),
         OutColumn("Tomme døgn", OutKind.INT, 10, True),
         OutColumn("Døgntakst", OutKind.MONEY, 13), OutColumn("Dækningsandel", OutKind.TEXT, 13),
         OutColumn("Beløb", OutKind.MONEY, 15, True)),
        tuple((x.agreement_id, x.operator, x.offer, x.period, x.window_days, x.paid_days,
               x.vacant_days, x.daily_rate_oere, x.coverage_text, x.agreement_oere)
              for x in ss.agreement_periods),
        "Ingen garanterede døgn i perioden.")
    years = sorted({y for _, _, row in ss.history for y in row})
    history = OutTable(
        "Pr. år", "", "",
        (OutColumn("Aftale", OutKind.TEXT, 26),)
        + tuple(OutColumn(str(y), OutKind.MONEY, 15, True) for y in years),
        tuple((f"{aid} ({op})",) + tuple(row[y] for y in years) for aid, op, row in ss.history),
        "Ingen beløb.")
    aids = [x for x in dict.fromkeys(line.agreement_id for line in ss.agreement_periods)]
    operator = {line.agreement_id: line.operator for line in ss.agreement_periods}
    grand = ss.total_oere
    matrix = OutTable(
        "Kommuner", "", "",
        (OutColumn("Kommunekode", OutKind.CODE, 12), OutColumn("Kommune", OutKind.TEXT, 18),
         OutColumn("Folketal", OutKind.INT, 11, True), OutColumn("Andel", OutKind.PERCENT, 10))
        + tuple(OutColumn(f"{aid} til {operator[aid]}", OutKind.MONEY, 15, True) for aid in aids)
        + (OutColumn("I alt", OutKind.MONEY, 15, True),),
        tuple((code, name, pop, Fraction(sum(parts.values()), grand) if grand else Fraction(0))
              + tuple(parts.get(aid, 0) for aid in aids) + (sum(parts.values()),)
              for code, name, pop, parts in ss.municipal_parts),
        "Ingen betalende kommuner.")
    history_note = "" if ss.history_complete else (
        " Tidligere år kunne ikke beregnes (fx en manglende døgntakst); kun de afregnede år vises.")
    sheets = [
        OverviewSheet("Oversigt", f"Samlet oversigt: underskudsgaranti {ss.years_label}",
                      f"{sub}. Netto = modtager - betaler; summen af netto er 0.", positions),
        OverviewSheet("Kommuner", f"Kommunernes andel {ss.years_label} pr. aftale (hvem betaler "
                      f"hvem)", sub, matrix,
                      OutChart(f"Kommunernes andel {ss.years_label} (kr.)", "Kommune",
                               tuple(f"{aid} til {operator[aid]}" for aid in aids), "bar",
                               stacked=True)
                      if ss.municipal_parts and aids else None),
        OverviewSheet("Aftaler", f"Garantibeløb pr. aftale og periode {ss.years_label}", sub,
                      agreements),
        OverviewSheet("Pr. år", f"Garantibeløb pr. aftale og år (til og med "
                      f"{ss.years_label.split('-')[-1]})", sub + "." + history_note, history,
                      OutChart("Garantibeløb pr. aftale og år (kr.)", "Aftale",
                               tuple(str(y) for y in years), "column")
                      if ss.history and years else None),
    ]
    if ss.warnings:
        sheets.append(OverviewSheet(
            "Advarsler", "Advarsler fra beregningen", sub, OutTable(
                "Advarsler", "", "",
                (OutColumn("Ark", OutKind.TEXT, 14), OutColumn("Række", OutKind.INT, 8),
                 OutColumn("Kolonne", OutKind.TEXT, 18), OutColumn("Besked", OutKind.TEXT, 100)),
                tuple((m.source.sheet or "(filen)", m.source.row, m.source.column or "", m.text)
                      for m in ss.warnings))))
    return sheets


def statements_table(ss: StatementSet) -> OutTable:
    """The statements as one sheet of an open workbook (the add-in's 'Opgørelser')."""
    sheets = {o.name: o for o in overview_sheets(ss)}
    positions = OutTable(
        STATEMENTS_SHEET, f"Opgørelser: underskudsgaranti {ss.years_label}", ss.source_line,
        (OutColumn("Kode", OutKind.CODE, 7), OutColumn("Navn", OutKind.TEXT, 20),
         OutColumn("Rolle", OutKind.TEXT, 30), OutColumn("Betaler", OutKind.MONEY, 15, True),
         OutColumn("Modtager", OutKind.MONEY, 15, True),
         OutColumn("Netto", OutKind.MONEY, 15, True)),
        tuple((st.code, st.name, st.role, st.pays_oere, st.receives_oere, st.net_oere)
              for st in ss.statements),
        "Ingen parter.",
        more=tuple(replace(sheets[name].table, title=sheets[name].title)
                   for name in ("Kommuner", "Aftaler") if name in sheets))
    return positions
