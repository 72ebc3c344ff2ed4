"""The settlement: from typed inputs to who pays whom (SPEC rules 1–8 put together).

`settle` runs the checks, the windows, the vacant days, the amounts and the distribution, and
returns either a `Settlement` or the list of errors that block it (warnings travel along in
both cases). Nothing here reads or writes a file.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from itertools import groupby, starmap
from operator import itemgetter

import numpy as np

from xl_underskud.core import municipalities as muni
from xl_underskud.core.rules.amounts import (AgreementPeriod, VacantRun, agreement_periods,
                                             valued_runs)
from xl_underskud.core.checks import check_inputs
from xl_underskud.core.dates import fmt, key_date
from xl_underskud.core.rules.distribution import split_many
from xl_underskud.core.rules.ledger import (Adjustment, adjustments, check_ledger,
                                            computed_parts, covered_periods, entries,
                                            settled_sums)
from xl_underskud.core.records import Inputs, Message, Settings, cell_error
from xl_underskud.core.declarations import BEFOLKNING
from xl_underskud.core.rules.vacancy import vacancy_by_period, vacant_runs
from xl_underskud.core.rules.windows import Window, guarantee_windows


@dataclass(frozen=True)
class Part:
    """One paying municipality's part of one agreement-period amount."""

    agreement_id: str
    period: str
    municipality_code: int
    municipality: str
    population: int
    key_date: date
    amount_oere: int


@dataclass(frozen=True)
class Position:
    """Net position of a municipality (or a region as operator) in one period (SPEC rule 8)."""

    code: int
    name: str
    period: str
    pays_oere: int
    receives_oere: int

    @property
    def net_oere(self) -> int:
        return self.receives_oere - self.pays_oere


@dataclass(frozen=True, eq=False)
class Split:
    """The distribution of the agreement-periods that share one key date, as one array.

    Row i is agreement-period `rows[i]`, column j municipality `codes[j]`; values in øre.
    A nationwide settlement has hundreds of thousands of parts: they stay in this array until
    someone asks for `Settlement.parts`.
    """

    key_date: date
    rows: tuple[tuple[str, str], ...]  # (agreement id, period)
    codes: tuple[int, ...]
    names: tuple[str, ...]
    populations: tuple[int, ...]
    oere: np.ndarray


@dataclass(frozen=True)
class Settlement:
    settings: Settings
    years: tuple[int, ...]
    agreement_periods: tuple[AgreementPeriod, ...]
    splits: tuple[Split, ...]
    positions: tuple[Position, ...]
    warnings: tuple[Message, ...] = field(default=())
    # SPEC rule 14: per part of a settled period (tblAfregnet) the computation covers, the
    # recomputed amount against the sum settled, where they differ (`ledger.adjustments`).
    adjustments: tuple[Adjustment, ...] = field(default=())
    # What the audit trail is computed from, when someone asks for it (`runs`).
    basis: "_Basis | None" = field(default=None, compare=False, repr=False)

    @property
    def stamp(self) -> datetime:
        """The timestamp every output of this settlement carries in its metadata: the first
        day after the last settled year — derived from the settlement, never the clock, so
        the same input gives byte-identical files."""
        return datetime((max(self.years) + 1) if self.years else 2000, 1, 1)

    @cached_property
    def runs(self) -> tuple[VacantRun, ...]:
        """Every vacant day behind the amounts, as runs (SPEC rule 13), sorted by agreement,
        place and first day."""
        return self.basis.runs() if self.basis is not None else ()

    @property
    def deductions(self) -> tuple[AgreementPeriod, ...]:
        """The agreement-periods whose vacant days the normal-vacancy deduction reduced
        (rule 5): none unless the setting is on."""
        if not self.settings.deduct_normal_vacancy:
            return ()
        return tuple(ap for ap in self.agreement_periods if ap.vacant_days)

    @cached_property
    def parts(self) -> tuple[Part, ...]:
        """Every municipality's part of every agreement-period amount ≠ 0, sorted."""
        return tuple(starmap(Part, self.part_rows()))

    def part_rows(self) -> Iterator[tuple]:
        """The fields of `parts` as plain tuples, in the same order, one agreement-period at a
        time: a nationwide monthly settlement has millions of parts, never all held here."""
        rows = sorted((agreement_period, n, i) for n, sp in enumerate(self.splits)
                      for i, agreement_period in enumerate(sp.rows))
        for (agreement_id, period), group in groupby(rows, key=itemgetter(0)):
            out = []
            for _, n, i in group:
                sp = self.splits[n]
                out.extend((agreement_id, period, code, name, pop, sp.key_date, int(value))
                           for code, name, pop, value in zip(sp.codes, sp.names,
                                                             sp.populations, sp.oere[i].tolist()))
            out.sort(key=itemgetter(2))  # stable: as one sort of all parts would order them
            yield from out

    @property
    def total_oere(self) -> int:
        return sum(ap.amount_oere for ap in self.agreement_periods)


@dataclass(frozen=True, eq=False)
class _Basis:
    """The windows and inputs an amount was computed from, kept to trace it on request."""

    windows: tuple[Window, ...]
    inputs: Inputs
    years: frozenset[int] | None

    def runs(self) -> tuple[VacantRun, ...]:
        settings = self.inputs.settings
        runs = vacant_runs(list(self.windows), self.inputs.stays, settings.period, self.years)
        return valued_runs(runs, self.inputs.rates, settings)


def _amounts(inputs: Inputs, year: int | None, more_years: frozenset[int] = frozenset()
             ) -> tuple[list[AgreementPeriod], list[Message], _Basis | None]:
    settings = inputs.settings
    messages = check_inputs(inputs) + check_ledger(inputs)
    windows, window_messages = guarantee_windows(inputs)
    messages += window_messages
    if any(m.is_error for m in messages):
        return [], messages, None
    year = year if year is not None else settings.settlement_year
    years = frozenset({year}) | more_years if year is not None else None
    vacancy = vacancy_by_period(windows, inputs.stays, settings.period, years)
    periods, amount_messages = agreement_periods(vacancy, inputs.rates, settings)
    return periods, messages + amount_messages, _Basis(tuple(windows), inputs, years)


def agreement_amounts(inputs: Inputs, year: int | None = None
                      ) -> tuple[list[AgreementPeriod], list[Message]]:
    """Rules 2–6: per agreement and period the window, paid and vacant days and the amount.

    `year` (or the setting Afregningsaar) limits the periods to one calendar year; None means
    every year with guaranteed days. Returns no periods when an input error blocks them.
    """
    periods, messages, _ = _amounts(inputs, year)
    return periods, messages


def traced_amounts(inputs: Inputs, year: int | None = None
                   ) -> tuple[list[AgreementPeriod], tuple[VacantRun, ...], list[Message]]:
    """`agreement_amounts` with the vacant runs behind them (none when an error blocks)."""
    periods, messages, basis = _amounts(inputs, year)
    if basis is None or any(m.is_error for m in messages):
        return periods, (), messages
    return periods, basis.runs(), messages


def settle(inputs: Inputs, year: int | None = None, more_years: frozenset[int] = frozenset()
           ) -> tuple[Settlement | None, list[Message]]:
    """Settle `year` (or the setting Afregningsaar, or every year with guaranteed days), and
    with a year also `more_years` (the years a settlement run recomputes for the ledger)."""
    periods, messages, basis = _amounts(inputs, year, more_years)
    if any(m.is_error for m in messages):
        return None, messages

    community = _paying_community(inputs)
    splits, key_messages = _distribute(periods, inputs, community)
    messages += key_messages
    if any(m.is_error for m in messages):
        return None, messages

    year = year if year is not None else inputs.settings.settlement_year
    all_years = tuple(sorted({ap.year for ap in periods}
                             | ({year} | more_years if year else set())))
    positions = _positions(periods, splits, inputs, community)
    settlement = Settlement(inputs.settings, all_years, tuple(periods), tuple(splits),
                            tuple(positions), tuple(messages), basis=basis)
    if inputs.ledger:
        ledger = entries(inputs.ledger)
        covered = covered_periods(ledger, basis.years)
        settlement = replace(settlement, adjustments=adjustments(
            computed_parts(settlement, covered), settled_sums(ledger), covered))
    return settlement, messages


def _paying_community(inputs: Inputs) -> dict[int, str]:
    """SPEC rule 1: the municipalities listed with a population figure pay; a region never."""
    return {p.municipality_code: p.municipality for p in inputs.population
            if p.municipality_code not in muni.REGIONS}


def _distribute(periods, inputs: Inputs, community: dict[int, str]):
    by_date: dict[date, dict[int, int]] = defaultdict(dict)
    for p in inputs.population:
        by_date[p.key_date][p.municipality_code] = p.population
    rule = inputs.settings.key_date_rule
    messages, reported = [], set()
    blocks: dict[date, list] = defaultdict(list)
    if not community and any(ap.amount_oere for ap in periods):
        return [], [cell_error(BEFOLKNING, None, "population",
                               f"{BEFOLKNING.sheet} har ingen folketal, så der er ingen betalende "
                               f"kommuner at fordele garantibeløbet på.")]
    for ap in periods:
        if ap.amount_oere == 0:
            continue
        kd = key_date(ap.year, rule)
        figures = by_date.get(kd, {})
        missing = [code for code in sorted(community) if code not in figures]
        if missing:
            if kd not in reported:
                reported.add(kd)
                if not figures:
                    messages.append(cell_error(
                        BEFOLKNING, None, "key_date",
                        f"Der er ingen folketal pr. {fmt(kd)}, som er nøgledato for "
                        f"afregningsåret {ap.year}. Tilføj folketallene for de betalende kommuner."))
                else:
                    for code in missing:
                        messages.append(cell_error(
                            BEFOLKNING, None, "population",
                            f"{community[code]} ({code}) mangler folketal pr. {fmt(kd)}, som er "
                            f"nøgledato for afregningsåret {ap.year}."))
            continue
        blocks[kd].append(ap)
    codes = tuple(sorted(community))
    names = tuple(community[c] for c in codes)
    splits = []
    for kd, aps in sorted(blocks.items()):
        populations = tuple(by_date[kd][c] for c in codes)
        splits.append(Split(kd, tuple((ap.agreement_id, ap.period) for ap in aps), codes, names,
                            populations, split_many([ap.amount_oere for ap in aps], populations)))
    return splits, messages


def _positions(periods, splits, inputs: Inputs, community: dict[int, str]) -> list[Position]:
    operator_of = {a.agreement_id: a.operator_code for a in inputs.agreements}
    names = muni.names_by_code()
    pays: dict[tuple[int, str], int] = defaultdict(int)
    receives: dict[tuple[int, str], int] = defaultdict(int)
    for sp in splits:
        labels = np.array([period for _, period in sp.rows], dtype=object)
        for label in set(labels.tolist()):
            sums = sp.oere[labels == label].sum(axis=0).tolist()
            for code, total in zip(sp.codes, sums):
                pays[(code, label)] += int(total)
    for ap in periods:
        receives[(operator_of[ap.agreement_id], ap.period)] += ap.amount_oere
    entities = dict(community)
    for a in inputs.agreements:
        entities.setdefault(a.operator_code, names[a.operator_code])
    period_labels = sorted({ap.period for ap in periods})
    return [Position(code, entities[code], label, pays[(code, label)], receives[(code, label)])
            for code in sorted(entities) for label in period_labels]
