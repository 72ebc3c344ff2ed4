"""From what a shell read to a settlement: parse, check, compute — every problem at once.

Both the CLI and the Excel scripts call `evaluate`; neither holds a rule of its own.
"""
from __future__ import annotations

from .parse import RawWorkbook, parse_inputs
from .records import Inputs, Message
from .schema import SETTINGS_SHEET
from .settlement import Settlement, settle

_SHEET_ORDER = {None: -1, "Aftaler": 0, "Pladser": 1, "Takster": 2, "Ophold": 3, "Befolkning": 4,
                SETTINGS_SHEET: 5}


def sort_messages(messages: list[Message]) -> list[Message]:
    return sorted(messages, key=lambda m: (_SHEET_ORDER.get(m.source.sheet, 9),
                                           m.source.row or 0))


def evaluate(raw: RawWorkbook, year: int | None = None
             ) -> tuple[Settlement | None, Inputs | None, list[Message]]:
    """Settlement (or None when errors block it), the typed inputs and all messages."""
    messages = list(raw.messages)
    structural = any(m.is_error for m in raw.messages)
    inputs, parse_messages = parse_inputs(raw)
    messages += parse_messages
    if structural:
        # A missing sheet, table or header: the cross-table rules would only add noise.
        return None, inputs, sort_messages(messages)
    settlement, rule_messages = settle(inputs, year)
    messages += rule_messages
    if any(m.is_error for m in messages):
        settlement = None
    return settlement, inputs, sort_messages(messages)
