"""The output sheets as data: Resultat, Fordeling, Kommuneoversigt and Fejl.

What a finance officer reads is decided here once; the XlsxWriter report (`xlsx/report.py`)
and the sheets written into an open workbook through xlwings only render these tables.
Amounts stay in integer øre until a renderer shows them as kroner.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .dates import fmt
from .engine import sort_messages
from .records import Inputs, Message
from .settlement import Settlement

MONEY, INT, TEXT, DATE, PERCENT, DECIMAL = "kr", "int", "text", "date", "pct", "dec"


@dataclass(frozen=True)
class OutColumn:
    header: str
    kind: str
    width: float = 14
    total: bool = False  # summed in the totals row


@dataclass(frozen=True)
class OutTable:
    sheet: str
    title: str
    subtitle: str
    columns: tuple[OutColumn, ...]
    rows: tuple[tuple, ...]  # money in øre (int or Decimal), dates as date, shares as fractions
    empty_text: str = ""

    def totals(self) -> tuple:
        out = []
        for i, c in enumerate(self.columns):
            out.append(sum(r[i] for r in self.rows) if c.total else None)
        return tuple(out)


def _share_text(coverage) -> str:
    shares = []
    for _, _, share in coverage:
        text = f"{share * 100:.4g} %".replace(".", ",")
        if text not in shares:
            shares.append(text)
    return " / ".join(shares)


def settlement_tables(s: Settlement, inputs: Inputs, source: str, computed: date) -> list[OutTable]:
    agreements = {a.agreement_id: a for a in inputs.agreements}
    year_text = ", ".join(str(y) for y in s.years) if s.years else "ingen"
    subtitle = (f"Kilde: {source} · beregnet {fmt(computed)} · periode: {s.settings.period.value}"
                f" · år: {year_text} · nøgledato: {s.settings.key_date_rule.value}")
    deduct = s.settings.deduct_normal_vacancy  # the deduction column only when it applies
    result_rows = []
    for ap in s.agreement_periods:
        a = agreements[ap.agreement_id]
        result_rows.append((
            ap.agreement_id, a.operator, a.offer, ap.period, ap.window_days, ap.paid_days,
            ap.vacant_days) + ((float(ap.deducted_days),) if deduct else ()) + (
            ap.daily_rate * 100 if ap.daily_rate is not None else None,
            _share_text(ap.coverage) if ap.vacant_days else "", ap.amount_oere))
    resultat = OutTable(
        "Resultat", "Underskudsgaranti: tomme døgn og garantibeløb", subtitle,
        (OutColumn("AftaleID", TEXT, 10), OutColumn("Driftsherre", TEXT, 20),
         OutColumn("Tilbud", TEXT, 28), OutColumn("Periode", TEXT, 10),
         OutColumn("Vinduesdøgn", INT, 12, True), OutColumn("Betalte døgn", INT, 12, True),
         OutColumn("Tomme døgn", INT, 11, True))
        + ((OutColumn("Fradrag normal tomgang (døgn)", DECIMAL, 14),) if deduct else ())
        + (OutColumn("Døgntakst", MONEY, 13), OutColumn("Dækningsandel", TEXT, 14),
           OutColumn("Beløb", MONEY, 16, True)),
        tuple(result_rows), "Ingen garanterede døgn i de valgte år.")

    fordeling = OutTable(
        "Fordeling", "Fordeling på kommuner efter folketal", subtitle,
        (OutColumn("AftaleID", TEXT, 10), OutColumn("Periode", TEXT, 10),
         OutColumn("Kommunekode", INT, 12), OutColumn("Kommune", TEXT, 20),
         OutColumn("Nøgledato", DATE, 12), OutColumn("Folketal", INT, 12),
         OutColumn("Andel", PERCENT, 10), OutColumn("Beløb", MONEY, 16, True)),
        tuple(_fordeling_rows(s)), "Intet beløb at fordele.")

    kommuner = OutTable(
        "Kommuneoversigt", "Betaling og nettoposition pr. kommune", subtitle,
        (OutColumn("Kommunekode", INT, 12), OutColumn("Kommune", TEXT, 22),
         OutColumn("Periode", TEXT, 10), OutColumn("Betaler", MONEY, 16, True),
         OutColumn("Modtager", MONEY, 16, True), OutColumn("Netto", MONEY, 16, True)),
        tuple((m.code, m.name, m.period, m.pays_oere, m.receives_oere, m.net_oere)
              for m in sorted(s.positions, key=lambda m: (m.code, m.period))),
        "Ingen perioder at vise.")
    return [resultat, fordeling, kommuner, messages_table(list(s.warnings), source, computed)]


def _fordeling_rows(s: Settlement):
    totals: dict[tuple[str, str], int] = {}
    for p in s.parts:
        totals[(p.agreement_id, p.period)] = totals.get((p.agreement_id, p.period), 0) + p.population
    for p in sorted(s.parts, key=lambda p: (p.agreement_id, p.period, p.municipality_code)):
        yield (p.agreement_id, p.period, p.municipality_code, p.municipality, p.key_date,
               p.population, p.population / totals[(p.agreement_id, p.period)], p.amount_oere)


def messages_table(messages: list[Message], source: str, computed: date) -> OutTable:
    rows = tuple(("Fejl" if m.is_error else "Advarsel", m.source.sheet or "(filen)",
                  m.source.row, m.source.column or "", m.text)
                 for m in sort_messages(messages))
    return OutTable(
        "Fejl", "Fejl og advarsler", f"Kilde: {source} · kontrolleret {fmt(computed)}",
        (OutColumn("Type", TEXT, 10), OutColumn("Ark", TEXT, 14), OutColumn("Række", INT, 8),
         OutColumn("Kolonne", TEXT, 20), OutColumn("Besked", TEXT, 100)),
        rows, "Ingen fejl eller advarsler.")
