"""The seal over tblAfregnet and the older master (SPEC rule 14, "settled is settled").

Each row's Kontrol proves the row was not edited; it cannot prove the row is still there. Before
the seal a deleted or cleared ledger row passed `valider`, and the next `afregning` settled that
part again (paid twice). And a master older than the last ledger copy — its sheet Afregnet
without what was settled since — was settled from as if nothing had been: `saml` merged newer
reports into it, `afregning` paid the missing period again as "efterregulering".

Here: every ledger the program writes is sealed (document property xl_underskud_afregnet);
rows deleted, cleared or added by hand are errors on sheet Afregnet, sorting is not; a ledger
without a seal is a warning; `saml` refuses reports made from a newer master; `afregning`
refuses a period asked for past a period that was never settled here but now has an amount.
"""
from __future__ import annotations

import shutil
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries

from conftest import run_cli
from xl_underskud.core.declarations import LEDGER_SEAL_PROPERTY
from xl_underskud.core.rules.ledger import (LedgerEntry, check_value, parse_seal, seal,
                                            seal_of)
from xl_underskud.xlsx.inplace import read_custom_properties, replace_tables

AFREGNET = "tblAfregnet"


_SETTLED_2023: dict[bytes, Path] = {}  # the example's bytes -> its ledger copy, settled once
_WORK: list[Path] = []  # the module's folder for those runs


@pytest.fixture(scope="module", autouse=True)
def _settled_once(tmp_path_factory):
    """`afregning` writes 60 statements besides the ledger copy; the tests below only need the
    copy, so it is settled once per module and each test gets its own copy of it."""
    _SETTLED_2023.clear()
    _WORK[:] = [tmp_path_factory.mktemp("settled_2023")]
    yield
    _SETTLED_2023.clear()


def _copy_2023(example_path: Path, tmp_path: Path) -> Path:
    """The example's ledger copy after `afregning --periode 2023 --dato 2024-02-01` (87 rows)."""
    data = example_path.read_bytes()
    if data not in _SETTLED_2023:
        folder = _WORK[0] / str(len(_SETTLED_2023))
        folder.mkdir()
        source = folder / example_path.name
        source.write_bytes(data)
        res = run_cli("afregning", source, "--periode", "2023", "--dato", "2024-02-01",
                      "--mappe", folder / "UD2023")
        assert res.returncode == 0, res.stderr
        _SETTLED_2023[data] = folder / "UD2023" / f"{example_path.stem}_afregnet_2023.xlsx"
    target = tmp_path / "UD2023" / f"{example_path.stem}_afregnet_2023.xlsx"
    target.parent.mkdir(exist_ok=True)
    shutil.copyfile(_SETTLED_2023[data], target)
    return target


def _rows(path: Path) -> list[tuple]:
    """tblAfregnet's rows as replace_tables takes them (openpyxl, not the project's reader)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Afregnet"]
    rows = [tuple(c.value for c in r) for r in ws[ws.tables[AFREGNET].ref]][1:]
    wb.close()
    return [r[:4] + (r[4].date(),) + r[5:] for r in rows if r[0] is not None]


def _seal(path: Path) -> str | None:
    with zipfile.ZipFile(path) as z:
        return read_custom_properties(z).get(LEDGER_SEAL_PROPERTY)


def _afregn_2024(path: Path, tmp_path: Path):
    out = tmp_path / "UD2024"
    res = run_cli("afregning", path, "--periode", "2024", "--dato", "2025-02-01", "--mappe", out)
    return res, out


# --------------------------------------------------------------------------- the seal itself
def _entries():
    day = date(2024, 2, 1)
    return [LedgerEntry("A1", "2023", code, oere, day)
            for code, oere in ((101, 10_000), (147, 2_500), (159, -300))]


def test_the_seal_counts_dates_and_sums_the_rows_whatever_their_order():
    rows = _entries()
    text = seal(rows)
    count, day, digits = text.split(";")
    assert (count, day, len(digits)) == ("3", "2024-02-01", 64)
    assert seal(reversed(rows)) == text == seal(sorted(rows, key=lambda e: e.amount_oere))
    assert seal(rows[:2]) != text and seal(rows + rows[:1]) != text
    assert parse_seal(text) == seal_of(rows)
    assert parse_seal("garbage") is None and parse_seal(None) is None
    assert len(text) < 255  # Excel's dialog shows 255 characters of a text property


# --------------------------------------------------------------------------- written and kept
def test_the_ledger_copy_is_sealed_and_valider_accepts_it(example_path, tmp_path):
    copy = _copy_2023(example_path, tmp_path)
    rows = _rows(copy)
    assert len(rows) == 87
    assert _seal(copy).startswith("87;2024-02-01;")
    assert _seal(example_path) is None, "the master is never modified"
    res = run_cli("valider", copy)
    assert res.returncode == 0 and "Afregnet" not in res.stdout, res.stdout


def test_sorting_the_table_keeps_the_seal(example_path, tmp_path):
    copy = _copy_2023(example_path, tmp_path)
    rows = _rows(copy)
    target = tmp_path / "sorteret.xlsx"
    replace_tables(copy, target, {AFREGNET: sorted(rows, key=lambda r: (-r[3], r[2]))})
    assert _rows(target) != rows and sorted(_rows(target)) == sorted(rows)
    res = run_cli("valider", target)
    assert res.returncode == 0, res.stderr
    res, out = _afregn_2024(target, tmp_path)
    assert res.returncode == 0, res.stderr


# --------------------------------------------------------------------------- what is detected
def test_a_deleted_middle_row_is_an_error_and_nothing_is_settled(example_path, tmp_path):
    copy = _copy_2023(example_path, tmp_path)
    rows = _rows(copy)
    target = tmp_path / "slettet.xlsx"
    replace_tables(copy, target, {AFREGNET: rows[:40] + rows[41:]})
    res = run_cli("valider", target)
    assert res.returncode == 1
    assert ("FEJL (ark Afregnet): 1 række mangler eller er ændret siden sidste afregning d. "
            "01-02-2024 (87 rækker, nu 86): den ville blive afregnet igen.") in res.stderr
    res, out = _afregn_2024(target, tmp_path)
    assert res.returncode == 1 and "1 række mangler" in res.stderr
    assert "Intet er skrevet." in res.stderr and not out.exists()


def test_a_cleared_row_is_an_error(example_path, tmp_path):
    """The row's cells emptied in Excel (the table keeps its size): the reader skips a blank
    row, so the part was as good as never settled."""
    copy = _copy_2023(example_path, tmp_path)
    wb = openpyxl.load_workbook(copy)
    ws = wb["Afregnet"]
    for cell in ws[20]:
        cell.value = None
    wb.save(tmp_path / "tom.xlsx")
    res = run_cli("valider", tmp_path / "tom.xlsx")
    assert res.returncode == 1
    assert "FEJL (ark Afregnet): 1 række mangler eller er ændret" in res.stderr
    # three rows cleared: counted
    for r in (21, 22):
        for cell in ws[r]:
            cell.value = None
    wb.save(tmp_path / "tre.xlsx")
    res = run_cli("valider", tmp_path / "tre.xlsx")
    assert "3 rækker mangler eller er ændret siden sidste afregning" in res.stderr


def _add_row(copy: Path, target: Path, aid: str, period: str, code: int, oere: int,
             day: date) -> int:
    """A row with a right Kontrol (its recipe is in the README) appended by hand; its row."""
    wb = openpyxl.load_workbook(copy)
    ws = wb["Afregnet"]
    table = ws.tables[AFREGNET]
    c1, r1, c2, r2 = range_boundaries(table.ref)
    for i, v in enumerate([aid, period, code, oere / 100, datetime.combine(day, datetime.min.time()),
                           check_value(aid, period, code, oere, day)]):
        ws.cell(r2 + 1, c1 + i, v)
    table.ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2 + 1}"
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref
    wb.save(target)
    return r2 + 1


@pytest.mark.parametrize("day", [date(2024, 2, 1), date(2024, 3, 1)],
                         ids=["same-day-as-the-settlement", "after-the-settlement"])
def test_a_row_added_by_hand_is_named(example_path, tmp_path, day):
    copy = _copy_2023(example_path, tmp_path)
    target = tmp_path / "tilfoejet.xlsx"
    row = _add_row(copy, target, "A1", "2023", 101, -150_000, day)
    res = run_cli("valider", target)
    assert res.returncode == 1
    assert (f"FEJL (ark Afregnet, række {row}, kolonne AftaleID): Rækken (A1, 2023, 101, "
            f"afregnet {day:%d-%m-%Y}) er ikke skrevet af afregningen: arket Afregnet havde 87 "
            f"rækker ved sidste afregning d. 01-02-2024") in res.stderr
    assert "1 fejl" in res.stderr or res.stderr.count("FEJL") == 1
    res, out = _afregn_2024(target, tmp_path)
    assert res.returncode == 1 and not out.exists()


def test_a_deleted_row_and_an_added_row_are_still_an_error(example_path, tmp_path):
    copy = _copy_2023(example_path, tmp_path)
    rows = _rows(copy)
    aid, period, code = rows[0][:3]
    day = date(2024, 2, 1)
    swapped = rows[1:] + [(aid, period, code, Decimal("1.00"), day,
                           check_value(aid, period, code, 100, day))]
    replace_tables(copy, tmp_path / "byttet.xlsx", {AFREGNET: swapped})
    res = run_cli("valider", tmp_path / "byttet.xlsx")
    assert res.returncode == 1
    assert ("FEJL (ark Afregnet): Rækker mangler eller er ændret siden sidste afregning d. "
            "01-02-2024 (87 rækker, nu 87)") in res.stderr


# --------------------------------------------------------------------------- without the seal
def _without_seal(path: Path, target: Path) -> Path:
    wb = openpyxl.load_workbook(path)
    del wb.custom_doc_props[LEDGER_SEAL_PROPERTY]
    wb.save(target)
    return target


def test_a_ledger_without_the_seal_is_a_warning_and_the_next_copy_is_sealed(example_path,
                                                                         tmp_path):
    """Made before the seal existed, rows typed by hand, or saved by a program that drops
    custom document properties: a warning (the rows cannot be checked for deletions), not an
    error; the next afregning seals its copy."""
    copy = _copy_2023(example_path, tmp_path)
    bare = _without_seal(copy, tmp_path / "uden.xlsx")
    assert _seal(bare) is None
    res = run_cli("valider", bare)
    assert res.returncode == 0, res.stderr
    assert ("Advarsel (ark Afregnet): Arket Afregnet har 87 rækker, men projektmappen har ikke "
            "afregningens segl (dokumentegenskaben xl_underskud_afregnet)") in res.stdout
    res, out = _afregn_2024(bare, tmp_path)
    assert res.returncode == 0, res.stderr
    assert "Advarsel (ark Afregnet): Arket Afregnet har 87 rækker" in res.stdout
    new_copy = out / "uden_afregnet_2024.xlsx"
    assert _seal(new_copy) == seal(LedgerEntry(r[0], r[1], r[2], round(r[3] * 100), r[4])
                                   for r in _rows(new_copy))
    assert run_cli("valider", new_copy).returncode == 0


def test_a_seal_without_the_sheet_afregnet_is_an_error(example_path, tmp_path):
    copy = _copy_2023(example_path, tmp_path)
    wb = openpyxl.load_workbook(copy)
    wb.remove(wb["Afregnet"])
    wb.save(tmp_path / "uden_ark.xlsx")
    res = run_cli("valider", tmp_path / "uden_ark.xlsx")
    assert res.returncode == 1
    assert ('FEJL (ark Afregnet): Arket "Afregnet" (tabellen tblAfregnet) mangler, men '
            'projektmappen er afregnet: 87 rækker, sidst d. 01-02-2024.') in res.stderr
    res, out = _afregn_2024(tmp_path / "uden_ark.xlsx", tmp_path)
    assert res.returncode == 1 and not out.exists()


# --------------------------------------------------------------------------- the other writers
def test_opgrader_keeps_a_matching_seal_and_refuses_a_broken_ledger(example_path, tmp_path):
    copy = _copy_2023(example_path, tmp_path)
    res = run_cli("opgrader", copy, "--ud", tmp_path / "ny.xlsx")
    assert res.returncode == 0, res.stderr
    assert _seal(tmp_path / "ny.xlsx") == _seal(copy)
    assert run_cli("valider", tmp_path / "ny.xlsx").returncode == 0
    rows = _rows(copy)
    replace_tables(copy, tmp_path / "slettet.xlsx", {AFREGNET: rows[1:]})
    res = run_cli("opgrader", tmp_path / "slettet.xlsx", "--ud", tmp_path / "ny2.xlsx")
    assert res.returncode == 1 and "1 række mangler" in res.stderr
    assert not (tmp_path / "ny2.xlsx").exists()


def test_indberetning_seals_the_operators_rows_and_refuses_a_broken_master(example_path,
                                                                          tmp_path):
    copy = _copy_2023(example_path, tmp_path)
    report = tmp_path / "gladsaxe.xlsx"
    res = run_cli("indberetning", copy, "--driftsherre", "Gladsaxe", "--ud", report)
    assert res.returncode == 0, res.stderr
    own = _rows(report)
    assert own and {r[0] for r in own} < {r[0] for r in _rows(copy)}
    assert _seal(report).startswith(f"{len(own)};")
    assert run_cli("valider", report).returncode == 0
    replace_tables(copy, tmp_path / "slettet.xlsx", {AFREGNET: _rows(copy)[1:]})
    res = run_cli("indberetning", tmp_path / "slettet.xlsx", "--driftsherre", "Gladsaxe",
                  "--ud", tmp_path / "r2.xlsx")
    assert res.returncode == 1 and "fil slettet.xlsx, ark Afregnet" in res.stderr
    assert not (tmp_path / "r2.xlsx").exists()


# --------------------------------------------------------------------------- an older master
def _quarterly(example_path: Path, target: Path) -> Path:
    wb = openpyxl.load_workbook(example_path)
    for title, coord in wb.defined_names["Periode"].destinations:
        wb[title][coord.replace("$", "")].value = "Kvartal"
    wb.save(target)
    return target


def _settle(path: Path, period: str, day: str, out: Path, *more):
    return run_cli("afregning", path, "--periode", period, "--dato", day, "--mappe", out, *more)


def test_saml_refuses_reports_made_from_a_newer_master(example_path, tmp_path):
    """K1 is settled; the reports for K2 are made from its ledger copy; `saml` is then run by
    mistake on the master from before K1 was settled. Before: accepted, and afregning K2 on the
    result settled K1 again as efterregulering (paid twice)."""
    master = _quarterly(example_path, tmp_path / "Master.xlsx")
    assert _settle(master, "2023K1", "2023-04-15", tmp_path / "K1").returncode == 0
    copy = tmp_path / "K1" / "Master_afregnet_2023K1.xlsx"
    operators = ("Frederiksberg", "Gladsaxe", "Region Hovedstaden")
    reports = []
    for name in operators:
        reports.append(tmp_path / f"indberetning_{len(reports)}.xlsx")
        res = run_cli("indberetning", copy, "--driftsherre", name, "--ud", reports[-1])
        assert res.returncode == 0, res.stderr
    carrying = [r for r in reports if _rows(r)]
    assert carrying, "K1 settled something on some operator's agreements"
    res = run_cli("saml", master, *reports, "--ud", tmp_path / "Ny.xlsx")
    assert res.returncode == 1
    for r in carrying:
        n = len(_rows(r))
        assert (f"FEJL (fil {r.name}, ark Afregnet, række 5): {r.name} har {n} afregnede "
                f"rækker (række 5-{4 + n}: 2023K1, fx ") in res.stderr
        assert ("som Master.xlsx ikke har: indberetningen er lavet af en nyere master. Brug den "
                "nyeste afregnet-kopi") in res.stderr
    assert not (tmp_path / "Ny.xlsx").exists()
    # the newest ledger copy as master: fine
    res = run_cli("saml", copy, *reports, "--ud", tmp_path / "Ny.xlsx")
    assert res.returncode == 0, res.stderr


def test_saml_refuses_a_report_whose_ledger_was_changed(example_path, tmp_path):
    copy = _copy_2023(example_path, tmp_path)
    report = tmp_path / "gladsaxe.xlsx"
    assert run_cli("indberetning", copy, "--driftsherre", "Gladsaxe",
                   "--ud", report).returncode == 0
    changed = tmp_path / "indberetning_gladsaxe.xlsx"
    replace_tables(report, changed, {AFREGNET: _rows(report)[1:]})
    res = run_cli("saml", copy, changed, "--ud", tmp_path / "Ny.xlsx")
    assert res.returncode == 1
    assert "FEJL (fil indberetning_gladsaxe.xlsx, ark Afregnet): 1 række mangler" in res.stderr


def test_afregning_refuses_a_period_past_one_never_settled_here(example_path, tmp_path):
    """K1 and K2 settled; K3 asked of K1's ledger copy (an older master: K2 is not in it, but
    has an amount). Before: K2 was settled again as efterregulering."""
    master = _quarterly(example_path, tmp_path / "Master.xlsx")
    assert _settle(master, "2024K1", "2024-04-15", tmp_path / "K1").returncode == 0
    k1 = tmp_path / "K1" / "Master_afregnet_2024K1.xlsx"
    res = _settle(k1, "2024K2", "2024-07-15", tmp_path / "K2")
    assert res.returncode == 0, res.stderr
    k2_total = res.stdout.split("parter, i alt ")[1].split(" kr.")[0]
    res = _settle(k1, "2024K3", "2024-10-15", tmp_path / "K3")
    assert res.returncode == 1
    assert (f"FEJL (ark Afregnet): 2024K2 er ikke afregnet i denne projektmappe (ingen rækker i "
            f"arket Afregnet efter 2024K1), men 2024K3 er bedt om, og 2024K2 giver nu "
            f"{k2_total} kr.: brug afregnet-kopien fra sidste afregning, eller afregn 2024K2 "
            f"først.") in res.stderr
    assert "Intet er skrevet." in res.stderr and not (tmp_path / "K3").exists()
    # from the newest copy: K3 is settled, K2 is not touched
    k2 = tmp_path / "K2" / "Master_afregnet_2024K2.xlsx"
    res = _settle(k2, "2024K3", "2024-10-15", tmp_path / "K3")
    assert res.returncode == 0, res.stderr
    assert "Efterregulering af 2024K2" not in res.stdout
    # a quarter that really had nothing to settle: said with --efterreguler, settled as
    # efterregulering (the scripted year's quiet quarter, test_secretariat_year.py)
    res = _settle(k1, "2024K3", "2024-10-15", tmp_path / "K3b", "--efterreguler", "2024K2")
    assert res.returncode == 0, res.stderr
    assert f"Efterregulering af 2024K2: " in res.stdout


def test_the_first_settlement_of_a_fresh_master_is_not_refused(example_path, tmp_path):
    """An empty ledger has no latest period to be older than: settling K2 first settles K1
    with it as efterregulering, as before."""
    master = _quarterly(example_path, tmp_path / "Master.xlsx")
    res = _settle(master, "2023K2", "2023-07-15", tmp_path / "K2")
    assert res.returncode == 0, res.stderr


# --------------------------------------------------------------------------- LibreOffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_keeps_the_seal(example_path, tmp_path):
    """A ledger copy opened and saved by LibreOffice (headless convert to .xlsx) keeps the
    custom document property, and the ledger still matches it."""
    import subprocess

    copy = _copy_2023(example_path, tmp_path)
    out = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profil",
                    "--convert-to", "xlsx", "--outdir", str(out), str(copy)],
                   check=True, capture_output=True, timeout=240)
    saved = out / copy.name
    assert _seal(saved) == _seal(copy)
    res = run_cli("valider", saved)
    assert res.returncode == 0, res.stderr
