"""SPEC rule 12: an Excel error value in an input cell or a named setting is an error that names
the cell, never a blank and never a silent default.
"""
from __future__ import annotations

from datetime import datetime

from xl_underskud.core.parse import (ERROR_CODES, ExcelError, RawRow, RawSetting, RawTable,
                                     RawWorkbook, excel_error, parse_settings, typed_rows)
from xl_underskud.core.declarations import OPHOLD, SETTING

CLASSIC = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
NEWER = ("#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!",
         "#BUSY!")
FIX = "Ret formlen eller skriv værdien direkte."
NO_RESULT = "indeholder en formel uden gemt resultat. Åbn og gem filen i Excel, eller skriv " \
            "værdien direkte."


def test_the_declared_codes_are_excels():
    assert set(ERROR_CODES) == set(CLASSIC) | set(NEWER)


# --------------------------------------------------------------------------- the core

def test_error_text_is_recognised_whatever_the_case_and_spacing():
    assert excel_error(" #n/a ") == ExcelError("#N/A")
    assert excel_error("#Div/0!") == ExcelError("#DIV/0!")
    assert excel_error("#N/A er ikke kendt") is None
    assert excel_error("O-#1") is None
    assert excel_error(None) is None


def test_parser_drops_a_row_with_an_error_in_a_required_column_only():
    raw = RawTable(OPHOLD, (
        RawRow(5, {"stay_id": "O-1", "agreement_id": "A1", "place_no": 1,
                   "from_date": ExcelError("#N/A", "Ophold!E5")}),
        RawRow(6, {"stay_id": "O-2", "agreement_id": "A1", "place_no": 2,
                   "from_date": datetime(2023, 1, 1), "paid_until": "#DIV/0!"}),
    ))
    messages = []
    rows = typed_rows(raw, messages)
    assert [r for r, _ in rows] == [6]  # O-1 is left out, O-2 kept (its Betalt til is blank)
    assert rows[0][1]["paid_until"] is None
    assert [(m.source.row, m.source.column, m.text) for m in messages] == [
        (5, "Fra dato", f"Cellen Ophold!E5 indeholder fejlværdien #N/A. {FIX}"),
        (6, "Betalt til", f"Cellen i kolonnen Betalt til indeholder fejlværdien #DIV/0!. {FIX}"),
    ]


def test_a_setting_in_error_does_not_fall_back_to_its_default():
    raw = RawWorkbook(settings={"Garantiaar": RawSetting(SETTING["Garantiaar"],
                                                         ExcelError(None), 5, "E")})
    messages = []
    parse_settings(raw, messages)
    assert [(m.source.sheet, m.source.row, m.source.column, m.text) for m in messages] == [
        ("Indstillinger", 5, "Garantiperiode (år)",
         f"Cellen Indstillinger!E5 (Garantiaar) {NO_RESULT}")]
