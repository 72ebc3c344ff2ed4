"""What a finance officer sees: the workbooks open and print cleanly in a real spreadsheet.

The workbooks are rendered by one start of LibreOffice (conftest's `rendered`, with the
statements' summary); each test reads its own PDF."""
from render import ERROR_VALUES


def test_standard_workbook_renders_without_error_values(rendered):
    text = rendered["standard"]
    assert not [e for e in ERROR_VALUES if e in text]
    for expected in ("Underskudsgaranti for nye pladser", "Forpligtende købsaftaler",
                     "Ibrugtagningsdato", "Døgntakst", "Betalt til", "Folketal", "Dækningsandel"):
        assert expected in text, expected


def test_classic_workbook_renders_without_error_values(rendered):
    text = rendered["klassisk"]
    assert not [e for e in ERROR_VALUES if e in text]
    assert "Handling:" in text and "UDF Modules" in text


def test_example_renders_with_its_data(rendered):
    text = rendered["eksempel"]
    assert not [e for e in ERROR_VALUES if e in text]
    assert "Bostedet Kildevang" in text and "O-207" in text


def test_report_renders_with_totals(rendered):
    text = rendered["rapport"]
    assert not [e for e in ERROR_VALUES if e in text]
    for expected in ("tomme døgn og garantibeløb", "I alt", "Fordeling på kommuner",
                     "Kommuneoversigt", "Region Hovedstaden", "Ingen fejl eller advarsler",
                     "Tomme døgn bag beløbene", "Alle aftaler"):
        assert expected in text, expected
    # the sheet Tomgang prints A2's run of vacant days and its subtotal (README's example)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert any(line.startswith("A2 2 2023 01-05-2023 30-06-2023 61 2") for line in lines)
    assert any(line.startswith("A2 2023 I alt 61") for line in lines)


def test_dates_are_the_serial_numbers_xlsxwriter_writes():
    """The report writes a date as a number in the date format: the same serial number
    XlsxWriter's write_datetime would store (the 1900 date system, its leap-year quirk too)."""
    from datetime import date, timedelta

    from xlsxwriter.utility import _datetime_to_excel_datetime

    from xl_underskud.xlsx.report import excel_serial

    days = [date(1900, 1, 1), date(1900, 2, 28), date(1900, 3, 1), date(2024, 2, 29),
            date(9999, 12, 31)] + [date(2020, 1, 1) + timedelta(d) for d in range(0, 3000, 7)]
    for day in days:
        assert excel_serial(day) == _datetime_to_excel_datetime(day, False, False), day
