"""SPEC rule 14, settled is settled: the ledger tblAfregnet and the efterregulering.

The ledger (sheet Afregnet) is append-only. Each row records one part settled — agreement,
period, paying municipality, amount in kr., settlement date — and a `Kontrol` checksum over
those values, so a row edited by hand is detected and named. What has been settled for a
part is the sum of its rows; a correction is a new row holding the difference.

Efterregulering: for every settled period the computation covers, each part's recomputed
amount (0 when it is no longer computed) minus the sum settled (0 when the ledger has no row
for it). Only differences ≠ 0 are shown. Settling the same data twice gives none.

A settlement run (`afregning --periode P`) settles the period(s) asked for that are not in the
ledger yet as new, and every settled period — and every earlier period of the years computed
that was skipped — as efterregulering; the rows it appends are the new parts and the non-zero
differences. Summed over the ledger, every part then equals what a single settlement of the
final data gives, whatever order the data arrived in.

The seal: the Kontrol proves a row was not edited, not that it is still there. Every ledger
the program writes therefore carries a seal as a document property (`seal`): the number of
rows, the last settlement date and the sum of the SHA-256 of every row's canonical values.
A sum does not depend on the rows' order (sorting or filtering the table keeps it), and it can
name a row added by hand (the sum less that row's hash is the seal's); a deleted or cleared row
can only be counted (`check_seal`).

Pure: values in, values out; nothing here reads or writes a file.
"""
from __future__ import annotations

import calendar
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache

from xl_underskud.core import municipalities as muni
from xl_underskud.core.dates import fmt
from xl_underskud.core.declarations import AFREGNET, LEDGER_SEAL_PROPERTY, Period
from xl_underskud.core.records import (Inputs, LedgerRow, Message, cell_error, cell_warning,
                                       error, warning)

_LABEL = re.compile(r"^(\d{4})(?:K([1-4])|M(0[1-9]|1[0-2]))?$")
CHECK_LENGTH = 12  # hex digits of the Kontrol checksum

Key = tuple[str, str, int]  # (agreement id, period label, municipality code)


@lru_cache(maxsize=4096)  # a ledger has hundreds of thousands of rows but few labels
def parse_period(label: str) -> tuple[Period, int, int] | None:
    """'2024' → (YEAR, 2024, 1), '2024K2' → (QUARTER, 2024, 2), '2024M03' → (MONTH, 2024, 3);
    anything else (as `dates.period_label` never writes it) → None."""
    m = _LABEL.match(label)
    if not m:
        return None
    year = int(m.group(1))
    if m.group(2):
        return Period.QUARTER, year, int(m.group(2))
    if m.group(3):
        return Period.MONTH, year, int(m.group(3))
    return Period.YEAR, year, 1


@lru_cache(maxsize=4096)
def period_end(label: str) -> date:
    """The last day of a valid period label: 2024 → 31-12-2024, 2024K1 → 31-03-2024."""
    kind, year, n = parse_period(label)
    month = {Period.YEAR: 12, Period.QUARTER: 3 * n, Period.MONTH: n}[kind]
    return date(year, month, calendar.monthrange(year, month)[1])


def later_than(ledger, day: date):
    """The first ledger row settled after `day` (a settlement dated before an earlier one), or
    None."""
    return next((r for r in ledger if r.settled_on > day), None)


def period_year(label: str) -> int:
    return int(label[:4])


def period_order(label: str) -> tuple[int, int]:
    """Sort key of a valid label of any one kind: (year, number in the year)."""
    _, year, n = parse_period(label)
    return year, n


def period_example(period: Period) -> str:
    return {Period.YEAR: "2024", Period.QUARTER: "2024K1", Period.MONTH: "2024M03"}[period]


def canonical_line(agreement_id: str, period: str, code: int, oere: int, day: date) -> str:
    """A ledger row's values as one line: 'aftale|periode|kode|øre|åååå-mm-dd'."""
    return f"{agreement_id}|{period}|{code}|{oere}|{day.isoformat()}"


def check_value(agreement_id: str, period: str, code: int, oere: int, day: date) -> str:
    """The Kontrol of a ledger row: the first 12 hex digits of the SHA-256 of its canonical
    values 'aftale|periode|kode|øre|åååå-mm-dd', in groups of four ('3f9a-0c21-7be4').

    The groups are not decoration: twelve bare hex digits hold ten decimal digits in a row
    about once in a thousand rows, and such a value can look like a CPR number (DDMMYYSSSS),
    which the reader refuses anywhere in the workbook (SPEC rule 11). Four digits in a row
    never can."""
    text = canonical_line(agreement_id, period, code, oere, day)
    digits = hashlib.sha256(text.encode("utf-8")).hexdigest()[:CHECK_LENGTH]
    return "-".join(digits[i:i + 4] for i in range(0, CHECK_LENGTH, 4))


def kr_to_oere(amount: Decimal) -> int | None:
    """Whole øre of an amount in kr., or None when it has a fraction of an øre."""
    value = Decimal(amount) * 100
    if not value.is_finite():  # int() of an infinity would raise
        return None
    return int(value) if value == value.to_integral_value() else None


@dataclass(frozen=True)
class LedgerEntry:
    """A ledger row as written: amount in øre; `check` its Kontrol."""

    agreement_id: str
    period: str
    municipality_code: int
    amount_oere: int
    settled_on: date

    @property
    def check(self) -> str:
        return check_value(self.agreement_id, self.period, self.municipality_code,
                           self.amount_oere, self.settled_on)

    @property
    def digest(self) -> int:
        """The SHA-256 of the row's canonical line, as a number (a term of the seal's sum)."""
        line = canonical_line(self.agreement_id, self.period, self.municipality_code,
                              self.amount_oere, self.settled_on)
        return int.from_bytes(hashlib.sha256(line.encode("utf-8")).digest(), "big")

    def cells(self) -> tuple:
        """The row's values in the order of tblAfregnet's columns (amount in kr.)."""
        return (self.agreement_id, self.period, self.municipality_code,
                Decimal(self.amount_oere).scaleb(-2), self.settled_on, self.check)


def entries(ledger: Iterable[LedgerRow]) -> list[LedgerEntry]:
    """The ledger's rows as entries (rows whose amount is not whole øre are left out: an error
    reported by `check_ledger`)."""
    out = []
    for r in ledger:
        oere = kr_to_oere(r.amount)
        if oere is not None:
            out.append(LedgerEntry(r.agreement_id, r.period, r.municipality_code, oere,
                                   r.settled_on))
    return out


# --------------------------------------------------------------------------- the seal
_MOD = 1 << 256


@dataclass(frozen=True)
class Seal:
    """What the seal says: `rows` rows, the last settled on `last` (None: no rows), and `total`,
    the sum of their digests modulo 2**256."""

    rows: int
    last: date | None
    total: int

    def text(self) -> str:
        """'<rows>;<åååå-mm-dd or ->;<64 hex digits>' (well below the 255 characters Excel's
        dialog shows of a text property)."""
        day = self.last.isoformat() if self.last else "-"
        return f"{self.rows};{day};{self.total:064x}"


def seal_of(ledger: Iterable[LedgerEntry]) -> Seal:
    rows = tuple(ledger)
    return Seal(len(rows), max((e.settled_on for e in rows), default=None),
                sum(e.digest for e in rows) % _MOD)


def seal(ledger: Iterable[LedgerEntry]) -> str:
    """The seal of a ledger as the text of the document property LEDGER_SEAL_PROPERTY."""
    return seal_of(ledger).text()


def parse_seal(text: str | None) -> Seal | None:
    """The seal a property's text holds, or None when it is not one."""
    parts = (text or "").strip().split(";")
    if len(parts) != 3 or not parts[0].isdigit() or not re.fullmatch(r"[0-9a-f]{64}", parts[2]):
        return None
    try:
        last = None if parts[1] == "-" else date.fromisoformat(parts[1])
    except ValueError:
        return None
    return Seal(int(parts[0]), last, int(parts[2], 16))


def _rows_word(n: int) -> str:
    return f"{n} {'række' if n == 1 else 'rækker'}"


def _added_by_hand(rows: list[LedgerRow], now: list[LedgerEntry], sealed: Seal
                   ) -> list[LedgerRow] | None:
    """The rows whose removal makes the ledger match the seal, when they can be found: rows
    dated after the seal's last settlement, then one or two more found by their digests.
    None when the difference is not explained by added rows alone."""
    late = [sealed.last is None or e.settled_on > sealed.last for e in now]
    added = [(r, e) for (r, e), after in zip(zip(rows, now), late) if after]
    rest = [(r, e) for (r, e), after in zip(zip(rows, now), late) if not after]
    extra = len(rest) - sealed.rows
    total = (sum(e.digest for _, e in rest) - sealed.total) % _MOD  # what the extra rows add
    if extra == 0:
        return [r for r, _ in added] if total == 0 and added else None
    if extra == 1:
        # the last such row: of a row pasted twice, the copy (below the original)
        found = next(((r, e) for r, e in reversed(rest) if e.digest == total), None)
        return [r for r, _ in added] + [found[0]] if found else None
    if extra == 2:
        seen: dict[int, LedgerRow] = {}
        for r, e in rest:
            other = seen.get((total - e.digest) % _MOD)
            if other is not None:
                return [r for r, _ in added] + sorted([other, r], key=lambda x: x.row or 0)
            seen[e.digest] = r
    return None


def check_seal(inputs: Inputs) -> list[Message]:
    """The ledger against its seal (the document property LEDGER_SEAL_PROPERTY).

    - no seal, but rows: a warning (a workbook made before the seal, rows typed by hand, or a
      file saved by a program that drops document properties); the next settlement seals;
    - a seal, but no sheet Afregnet (and the seal counts rows): an error;
    - rows deleted, cleared or added since the seal was written: an error on sheet Afregnet
      that counts them, plus one naming each row added by hand, when it can be found.
    Sorting or filtering the table changes nothing (the seal is a sum)."""
    if not inputs.seal_read:
        return []  # the open workbook in Excel: its document properties are not read
    text = inputs.ledger_seal
    sealed = parse_seal(text)
    rows = [r for r in inputs.ledger if kr_to_oere(r.amount) is not None]
    now = entries(rows)
    if text is None or sealed is None:
        if not inputs.ledger:
            return []
        why = ("ikke afregningens segl" if text is None else
               f'et segl, der ikke kan læses ("{text.strip()[:20]}")')
        return [warning(AFREGNET.sheet, None, None,
                        f"Arket Afregnet har {_rows_word(len(inputs.ledger))}, men projektmappen "
                        f"har {why} (dokumentegenskaben {LEDGER_SEAL_PROPERTY}): den er lavet "
                        f"før seglet fandtes, rækkerne er skrevet i hånden, eller den er gemt af "
                        f"et program, der ikke bevarer dokumentegenskaber. En række, der er "
                        f"slettet, kan derfor ikke opdages. Afregnet-kopien fra næste afregning "
                        f"får seglet.")]
    when = f" d. {fmt(sealed.last)}" if sealed.last else ""
    if not inputs.ledger_table:
        if sealed.rows == 0:
            return []
        return [error(AFREGNET.sheet, None, None,
                      f'Arket "{AFREGNET.sheet}" (tabellen {AFREGNET.name}) mangler, men '
                      f"projektmappen er afregnet: {_rows_word(sealed.rows)}, sidst{when}. Uden "
                      f"arket ville det afregnede blive afregnet igen. Brug afregnet-kopien fra "
                      f"sidste afregning.")]
    if len(now) == sealed.rows and sum(e.digest for e in now) % _MOD == sealed.total:
        return []
    added = _added_by_hand(rows, now, sealed)
    if added is not None:
        return [cell_error(
            AFREGNET, r.row, "agreement_id",
            f"Rækken ({r.agreement_id}, {r.period}, {r.municipality_code}, afregnet "
            f"{fmt(r.settled_on)}) er ikke skrevet af afregningen: arket Afregnet havde "
            f"{_rows_word(sealed.rows)} ved sidste afregning{when}, og rækken er tilføjet "
            f"siden. Slet den; en rettelse kommer som efterregulering ved næste afregning.")
            for r in added]
    missing = sealed.rows - len(now)
    count = (f"{_rows_word(missing)} mangler eller er ændret" if missing > 0 else
             "Rækker mangler eller er ændret")
    # short: one line of a message should stay readable (under 200 characters)
    return [error(AFREGNET.sheet, None, None,
                  f"{count} siden sidste afregning{when} ({sealed.rows} rækker, nu {len(now)}): "
                  f"{'den' if missing == 1 else 'de'} ville blive afregnet igen. Brug "
                  f"afregnet-kopien fra den afregning.")]


def check_ledger(inputs: Inputs) -> list[Message]:
    """Every row of tblAfregnet: a valid period label of the workbook's settlement period,
    an amount in whole øre, and a Kontrol that matches the row's values; and the ledger as a
    whole against its seal (`check_seal`)."""
    messages = check_seal(inputs)
    kind = inputs.settings.period
    agreements = {a.agreement_id for a in inputs.agreements}
    first_row: dict[tuple, int] = {}
    municipalities = muni.names_by_code()
    for r in inputs.ledger:
        # Two rows for one part are a correction; two rows alike in every value (amount and
        # date too) are a row pasted twice: counted twice, the part would be refunded. One run
        # never writes such a pair (`duplicated_entries`).
        same = (r.agreement_id, r.period, r.municipality_code, r.amount, r.settled_on, r.check)
        if same in first_row:
            messages.append(cell_error(
                AFREGNET, r.row, "agreement_id",
                f"Rækken er magen til række {first_row[same]} ({r.agreement_id}, {r.period}, "
                f"{r.municipality_code}, afregnet {fmt(r.settled_on)}): en række, der er kopieret "
                f"to gange, ville blive talt med to gange. Slet den ene."))
        first_row.setdefault(same, r.row)
        if agreements and r.agreement_id not in agreements:
            messages.append(cell_warning(
                AFREGNET, r.row, "agreement_id",
                f'AftaleID "{r.agreement_id}" findes ikke på arket Aftaler: det afregnede beløb '
                f"efterreguleres til 0 kr., når perioden genberegnes."))
        if r.municipality_code not in municipalities:
            messages.append(cell_error(
                AFREGNET, r.row, "municipality_code",
                f"Kommunekode {r.municipality_code} er ikke en dansk kommune: en opgørelse til "
                f"den ville ikke have nogen modtager."))
        parsed = parse_period(r.period)
        if parsed is not None and r.settled_on <= period_end(r.period):
            # a warning, not an error: what was settled too early is efterreguleret when the
            # period is settled again, and the row cannot be corrected by hand (its Kontrol)
            messages.append(cell_warning(
                AFREGNET, r.row, "settled_on",
                f"Perioden {r.period} er afregnet {fmt(r.settled_on)}, før den sluttede "
                f"({fmt(period_end(r.period))}); beløbet efterreguleres, når perioden "
                f"afregnes igen. En periode afregnes først, når den er slut."))
        if parsed is None:
            messages.append(cell_error(
                AFREGNET, r.row, "period",
                f'"{r.period[:12]}" er ikke en periode; skriv fx 2024, 2024K1 eller 2024M03.'))
        elif parsed[0] is not kind:
            messages.append(cell_error(
                AFREGNET, r.row, "period",
                f"Perioden {r.period} passer ikke til afregningsperioden "
                f"{kind.value.lower()} på arket Indstillinger (fx {period_example(kind)}). "
                f"Afregnede perioder kan kun efterreguleres med samme afregningsperiode."))
        oere = kr_to_oere(r.amount)
        if oere is None:
            messages.append(cell_error(AFREGNET, r.row, "amount",
                                       "Beløbet skal være i hele øre (højst to decimaler)."))
            continue
        if r.check != check_value(r.agreement_id, r.period, r.municipality_code, oere,
                                  r.settled_on):
            messages.append(cell_error(
                AFREGNET, r.row, "check",
                f"Kontrolsummen passer ikke til rækkens værdier ({r.agreement_id}, {r.period}, "
                f"{r.municipality_code}, afregnet {fmt(r.settled_on)}): rækken er ændret efter "
                f"afregningen. Ret den tilbage; en rettelse skrives som en ny række ved næste "
                f"afregning."))
    return messages


def duplicated_entries(run: "SettlementRun") -> tuple[LedgerEntry, ...]:
    """Rows a run would append that are alike in every value to a row already in the ledger
    (the same difference for the same part, settled on the same day): the ledger would then
    hold a pair `check_ledger` refuses as a row pasted twice."""
    before = set(run.previous)
    return tuple(e for e in run.appended if e in before)


def settled_sums(ledger: Iterable[LedgerEntry]) -> dict[Key, int]:
    """What was settled per part: the sum of its rows, in øre."""
    out: dict[Key, int] = defaultdict(int)
    for e in ledger:
        out[(e.agreement_id, e.period, e.municipality_code)] += e.amount_oere
    return dict(out)


@dataclass(frozen=True)
class Adjustment:
    """One efterregulering line: a part whose recomputed amount differs from what was settled
    (or, in a settlement run, a part settled for the first time: settled 0)."""

    agreement_id: str
    period: str
    municipality_code: int
    computed_oere: int
    settled_oere: int

    @property
    def difference_oere(self) -> int:
        """Now owed (> 0) or to be refunded (< 0) by the municipality."""
        return self.computed_oere - self.settled_oere


def adjustments(computed: Iterable[tuple[str, str, int, int]], settled: dict[Key, int],
                periods: set[str]) -> tuple[Adjustment, ...]:
    """Per (agreement, period, municipality) in `periods`: the recomputed part (`computed`:
    (agreement, period, code, øre), absent = 0) against the sum settled (absent = 0); only
    differences ≠ 0, sorted by agreement, period and municipality code (as `fordeling`)."""
    now: dict[Key, int] = {}
    for agreement_id, period, code, oere in computed:
        if period in periods:
            now[(agreement_id, period, code)] = oere
    before = {k: v for k, v in settled.items() if k[1] in periods}
    return tuple(Adjustment(*key, now.get(key, 0), before.get(key, 0))
                 for key in sorted(now.keys() | before.keys())
                 if now.get(key, 0) != before.get(key, 0))


def covered_periods(ledger: Iterable[LedgerEntry], years: Iterable[int] | None) -> set[str]:
    """The settled periods a computation of `years` (None: every year) covers."""
    labels = {e.period for e in ledger}
    if years is None:
        return labels
    wanted = set(years)
    return {p for p in labels if period_year(p) in wanted}


# --------------------------------------------------------------------------- a settlement run
@dataclass(frozen=True)
class SettlementRun:
    """What one `afregning` settles: `new` is the settlement restricted to the periods settled
    for the first time; `adjustments` the efterregulering of periods settled before (and of
    earlier periods that were skipped); `appended` the ledger rows the run adds."""

    label: str  # the period(s) asked for: "2024K1", "2024" or "2022-2024"
    day: date
    new: object  # a `Settlement` (not imported here: settlement.py imports this module)
    new_periods: tuple[str, ...]
    adjustments: tuple[Adjustment, ...]
    previous: tuple[LedgerEntry, ...]
    appended: tuple[LedgerEntry, ...]

    @property
    def ledger(self) -> tuple[LedgerEntry, ...]:
        return self.previous + self.appended


def settlement_run(settlement, inputs: Inputs, targets: Iterable[str], label: str,
                   day: date) -> SettlementRun:
    """Settle the periods `targets` of `settlement` (which must cover their years and the
    ledger's) against the ledger of `inputs`, on `day`."""
    previous = tuple(entries(inputs.ledger))
    settled = settled_sums(previous)
    in_ledger = {e.period for e in previous}
    targets = set(targets)
    new_periods = sorted(targets - in_ledger, key=period_order)
    last = max((period_order(p) for p in targets), default=None)
    computed_labels = {ap.period for ap in settlement.agreement_periods}
    years = set(settlement.years)
    skipped = {p for p in computed_labels - in_ledger - targets
               if last is not None and period_order(p) < last and period_year(p) in years}
    adjusted = in_ledger | skipped
    parts = list(computed_parts(settlement, adjusted | set(new_periods)))
    adj = adjustments(parts, settled, adjusted)
    new = restrict(settlement, set(new_periods))
    appended = tuple(LedgerEntry(aid, period, code, oere, day)
                     for aid, period, code, oere in sorted(parts)
                     if period in new_periods and oere != 0)
    appended += tuple(LedgerEntry(a.agreement_id, a.period, a.municipality_code,
                                  a.difference_oere, day) for a in adj)
    return SettlementRun(label, day, new, tuple(new_periods), adj, previous, appended)


@dataclass(frozen=True)
class Gap:
    """A period between the ledger's latest settled period and the period asked for, with no
    ledger rows, that the recomputation gives an amount (`oere`: the sum of its parts)."""

    period: str
    latest: str  # the ledger's latest settled period
    oere: int


def unsettled_gaps(settlement, inputs: Inputs, targets: Iterable[str]) -> tuple[Gap, ...]:
    """The gaps a settlement run of `targets` would settle as efterregulering (settlement_run's
    skipped periods after the ledger's latest period) although they were never settled here.

    Two ways to get there, which the workbook cannot tell apart: the period was settled in a
    newer ledger copy and this master is older (settling it again pays it twice), or its own
    `afregning` had nothing to settle then and late data gives it an amount now (the design:
    it is settled as efterregulering). The shell therefore refuses and the user says which
    (`afregning --efterreguler P`). An empty ledger has no gaps (nothing to be older than)."""
    settled = {e.period for e in entries(inputs.ledger) if parse_period(e.period) is not None
               and parse_period(e.period)[0] is inputs.settings.period}
    targets = set(targets)
    if not settled or not targets:
        return ()
    latest = max(settled, key=period_order)
    last = max(period_order(p) for p in targets)
    years = set(settlement.years)
    between = {ap.period for ap in settlement.agreement_periods
               if ap.period not in settled and ap.period not in targets
               and period_order(latest) < period_order(ap.period) < last
               and period_year(ap.period) in years}
    sums: dict[str, int] = defaultdict(int)
    nonzero: set[str] = set()
    for _, period, _, oere in computed_parts(settlement, between):
        sums[period] += oere
        nonzero |= {period} if oere else set()
    return tuple(Gap(p, latest, sums[p]) for p in sorted(nonzero, key=period_order))


def computed_parts(settlement, periods: set[str]):
    """(agreement, period, code, øre) of every part of the settlement in `periods`."""
    for sp in settlement.splits:
        for (agreement_id, period), values in zip(sp.rows, sp.oere.tolist()):
            if period in periods:
                for code, oere in zip(sp.codes, values):
                    yield agreement_id, period, code, int(oere)


def restrict(settlement, periods: set[str]):
    """The settlement with only the agreement-periods, parts and positions of `periods`."""
    splits = []
    for sp in settlement.splits:
        keep = [i for i, (_, period) in enumerate(sp.rows) if period in periods]
        if keep:
            splits.append(replace(sp, rows=tuple(sp.rows[i] for i in keep), oere=sp.oere[keep]))
    years = tuple(sorted({period_year(p) for p in periods}))
    return replace(settlement, years=years or settlement.years,
                   agreement_periods=tuple(ap for ap in settlement.agreement_periods
                                           if ap.period in periods),
                   splits=tuple(splits),
                   positions=tuple(p for p in settlement.positions if p.period in periods))
