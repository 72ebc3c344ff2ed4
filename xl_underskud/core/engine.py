"""From what a shell read to a settlement: parse, check, compute — every problem at once.

Both the CLI and the Excel scripts call `evaluate`; neither holds a rule of its own.

Order, so that the user sees every real problem once and no follow-up noise:
1. the shell's findings (missing sheets/tables/headers, unreadable file, CPR-like values,
   formulas without results) and the field-level problems are always reported;
2. the cross-row checks (references, duplicates, overlaps, windows) run when every input table
   could be read;
3. the amounts and the distribution (missing rates, missing population on the key date) run
   only on error-free inputs, since a rejected row would make them report phantom problems.
"""
from __future__ import annotations

from dataclasses import replace

from xl_underskud.core.checks import check_inputs
from xl_underskud.core.parse import RawWorkbook, parse_inputs
from xl_underskud.core.records import Inputs, Message, warning
from xl_underskud.core.declarations import BEFOLKNING, INPUT_SHEETS, INPUT_TABLES
from xl_underskud.core.rules.ledger import check_ledger
from xl_underskud.core.rules.settlement import Settlement, settle
from xl_underskud.core.rules.windows import guarantee_windows

# Messages about the file come first, then the sheets in the workbook's order.
_SHEET_ORDER = {None: -1, **{sheet: i for i, sheet in enumerate(INPUT_SHEETS)}}


def sort_messages(messages: list[Message]) -> list[Message]:
    return sorted(messages, key=lambda m: (_SHEET_ORDER.get(m.source.sheet, 9),
                                           m.source.row or 0))


def evaluate(raw: RawWorkbook, year: int | None = None, more_years: frozenset[int] = frozenset(),
             parsed: tuple[Inputs, list[Message]] | None = None
             ) -> tuple[Settlement | None, Inputs | None, list[Message]]:
    """Settlement (or None when errors block it), the typed inputs and all messages; with a
    year, `more_years` are computed too (a settlement run recomputes the ledger's years).
    `parsed` is `parse_inputs(raw)` when the caller already needed it (to pick the years)."""
    messages = list(raw.messages)
    inputs, parse_messages = parsed if parsed is not None else parse_inputs(raw)
    messages += parse_messages
    filled = [t.sheet for t in INPUT_TABLES if t is not BEFOLKNING and
              t.name in raw.tables and raw.tables[t.name].rows]
    if not filled and all(t.name in raw.tables for t in INPUT_TABLES):
        messages.append(warning(None, None, None,
                                f"Projektmappen er ikke udfyldt: arkene "
                                f"{', '.join(t.sheet for t in INPUT_TABLES if t is not BEFOLKNING)} "
                                f"er tomme, så der er intet at kontrollere eller afregne."))
    if any(table.name not in raw.tables for table in INPUT_TABLES):
        # A missing sheet, table or header (or an unreadable file): cross-table rules would
        # only add noise about rows that are really there.
        return None, inputs, sort_messages(messages)
    if any(m.is_error for m in messages):
        messages += check_inputs(inputs) + check_ledger(inputs)
        messages += guarantee_windows(inputs)[1]
        return None, inputs, sort_messages(messages)
    settlement, rule_messages = settle(inputs, year, more_years)
    messages += rule_messages
    if any(m.is_error for m in messages):
        return None, inputs, sort_messages(messages)
    # every warning travels with the settlement: the reader's and the fields', not only the rules'
    settlement = replace(settlement, warnings=tuple(sort_messages(messages)))
    return settlement, inputs, sort_messages(messages)
