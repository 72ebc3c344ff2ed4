"""Button scripts: one implementation for xlwings Server (`@xw.script`, book argument) and
classic RunPython (`main()`, `xw.Book.caller()`).

Each script reads the open workbook, runs the core, writes the output sheets and tells the
user in Danish what happened. Invalid input fills only the Fejl sheet and leaves earlier
results alone.
"""
from __future__ import annotations

from datetime import date

import xlwings as xw

from xl_underskud.dst import folk1a as dst
from xl_underskud import __version__
from xl_underskud.outputs.display import kr
from xl_underskud.core.engine import evaluate
from xl_underskud.core.parse import parse_inputs
from xl_underskud.core.declarations import BEFOLKNING
from xl_underskud.outputs.statements import build_statements, statements_table
from xl_underskud.outputs.tables import messages_table, settlement_tables
from xl_underskud.core.declarations import SHEET_BUTTONS
from xl_underskud.excel.book import (clear_outputs, drop_continuations, read_book,
                                     write_population, write_table)

TITLE = "Underskudsgaranti"


def _button(script: str) -> str:
    """xlwings Server's binding '[Shape]Sheet!Cell' for the sheet button declared in schema.py."""
    b = next(b for b in SHEET_BUTTONS if b.script == script)
    return f"[{b.shape}]{b.sheet}!{b.cell}"


def _alert(book, text: str) -> None:
    try:
        book.app.alert(text, title=TITLE)
    except Exception:  # no UI (tests, a headless run): the sheets still say what happened
        pass


def _status(book, text: str | None) -> None:
    """Excel's status bar where the channel has one (classic); the add-in shows its own spinner."""
    try:
        book.app.status_bar = text if text else False
    except Exception:
        pass


def run_beregn(book) -> str:
    """Compute the settlement of the open workbook and write the output sheets."""
    _status(book, "Underskudsgaranti: læser projektmappen og beregner …")
    try:
        return _beregn(book)
    finally:
        _status(book, None)


def _beregn(book) -> str:
    raw = read_book(book)
    settlement, inputs, messages = evaluate(raw)
    if settlement is None:
        write_table(book, messages_table(messages, raw.origin))
        n = sum(1 for m in messages if m.is_error)
        text = (f"Beregningen blev ikke lavet: {n} fejl. Se arket Fejl. Tidligere resultater er "
                f"ikke ændret.")
    else:
        tables = settlement_tables(settlement, inputs, raw.origin)
        for table in tables:
            write_table(book, table)
        drop_continuations(book, [table.sheet for table in tables])
        years = ", ".join(str(y) for y in settlement.years) or "ingen år"
        text = (f"Beregningen er færdig ({years}): i alt {kr(settlement.total_oere)} Se arkene "
                f"Resultat, Tomgang, Fordeling og Kommuneoversigt.")
    _alert(book, text)
    return text


def run_valider(book) -> str:
    """Check the open workbook and list every problem on the Fejl sheet."""
    raw = read_book(book)
    _, _, messages = evaluate(raw)
    write_table(book, messages_table(messages, raw.origin))
    n = sum(1 for m in messages if m.is_error)
    text = (f"{n} fejl fundet. Se arket Fejl." if n else
            "Ingen fejl fundet." + (" Se advarslerne på arket Fejl." if messages else ""))
    _alert(book, text)
    return text


def run_ryd_resultater(book) -> str:
    deleted = clear_outputs(book)
    text = ("Resultaterne er fjernet: " + ", ".join(deleted) + "." if deleted
            else "Der var ingen resultater at fjerne.")
    _alert(book, text)
    return text


def run_opgoerelser(book) -> str:
    """Sheet Opgørelser: each party's position and each municipality's part per agreement.

    The add-in cannot write files on the user's PC, so the statements are built as a sheet of
    the open workbook; the PDF and .xlsx statements come from `xl-underskud afregning`.
    """
    raw = read_book(book)
    settlement, inputs, messages = evaluate(raw)
    if settlement is None:
        write_table(book, messages_table(messages, raw.origin))
        text = "Opgørelserne blev ikke lavet: se arket Fejl."
    else:
        bundle = build_statements(settlement, inputs, raw.origin, __version__)
        write_table(book, statements_table(bundle))
        text = (f"Arket Opgørelser viser {len(bundle.statements)} parter; i alt "
                f"{kr(bundle.total_oere)}")
    _alert(book, text)
    return text


def run_opdater_befolkning(book, year: int | None = None) -> str:
    """Fetch FOLK1A for 1 January of the settlement year (or this year) into tblBefolkning.

    The figures are checked before anything is written; on any problem the table is left as
    it was and the Fejl sheet says why.
    """
    raw = read_book(book)
    inputs, _ = parse_inputs(raw)
    year = year or inputs.settings.settlement_year or date.today().year
    _status(book, f"Underskudsgaranti: henter folketal for {year} fra Danmarks Statistik …")
    try:
        return _update_population(book, raw, inputs, year)
    finally:
        _status(book, None)


def _update_population(book, raw, inputs, year: int) -> str:
    codes = dst.paying_codes(inputs.population) or None
    figures, messages = dst.fetch_population(year, codes, inputs.population)
    if not figures:
        write_table(book, messages_table(messages, raw.origin))
        text = "Folketallene blev ikke opdateret. Se arket Fejl."
        _alert(book, text)
        return text
    merge = dst.merge_population(raw.tables.get(BEFOLKNING.name), figures)
    write_population(book, merge.rows)
    text = (f"Folketal pr. 1. januar {year} er hentet fra Danmarks Statistik: {len(figures)} "
            f"kommuner, {merge.changed} ændrede tal.")
    _alert(book, text)
    return text


# --- xlwings Server (add-in): the book is passed in --------------------------------------

@xw.script(button=_button("beregn"), show_taskpane=False)
def beregn(book: xw.Book):
    """Beregn afregningen (knappen Beregn)."""
    run_beregn(book)


@xw.script(button=_button("valider"), show_taskpane=False)
def valider(book: xw.Book):
    """Kontrollér projektmappen (knappen Kontrollér)."""
    run_valider(book)


@xw.script(button=_button("ryd_resultater"), show_taskpane=False)
def ryd_resultater(book: xw.Book):
    """Fjern resultatarkene (knappen Ryd resultater)."""
    run_ryd_resultater(book)


@xw.script(button=_button("opgoerelser"), show_taskpane=False)
def opgoerelser(book: xw.Book):
    """Skriv arket Opgørelser (knappen Opgørelser)."""
    run_opgoerelser(book)


@xw.script(button=_button("opdater_befolkning"), show_taskpane=False)
def opdater_befolkning(book: xw.Book):
    """Hent folketal fra Danmarks Statistik (knappen Opdater folketal)."""
    run_opdater_befolkning(book)


# --- classic RunPython: the workbook's macro calls main() -----------------------------------

_RUNNERS = {"beregn": run_beregn, "valider": run_valider, "ryd_resultater": run_ryd_resultater,
            "opgoerelser": run_opgoerelser, "opdater_befolkning": run_opdater_befolkning}
# The action chosen in the cell `Handling` is a button's label (declared in SHEET_BUTTONS).
ACTIONS = {b.label: _RUNNERS[b.script] for b in SHEET_BUTTONS}
ACTION_NAME = "Handling"  # named cell in the .xlsm holding the chosen action


def main():
    """Entry point for the classic workbook's button: runs the action chosen in `Handling`."""
    book = xw.Book.caller()
    choice = "Beregn"
    try:
        choice = str(book.names[ACTION_NAME].refers_to_range.value or "Beregn").strip()
    except Exception:  # a workbook without the cell: compute
        pass
    return ACTIONS.get(choice, run_beregn)(book)


__all__ = ["beregn", "valider", "ryd_resultater", "opgoerelser", "opdater_befolkning"]
