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
                     "Kommuneoversigt", "Region Hovedstaden", "Ingen fejl eller advarsler"):
        assert expected in text, expected
