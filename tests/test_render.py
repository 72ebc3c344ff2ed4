"""What a finance officer sees: the workbooks open and print cleanly in a real spreadsheet.

The four workbooks are rendered by one start of LibreOffice (module fixture); each test reads
its own PDF."""
import pytest

from conftest import REPO, copy_of_example, run_cli
from render import ERROR_VALUES, pdf_text, to_pdfs


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Name → the text of the workbook's PDF."""
    folder = tmp_path_factory.mktemp("render")
    report = folder / "rapport.xlsx"
    res = run_cli("beregn", copy_of_example(folder / "eksempel.xlsx"), "--aar", "2023",
                  "--ud", report)
    assert res.returncode == 0, res.stderr
    pdfs = to_pdfs({"standard": REPO / "workbook" / "Underskudsgaranti.xlsx",
                    "klassisk": REPO / "workbook" / "Underskudsgaranti.xlsm",
                    "eksempel": REPO / "workbook" / "Underskudsgaranti_eksempel.xlsx",
                    "rapport": report}, folder / "pdf")
    return {name: pdf_text(pdf) for name, pdf in pdfs.items()}


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
