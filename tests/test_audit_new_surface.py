"""Audit of the surface merged with the ledger and the collection (saml, afregning --periode,
tblAfregnet, the payable statements' settings): each test is a defect found by attacking it as
a hostile or unlucky user would, and failed before its fix."""
from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter, range_boundaries

from conftest import run_cli


def _sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _edit(src: Path, dst: Path, change) -> Path:
    """`src` edited with openpyxl (as a user's Excel would save it) into `dst`."""
    wb = openpyxl.load_workbook(src)
    change(wb)
    wb.save(dst)
    return dst


def _append(ws, values) -> int:
    """A row appended to the sheet's table (the table grows over it); its Excel row."""
    table = next(iter(ws.tables.values()))
    c1, r1, c2, r2 = range_boundaries(table.ref)
    for i, v in enumerate(values):
        ws.cell(r2 + 1, c1 + i, v)
    table.ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2 + 1}"
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref
    return r2 + 1


def _reseal(wb) -> None:
    """Seal the ledger as it now stands (as if the program had written every row): for the
    tests of a rule on a ledger row, not of the seal (test_ledger_seal.py)."""
    from openpyxl.packaging.custom import StringProperty

    from xl_underskud.core.declarations import LEDGER_SEAL_PROPERTY
    from xl_underskud.core.rules.ledger import LedgerEntry, kr_to_oere, seal

    ws = wb["Afregnet"]
    rows = [[c.value for c in r] for r in ws[ws.tables["tblAfregnet"].ref]][1:]
    entries = [LedgerEntry(a, p, int(k), kr_to_oere(Decimal(str(b))), d.date())
               for a, p, k, b, d, _ in rows if a is not None]
    if LEDGER_SEAL_PROPERTY in wb.custom_doc_props.names:
        del wb.custom_doc_props[LEDGER_SEAL_PROPERTY]
    wb.custom_doc_props.append(StringProperty(name=LEDGER_SEAL_PROPERTY, value=seal(entries)))


def _setting(wb, name: str, value) -> None:
    for title, coord in wb.defined_names[name].destinations:
        wb[title][coord.replace("$", "")].value = value


def _settled_2023(example_path, tmp_path) -> Path:
    """The example's ledger copy after `afregning --periode 2023 --dato 2024-02-01`."""
    res = run_cli("afregning", example_path, "--periode", "2023", "--dato", "2024-02-01",
                  "--mappe", tmp_path / "UD2023")
    assert res.returncode == 0, res.stderr
    return tmp_path / "UD2023" / f"{example_path.stem}_afregnet_2023.xlsx"


# -- afregning ---------------------------------------------------------------------------------

def test_afregning_with_overskriv_never_replaces_the_input_in_its_folder(example_path, tmp_path):
    # the input lies in the --mappe folder under a statement's name: --overskriv may replace
    # earlier statements, never the input (before: the input was overwritten, exit 0)
    folder = tmp_path / "UD"
    folder.mkdir()
    fil = folder / "Opgoerelse_2023_101_Koebenhavn.xlsx"
    fil.write_bytes(example_path.read_bytes())
    before = _sha(fil)
    res = run_cli("afregning", fil, "--aar", "2023", "--mappe", folder, "--overskriv")
    assert res.returncode == 1
    assert "Der må ikke skrives oven i indfilen (Opgoerelse_2023_101_Koebenhavn.xlsx)" in res.stderr
    assert _sha(fil) == before
    assert sorted(p.name for p in folder.iterdir()) == [fil.name]


def test_afregning_dato_far_in_the_future_is_a_usage_error_not_a_traceback(example_path,
                                                                             tmp_path):
    # before: OverflowError (the due date after 9999-12-31) and a traceback
    res = run_cli("afregning", example_path, "--periode", "2023", "--dato", "9999-12-31",
                  "--mappe", tmp_path / "UD")
    assert res.returncode == 2
    assert "Traceback" not in res.stderr and "uden for årene 2000–2100" in res.stderr
    assert not (tmp_path / "UD").exists()


def test_afregning_dato_before_the_period_has_ended_is_a_usage_error(example_path, tmp_path):
    # before: 2023 settled on 01-06-2023, the ledger recording days still to come
    for args in (["--periode", "2023", "--dato", "2023-06-01"],
                 ["--aar", "2023", "--dato", "2023-12-31"]):
        res = run_cli("afregning", example_path, *args, "--mappe", tmp_path / "UD")
        assert res.returncode == 2, args
        assert "kan først afregnes, når perioden er slut" in res.stderr
        assert not (tmp_path / "UD").exists()
    res = run_cli("afregning", example_path, "--periode", "2023", "--dato", "2024-01-01",
                  "--mappe", tmp_path / "UD")
    assert res.returncode == 0, res.stderr


# -- tblAfregnet -------------------------------------------------------------------------------

def test_a_ledger_row_pasted_twice_is_an_error_not_a_refund(example_path, tmp_path):
    # before: the copy counted twice, and the next settlement refunded the whole part
    # (efterregulering -106.154,52 kr.) and wrote the refund into the ledger
    copy = _settled_2023(example_path, tmp_path)

    def paste(wb):
        ws = wb["Afregnet"]
        return _append(ws, [c.value for c in ws[5]])

    twice = _edit(copy, tmp_path / "twice.xlsx", paste)
    res = run_cli("afregning", twice, "--periode", "2024", "--dato", "2025-02-01",
                  "--mappe", tmp_path / "UD2024")
    assert res.returncode == 1
    assert "ark Afregnet, række 92" in res.stderr and "magen til række 5" in res.stderr
    # the seal names the copy, not the original, as the row added by hand
    assert "FEJL (ark Afregnet, række 92, kolonne AftaleID): Rækken" in res.stderr
    assert "række 5, kolonne AftaleID): Rækken" not in res.stderr
    assert not (tmp_path / "UD2024").exists()
    assert run_cli("valider", twice).returncode == 1


def test_a_correction_row_for_the_same_part_is_still_allowed(example_path, tmp_path):
    # two rows for one part with different amounts are a correction: no error
    from xl_underskud.core.rules.ledger import check_value

    copy = _settled_2023(example_path, tmp_path)

    def correct(wb):
        ws = wb["Afregnet"]
        aid, period, code = ws["A5"].value, ws["B5"].value, ws["C5"].value
        day = datetime(2024, 3, 1)
        _append(ws, [aid, period, code, -1.5, day,
                     check_value(aid, period, code, -150, day.date())])
        _reseal(wb)  # as the next settlement writes a correction

    corrected = _edit(copy, tmp_path / "corrected.xlsx", correct)
    assert run_cli("valider", corrected).returncode == 0


# -- the statements' settings ------------------------------------------------------------------

def test_a_payment_reference_with_an_unknown_placeholder_is_an_error(example_path, tmp_path):
    # before: "UG-{kommune}", "{0}{periode!r}", "{periode:>99999999}" and "UG" were printed
    # as written on every municipality's statement (one reference for all)
    for rule, expected in (("UG-{kommune}", "indeholder {kommune}"),
                           ("{0}-{periode}-{kommunekode}", "indeholder {0}"),
                           ("{periode:>99999999}-{kommunekode}", "indeholder {periode:>"),
                           ("UG-{periode}", "mangler {kommunekode}"),
                           # the PDF drew "?" and "-" where the .xlsx shows 🙂 and –
                           ("\U0001f642{periode}-{kommunekode}", "U+1F642"),
                           ("UG\u2013{periode}-{kommunekode}", "U+2013")):
        bad = _edit(example_path, tmp_path / "bad.xlsx",
                    lambda wb, rule=rule: _setting(wb, "Betalingsreference", rule))
        res = run_cli("afregning", bad, "--aar", "2023", "--mappe", tmp_path / "UD")
        assert res.returncode == 1, rule
        assert "ark Indstillinger" in res.stderr and expected in res.stderr, res.stderr
        assert not (tmp_path / "UD").exists()
    good = _edit(example_path, tmp_path / "good.xlsx",
                 lambda wb: _setting(wb, "Betalingsreference", "X{kommunekode}/{periode}"))
    assert run_cli("valider", good).returncode == 0


def test_a_contact_email_with_a_line_break_is_an_error(example_path, tmp_path):
    # before: "a@b.dk\nBcc: x@y" went onto every statement's sender line
    for value, expected in (("a@b.dk\nBcc: x@y.dk", "linjeskift"),
                            ("sekretariatet", "ikke en e-mailadresse")):
        bad = _edit(example_path, tmp_path / "bad.xlsx",
                    lambda wb, value=value: _setting(wb, "SekretariatEmail", value))
        res = run_cli("valider", bad)
        assert res.returncode == 1
        assert "kontakt e-mail" in res.stdout + res.stderr and expected in res.stdout + res.stderr


def test_a_huge_number_is_shown_short_in_the_message(example_path, tmp_path):
    # before: 1e300 in Beløb was shown as its 301 digits
    copy = _settled_2023(example_path, tmp_path)
    big = _edit(copy, tmp_path / "big.xlsx",
                lambda wb: setattr(wb["Afregnet"]["D5"], "value", 1e300))
    res = run_cli("valider", big)
    out = res.stdout + res.stderr
    assert res.returncode == 1 and "1e+300 er for stor" in out
    assert max(len(line) for line in out.splitlines()) < 200


# -- saml --------------------------------------------------------------------------------------

def test_saml_names_the_other_row_of_an_overlap_in_its_own_file(example_path, tmp_path):
    # before: "overlapper ophold O-109 (række 22)": a number of the merged tables, no row of
    # any file (O-109 is row 26 of the master)
    report = tmp_path / "gladsaxe.xlsx"
    assert run_cli("indberetning", example_path, "--driftsherre", "Gladsaxe",
                   "--ud", report).returncode == 0
    bad = _edit(report, tmp_path / "ny.xlsx", lambda wb: _append(
        wb["Ophold"], ["O-900", "A2", 6, "Gladsaxe", datetime(2024, 8, 1), None, None]))
    res = run_cli("saml", example_path, bad, "--ud", tmp_path / "master.xlsx")
    assert res.returncode == 1
    assert ("fil ny.xlsx, ark Ophold, række 14" in res.stderr
            and f"O-109 (række 26 i {example_path.name})" in res.stderr), res.stderr
    assert not (tmp_path / "master.xlsx").exists()


def _zip_edit(src: Path, dst: Path, part: str, change) -> Path:
    """`src` with one part's bytes changed (what another program could have written)."""
    import zipfile

    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info.filename)
            out.writestr(info.filename, change(data) if info.filename == part else data)
    return dst


def _ophold_part(path: Path) -> str:
    from xl_underskud.xlsx.inplace import _sheet_names
    import zipfile

    with zipfile.ZipFile(path) as z:
        return _sheet_names(z)["ophold"]


def test_saml_does_not_grow_a_table_over_merged_cells(example_path, tmp_path):
    # before: tblOphold grew over the merged cells A34:C35 under it (exit 0): a table over
    # merged cells is a file Excel repairs on opening
    report = tmp_path / "gladsaxe.xlsx"
    assert run_cli("indberetning", example_path, "--driftsherre", "Gladsaxe",
                   "--ud", report).returncode == 0
    new = _edit(report, tmp_path / "ny.xlsx", lambda wb: _append(
        wb["Ophold"], ["O-900", "A2", 5, "Gladsaxe", datetime(2024, 4, 1),
                       datetime(2024, 5, 15), None]))
    master = _zip_edit(example_path, tmp_path / "flettet.xlsx", _ophold_part(example_path),
                       lambda d: d.replace(b"</sheetData>", b'</sheetData><mergeCells count="1">'
                                           b'<mergeCell ref="A34:C35"/></mergeCells>', 1))
    assert run_cli("valider", master).returncode == 0
    res = run_cli("saml", master, new, "--ud", tmp_path / "master.xlsx")
    assert res.returncode == 1
    assert "fil flettet.xlsx" in res.stderr and "A34:C35" in res.stderr and "flettet" in res.stderr
    assert not (tmp_path / "master.xlsx").exists()
    # without the merge the same report is merged
    res = run_cli("saml", example_path, new, "--ud", tmp_path / "master.xlsx")
    assert res.returncode == 0, res.stderr


def test_saml_names_the_report_that_filled_a_blank_in_a_conflict(example_path, tmp_path):
    # two reports fill the same blank (O-101's Til dato) differently; before: "… men 31-01-2024
    # i masteren", though the master's cell is blank and the value came from the first report
    report = tmp_path / "gladsaxe.xlsx"
    assert run_cli("indberetning", example_path, "--driftsherre", "Gladsaxe",
                   "--ud", report).returncode == 0

    def moved_out(day):
        def change(wb):
            ws = wb["Ophold"]
            for r in range(5, ws.max_row + 1):
                if ws.cell(r, 1).value == "O-101":
                    ws.cell(r, 6).value = day
        return change

    first = _edit(report, tmp_path / "foerste.xlsx", moved_out(datetime(2024, 1, 31)))
    second = _edit(report, tmp_path / "anden.xlsx", moved_out(datetime(2024, 2, 29)))
    res = run_cli("saml", example_path, first, second, "--ud", tmp_path / "master.xlsx")
    assert res.returncode == 1
    assert "fil anden.xlsx, ark Ophold, række 5, kolonne Til dato" in res.stderr
    assert "men 31-01-2024 i foerste.xlsx" in res.stderr, res.stderr
    assert not (tmp_path / "master.xlsx").exists()


def _with_ledger_row(copy: Path, dst: Path, aid, period, code, oere, day: datetime,
                     sealed: bool = True) -> Path:
    """The ledger copy with one more row whose Kontrol is right (as a hand-made row can be:
    the checksum's recipe is in the README) and, with `sealed`, the seal over it (a row added
    by hand to a sealed ledger is an error of its own: test_ledger_seal.py)."""
    from xl_underskud.core.rules.ledger import check_value

    def add(wb):
        _append(wb["Afregnet"], [aid, period, code, oere / 100, day,
                                 check_value(aid, period, code, oere, day.date())])
        if sealed:
            _reseal(wb)

    return _edit(copy, dst, add)


def test_a_ledger_row_for_no_municipality_is_an_error_not_a_statement(example_path, tmp_path):
    # before: code 999 (no municipality) got its own statement, Opgoerelse_2024_999_999.pdf
    copy = _settled_2023(example_path, tmp_path)
    bad = _with_ledger_row(copy, tmp_path / "bad.xlsx", "A1", "2023", 999, 100,
                           datetime(2024, 2, 1))
    res = run_cli("afregning", bad, "--periode", "2024", "--dato", "2025-02-01",
                  "--mappe", tmp_path / "UD2024")
    assert res.returncode == 1
    assert "række 92, kolonne Kommunekode" in res.stderr and "999" in res.stderr
    assert not (tmp_path / "UD2024").exists()


def test_a_ledger_row_settled_before_its_period_ended_is_named(example_path, tmp_path):
    # before: 2090 "settled" on 01-02-2024 passed without a word. A warning, not an error: the
    # row cannot be corrected by hand (its Kontrol), and the next settlement of the period
    # efterregulerer it anyway (here: -1,00 kr., 2090 has no guaranteed days)
    copy = _settled_2023(example_path, tmp_path)
    early = _with_ledger_row(copy, tmp_path / "early.xlsx", "A1", "2090", 101, 100,
                             datetime(2024, 2, 1))
    res = run_cli("valider", early)
    out = res.stdout + res.stderr
    assert res.returncode == 0
    assert "Advarsel (ark Afregnet, række 92, kolonne Afregnet dato)" in out
    assert "før den sluttede (31-12-2090)" in out


def test_afregning_dated_before_an_earlier_settlement_is_an_error(example_path, tmp_path):
    # 2023 was settled on 01-02-2024; settling 2024 with --dato 2023-... cannot happen (the
    # period has not ended), but a ledger row dated 2099 makes every later --dato earlier
    copy = _settled_2023(example_path, tmp_path)
    bad = _with_ledger_row(copy, tmp_path / "bad.xlsx", "A1", "2023", 101, 100,
                           datetime(2099, 2, 1))
    res = run_cli("afregning", bad, "--periode", "2024", "--dato", "2025-02-01",
                  "--mappe", tmp_path / "UD2024")
    assert res.returncode == 1
    assert "række 92, kolonne Afregnet dato" in res.stderr and "01-02-2099" in res.stderr
    assert not (tmp_path / "UD2024").exists()


def test_saml_takes_a_row_typed_under_the_masters_table_as_the_tables(example_path, tmp_path):
    # A stay typed directly under tblOphold without extending the table belongs to the table
    # (README: the same in every command); valider counts it. Before: saml refused the master
    # ("cellen under tabellen er ikke tom. Flyt det, der står under tabellen") even with no new
    # rows at all.
    from excel_validity import lint_problems, validator_problems

    def typed_below(wb):
        ws = wb["Ophold"]
        last = range_boundaries(ws.tables["tblOphold"].ref)[3]
        for i, v in enumerate(["O-950", "A2", 5, "Gladsaxe", datetime(2024, 4, 1),
                               datetime(2024, 4, 10), None]):
            ws.cell(last + 1, 1 + i, v)

    master = _edit(example_path, tmp_path / "master.xlsx", typed_below)
    assert run_cli("valider", master).returncode == 0
    report = tmp_path / "gladsaxe.xlsx"
    assert run_cli("indberetning", example_path, "--driftsherre", "Gladsaxe",
                   "--ud", report).returncode == 0
    new = _edit(report, tmp_path / "ny.xlsx", lambda wb: _append(
        wb["Ophold"], ["O-900", "A2", 5, "Gladsaxe", datetime(2024, 4, 20),
                       datetime(2024, 5, 15), None]))
    out = tmp_path / "samlet.xlsx"
    res = run_cli("saml", master, new, "--ud", out)
    assert res.returncode == 0, res.stderr
    assert "1 nyt ophold" in res.stdout and "i alt 31 ophold" in res.stdout
    ws = openpyxl.load_workbook(out)["Ophold"]
    assert ws.tables["tblOphold"].ref == "A4:G35"
    assert [ws.cell(r, 1).value for r in (34, 35)] == ["O-950", "O-900"]
    # (openpyxl wrote the master's styles.xml; the parts saml writes must be valid)
    assert lint_problems(out) == []
    assert [p for p in validator_problems(out) if "styles.xml" not in p] == []
    assert run_cli("valider", out).returncode == 0


def test_afregning_without_periode_does_not_settle_a_period_that_has_not_ended(example_path,
                                                                               tmp_path):
    # Afregningsaar 2025 on Indstillinger (or every year, without it) and --dato 01-06-2025:
    # before, 2025 was settled on 01-06-2025 — a ledger row the next run refuses ("afregnet
    # før den sluttede")
    year_2025 = _edit(example_path, tmp_path / "aar.xlsx",
                      lambda wb: _setting(wb, "Afregningsaar", 2025))
    for path in (year_2025, example_path):
        res = run_cli("afregning", path, "--dato", "2025-06-01", "--mappe", tmp_path / "UD")
        assert res.returncode == 1, res.stdout
        assert "Perioden 2025 slutter 31-12-2025" in res.stderr
        assert not (tmp_path / "UD").exists()


def test_a_short_fuzz_run_of_saml_and_afregning_finds_nothing():
    # benchmarks/fuzz.py --mode saml (a mutated report merged into the example) and --mode
    # afregning (a mutated ledger copy settled again): exit 0 or 1, no traceback, master and
    # input unchanged, nothing written after exit 1, no formula in what is written
    import sys

    from conftest import REPO

    sys.path.insert(0, str(REPO / "benchmarks"))
    import fuzz

    for mode, count in (("saml", 30), ("afregning", 8)):
        res = fuzz.run(count=count, seed=4242, mode=mode)
        assert not res["failures"], (mode, res["failures"])


def test_saml_into_a_sheet_with_namespace_prefixes_says_so(example_path, tmp_path):
    # A sheet written as <x:worksheet><x:sheetData>… (valid; the reader reads it). Before: "Arket
    # Ophold har ingen celledata" — false; now the message says what is the matter. Nothing is
    # written either way.
    import re

    part = _ophold_part(example_path)
    master = _zip_edit(example_path, tmp_path / "praefiks.xlsx", part, lambda d: re.sub(
        rb"<(/?)(?![?])([A-Za-z])", rb"<\1x:\2", d).replace(
        b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
        b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'))
    assert run_cli("valider", master).returncode == 0
    report = tmp_path / "gladsaxe.xlsx"
    assert run_cli("indberetning", example_path, "--driftsherre", "Gladsaxe",
                   "--ud", report).returncode == 0
    res = run_cli("saml", master, report, "--ud", tmp_path / "master.xlsx")
    assert res.returncode == 1
    assert "fil praefiks.xlsx" in res.stderr and "XML-præfikset x:" in res.stderr
    assert "ingen celledata" not in res.stderr
    assert not (tmp_path / "master.xlsx").exists()


def test_the_ledger_copy_of_a_ledger_copy_does_not_grow_its_name(example_path, tmp_path):
    # settled month by month, each copy was named after the previous one:
    # M_afregnet_2024M01_afregnet_2024M02_… passed 255 characters after 14 months, and the
    # next afregning failed ("File name too long")
    from xl_underskud.xlsx.ledger import ledger_copy_name

    assert ledger_copy_name(Path("Master_afregnet_2024M01.xlsx"), "2024M02") == \
        "Master_afregnet_2024M02.xlsx"
    assert ledger_copy_name(Path("M_afregnet_2023_afregnet_2024K1.xlsm"), "2024K2") == \
        "M_afregnet_2024K2.xlsm"
    copy = _settled_2023(example_path, tmp_path)
    res = run_cli("afregning", copy, "--periode", "2024", "--dato", "2025-02-01",
                  "--mappe", tmp_path / "UD2024")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "UD2024" / f"{example_path.stem}_afregnet_2024.xlsx").exists()
