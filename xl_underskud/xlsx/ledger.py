"""Shell: the ledger copy `afregning` writes — the master with tblAfregnet holding every row
settled so far (SPEC rule 14). The master itself is never modified.

The in-place writer (`xlsx/inplace.replace_tables`) rewrites only tblAfregnet's sheet part
and table part; everything else of the master is kept byte for byte. Only a master without the
table (made before the sheet Afregnet existed) is rebuilt from the typed inputs with the
standard workbook's builder: inputs, settings and ledger are carried over, the user's own
sheets and formatting are not (`opgrader` first keeps nothing more either).
"""
from __future__ import annotations

import re
from pathlib import Path

from xl_underskud.core.declarations import AFREGNET, DAEKNING, LEDGER_SEAL_PROPERTY
from xl_underskud.core.parse import RawWorkbook
from xl_underskud.core.records import Inputs
from xl_underskud.core.rules.ledger import LedgerEntry, seal


_COPY_SUFFIX = re.compile(r"(?:_afregnet_\d{4}(?:K[1-4]|M\d\d)?(?:-\d{4})?)+$")


def ledger_copy_name(master: Path, label: str) -> str:
    """`Master.xlsx` settled for 2024K1 → `Master_afregnet_2024K1.xlsx`; the copy of a copy
    does not grow the name (`Master_afregnet_2024K1.xlsx` settled for 2024K2 →
    `Master_afregnet_2024K2.xlsx`): settled month by month, the name would otherwise pass the
    255 characters a file name can have after a year."""
    stem = _COPY_SUFFIX.sub("", master.stem) or master.stem
    return f"{stem}_afregnet_{label}{master.suffix.lower() or '.xlsx'}"


def write_ledger_copy(master: Path, target: Path, raw: RawWorkbook, inputs: Inputs,
                      ledger: tuple[LedgerEntry, ...]) -> None:
    """`target`: the master with tblAfregnet holding `ledger` (the previous rows and the new)
    and sealed (the document property LEDGER_SEAL_PROPERTY: rules/ledger.seal)."""
    rows = [e.cells() for e in ledger]
    sealed = {LEDGER_SEAL_PROPERTY: seal(ledger)}
    if AFREGNET.name in raw.tables:
        from xl_underskud.xlsx.inplace import replace_tables

        # by header: the values land in the right columns wherever the user moved them
        replace_tables(master, target, {AFREGNET.name: rows},
                       headers={AFREGNET.name: AFREGNET.headers}, properties=sealed)
        return
    rebuild_workbook(target, inputs, [list(r) for r in rows], properties=sealed)


def rebuild_workbook(target: Path, inputs: Inputs, ledger_rows: list[list],
                     properties: dict | None = None) -> None:
    """The standard workbook rebuilt from the typed inputs, with the ledger (and `properties`,
    custom document properties: the ledger's seal)."""
    from xl_underskud.core.declarations import (AFTALER, BEFOLKNING, OMKOSTNINGER, OPHOLD,
                                                PLADSER, PLINDEKS, SETTINGS, TAKSTER)
    from xl_underskud.xlsx.template import build_workbook

    def rows(table, records):
        return [[getattr(r, c.field) for c in table.columns] for r in records]

    data = {
        AFTALER.name: rows(AFTALER, inputs.agreements),
        PLADSER.name: rows(PLADSER, inputs.places),
        TAKSTER.name: rows(TAKSTER, inputs.rates),
        OPHOLD.name: rows(OPHOLD, inputs.stays),
        BEFOLKNING.name: rows(BEFOLKNING, inputs.population),
        DAEKNING.name: [[year, share] for year, share in
                        enumerate(inputs.settings.coverage_schedule, start=1)],
        OMKOSTNINGER.name: rows(OMKOSTNINGER, inputs.costs),
        PLINDEKS.name: rows(PLINDEKS, inputs.pl_index),
        AFREGNET.name: ledger_rows,
    }
    settings = {s.name: getattr(inputs.settings, s.field) for s in SETTINGS}
    build_workbook(target, data, settings, properties=properties)
