"""Collect (issue 11, part 1): `indberetning` writes one operator's report workbook from the
master, `saml` merges the reports back into a new master — conflicts reported all at once with
nothing written, the same input giving the same master, the inputs never modified.

The example has three agreements: A1 (Region Hovedstaden, 8 places, 13 stays), A2 (Gladsaxe,
6 places, 9 stays) and A3 (Frederiksberg, 4 places, 7 stays); 4 rates each."""
from __future__ import annotations

import hashlib
import os
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import REPO, run_cli
from xl_underskud.core.collect import OPERATOR_PROPERTY, row_values, slug
from xl_underskud.core.declarations import AFTALER, OPHOLD, PLADSER, TAKSTER
from xl_underskud.core.parse import parse_inputs
from xl_underskud.xlsx.inplace import read_custom_properties, replace_tables
from xl_underskud.xlsx.reader import read_workbook

EXAMPLE = REPO / "workbook" / "Underskudsgaranti_eksempel.xlsx"
RECORDS = {"tblAftaler": "agreements", "tblPladser": "places", "tblTakster": "rates",
           "tblOphold": "stays"}


def _sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _inputs(path):
    raw = read_workbook(path)
    inputs, messages = parse_inputs(raw)
    assert [m.text for m in raw.messages + messages if m.is_error] == []
    return inputs


def _rows(path, table) -> list[tuple]:
    return row_values(getattr(_inputs(path), RECORDS[table.name]), table)


def _edit(path: Path, tables: dict, properties=None) -> None:
    """What the operator does in Excel: the file with these tables' rows (and properties)."""
    tmp = path.with_name("_" + path.name)
    replace_tables(path, tmp, tables, properties=properties)
    os.replace(tmp, path)


def _report(master: Path, operator: str, name: str | None = None) -> Path:
    out = master.with_name(name or f"{master.stem}_indberetning_{slug(operator)}.xlsx")
    res = run_cli("indberetning", master, "--driftsherre", operator, "--ud", out)
    assert res.returncode == 0, res.stderr
    return out


@pytest.fixture
def master(tmp_path) -> Path:
    path = tmp_path / "Master.xlsx"
    path.write_bytes(EXAMPLE.read_bytes())
    return path


def _files(folder) -> list[str]:
    return sorted(p.name for p in Path(folder).iterdir())


# --------------------------------------------------------------------------------------------
# indberetning


def test_the_report_holds_only_the_operators_rows(master):
    before = _sha(master)
    res = run_cli("indberetning", master, "--driftsherre", "gladsaxe kommune")
    assert res.returncode == 0, res.stderr
    assert _sha(master) == before
    report = master.with_name("Master_indberetning_gladsaxe.xlsx")
    assert report.exists()
    inputs = _inputs(report)
    assert [a.agreement_id for a in inputs.agreements] == ["A2"]
    assert [(p.agreement_id, p.place_no) for p in inputs.places] == [("A2", n) for n in range(1, 7)]
    assert [(r.agreement_id, r.year) for r in inputs.rates] == \
        [("A2", y) for y in range(2022, 2026)]
    assert [s.stay_id for s in inputs.stays] == [f"O-{n}" for n in range(101, 110)]
    assert {c.offer for c in inputs.costs} == {"Botilbuddet Søndergården"}
    whole = _inputs(master)
    assert inputs.population == tuple(p for p in whole.population)  # the key is shared
    assert inputs.settings == whole.settings
    # the rows are the master's, value for value
    assert _rows(report, OPHOLD) == [r for r in _rows(master, OPHOLD) if r[1] == "A2"]
    assert _rows(report, TAKSTER) == [r for r in _rows(master, TAKSTER) if r[0] == "A2"]
    with zipfile.ZipFile(report) as z:
        assert read_custom_properties(z) == {"xl_underskud_formatversion": "2",
                                             OPERATOR_PROPERTY: "Gladsaxe"}


def test_agreements_and_rates_are_protected_without_password(master):
    report = _report(master, "Region Hovedstaden")
    from openpyxl import load_workbook

    wb = load_workbook(report)
    assert [ws.title for ws in wb if ws.protection.sheet] == ["Aftaler", "Takster"]
    with zipfile.ZipFile(report) as z:
        xml = z.read("xl/worksheets/sheet2.xml")  # Aftaler
    protection = re.search(rb"<sheetProtection [^>]*/>", xml).group(0)
    assert b"password" not in protection.lower() and b"hashValue" not in protection


def test_an_unknown_operator_is_named_with_the_known_ones(master):
    res = run_cli("indberetning", master, "--driftsherre", "Ballerup")
    assert res.returncode == 1
    assert ('"Ballerup" driver ingen aftaler i Master.xlsx. Driftsherrerne er: Frederiksberg, '
            'Gladsaxe, Region Hovedstaden.') in res.stderr
    assert _files(master.parent) == ["Master.xlsx"]


def test_the_report_is_not_replaced_without_overskriv(master):
    report = _report(master, "Region Hovedstaden")
    assert report.name == "Master_indberetning_region_hovedstaden.xlsx"
    first = _sha(report)
    res = run_cli("indberetning", master, "--driftsherre", "Region Hovedstaden")
    assert res.returncode == 1 and "--overskriv" in res.stderr
    assert run_cli("indberetning", master, "--driftsherre", "Region Hovedstaden",
                   "--overskriv").returncode == 0
    assert _sha(report) == first  # the same master gives the same report


# --------------------------------------------------------------------------------------------
# saml


def _all_reports(master):
    return [_report(master, op) for op in ("Region Hovedstaden", "Gladsaxe", "Frederiksberg")]


def test_saml_merges_new_stays_and_completed_blanks(master, tmp_path):
    # the master lacks A3 place 4's start date (the first stay's day is used: 01-10-2022)
    places = [r if r[:2] != ("A3", 4) else ("A3", 4, None) for r in _rows(master, PLADSER)]
    _edit(master, {"tblPladser": places})
    gladsaxe, frederiksberg = _report(master, "Gladsaxe"), _report(master, "Frederiksberg")
    # Gladsaxe: O-101 (A2 place 1) moved out on 31-12-2024, paid to 31-01-2025; O-110 moved in
    stays = _rows(gladsaxe, OPHOLD)
    stays = [s if s[0] != "O-101" else s[:5] + (date(2024, 12, 31), date(2025, 1, 31))
             for s in stays]
    stays.append(("O-110", "A2", 1, "Gladsaxe", date(2025, 3, 1), None, None))
    _edit(gladsaxe, {"tblOphold": stays})
    # Frederiksberg fills in the start date of its place 4
    _edit(frederiksberg, {"tblPladser": [r if r[:2] != ("A3", 4) else ("A3", 4, date(2022, 10, 1))
                                         for r in _rows(frederiksberg, PLADSER)]})
    inputs_before = {p: _sha(p) for p in (master, gladsaxe, frederiksberg)}
    out = tmp_path / "Ny.xlsx"
    res = run_cli("saml", master, gladsaxe, frederiksberg, "--ud", out)
    assert res.returncode == 0, res.stderr
    assert "1 nyt ophold, 0 nye pladser, 2 rækker udfyldt; i alt 30 ophold og 18 pladser" \
        in res.stdout
    assert {p: _sha(p) for p in inputs_before} == inputs_before, "the inputs are only read"

    merged = _rows(out, OPHOLD)
    assert merged[:29] == [s if s[0] != "O-101" else s[:5] + (date(2024, 12, 31), date(2025, 1, 31))
                           for s in _rows(master, OPHOLD)]
    assert merged[29] == ("O-110", "A2", 1, "Gladsaxe", date(2025, 3, 1), None, None)
    assert ("A3", 4, date(2022, 10, 1)) in _rows(out, PLADSER)
    # A2 place 1's window is 01-02-2022 … 31-01-2025, paid to its end by O-101 before and after,
    # and A3 place 4's given start date is the first stay's day: the amounts are the master's
    assert _amounts(out) == _amounts(master)
    # everything else in the package is the master's, byte for byte
    with zipfile.ZipFile(master) as a, zipfile.ZipFile(out) as b:
        assert a.namelist() == b.namelist()
        changed = sorted(n for n in a.namelist() if a.read(n) != b.read(n))
    # Pladser (same number of rows: its table part is unchanged) and Ophold (one row more)
    assert changed == ["xl/tables/table4.xml", "xl/worksheets/sheet3.xml",
                       "xl/worksheets/sheet5.xml"]


def _amounts(path):
    import json

    res = run_cli("beregn", path, "--json")
    assert res.returncode == 0, res.stderr
    return [(a["aftale_id"], a["periode"], a["beloeb_oere"])
            for a in json.loads(res.stdout)["aftaler"]]


def test_a_new_stay_changes_the_amount_as_computed_by_hand(master, tmp_path):
    """Gladsaxe reports a stay on A2 place 4 … a place that is full: instead A2 place 2, vacant
    from 01-05-2023 (O-102 paid to 30-04-2023) until O-103 on 01-07-2023: 61 vacant days in
    2023. A new stay O-120 on 01-06-2023 … 15-06-2023 fills 15 of them: 15 × 50 % × 4.326,00 kr.
    = 32.445,00 kr. less for A2 in 2023."""
    gladsaxe = _report(master, "Gladsaxe")
    _edit(gladsaxe, {"tblOphold": _rows(gladsaxe, OPHOLD) + [
        ("O-120", "A2", 2, "Gentofte", date(2023, 6, 1), date(2023, 6, 15), None)]})
    out = tmp_path / "Ny.xlsx"
    assert run_cli("saml", master, gladsaxe, "--ud", out).returncode == 0
    before = dict(((a, p), v) for a, p, v in _amounts(master))
    after = dict(((a, p), v) for a, p, v in _amounts(out))
    assert before[("A2", "2023")] - after[("A2", "2023")] == 15 * 4326_00 // 2
    assert {k: v for k, v in before.items() if k != ("A2", "2023")} == \
        {k: v for k, v in after.items() if k != ("A2", "2023")}


def test_saml_is_idempotent_and_reproducible(master, tmp_path):
    reports = _all_reports(master)
    gladsaxe = reports[1]
    _edit(gladsaxe, {"tblOphold": _rows(gladsaxe, OPHOLD) + [
        ("O-120", "A2", 2, "Gentofte", date(2023, 6, 1), date(2023, 6, 15), None)]})
    first, again, second = tmp_path / "1.xlsx", tmp_path / "1b.xlsx", tmp_path / "2.xlsx"
    assert run_cli("saml", master, *reports, "--ud", first).returncode == 0
    assert run_cli("saml", master, *reports, "--ud", again).returncode == 0
    assert first.read_bytes() == again.read_bytes(), "the same input gives the same master"
    res = run_cli("saml", first, *reports, "--ud", second)
    assert res.returncode == 0, res.stderr
    assert "0 nye ophold, 0 nye pladser, 0 rækker udfyldt" in res.stdout
    assert second.read_bytes() == first.read_bytes(), "merging the same reports again: no change"
    assert len(_rows(first, OPHOLD)) == 30


def test_a_stay_missing_from_a_report_is_kept_with_a_warning(master, tmp_path):
    region = _report(master, "Region Hovedstaden")
    _edit(region, {"tblOphold": [s for s in _rows(region, OPHOLD) if s[0] != "O-005"]})
    out = tmp_path / "Ny.xlsx"
    res = run_cli("saml", master, region, "--ud", out)
    assert res.returncode == 0, res.stderr
    assert (f"Advarsel (fil {region.name}, ark Ophold): Opholdet O-005 (række 9 i masteren) står "
            f"ikke i filen; det bevares.") in res.stdout
    assert _rows(out, OPHOLD) == _rows(master, OPHOLD)


def test_every_conflict_is_reported_at_once_and_nothing_is_written(master, tmp_path):
    region, gladsaxe, frederiksberg = _all_reports(master)
    twin = _report(master, "Region Hovedstaden", "tvilling.xlsx")  # the region's file twice
    # Gladsaxe: a stay on A1 (the region's), its agreement's offer renamed, a rate changed
    stays = _rows(gladsaxe, OPHOLD) + [("O-130", "A1", 1, "Gladsaxe", date(2025, 1, 1), None, None)]
    agreements = [a[:2] + ("Nyt navn",) + a[3:] for a in _rows(gladsaxe, AFTALER)]
    rates = [r if r[1] != 2024 else r[:2] + (Decimal("9999.00"),) + r[3:]
             for r in _rows(gladsaxe, TAKSTER)]
    _edit(gladsaxe, {"tblOphold": stays, "tblAftaler": agreements, "tblTakster": rates})
    # the region: O-001 moved in a month later than the master says, and a new O-140 …
    _edit(region, {"tblOphold": [s if s[0] != "O-001" else s[:4] + (date(2022, 4, 1),) + s[5:]
                                 for s in _rows(region, OPHOLD)]
                   + [("O-140", "A1", 1, "København", date(2025, 6, 1), None, None)]})
    # … which its twin file reports with another municipality
    _edit(twin, {"tblOphold": _rows(twin, OPHOLD)
                 + [("O-140", "A1", 1, "Tårnby", date(2025, 6, 1), None, None)]})
    # Frederiksberg's file says it is of format version 1
    _edit(frederiksberg, {}, properties={"xl_underskud_formatversion": 1})
    files = [master, region, gladsaxe, frederiksberg, twin]
    before = {p: _sha(p) for p in files}
    listing = _files(tmp_path)
    res = run_cli("saml", *files[:1], *files[1:], "--ud", tmp_path / "Ny.xlsx")
    assert res.returncode == 1
    err = res.stderr
    g, r, f = gladsaxe.name, region.name, frederiksberg.name
    expected = [
        f"FEJL (fil {g}, ark Ophold, række 14, kolonne AftaleID): Opholdet O-130 ligger på "
        f"aftalen A1, som driftsherren Gladsaxe ikke driver.",
        f"FEJL (fil {g}, ark Aftaler, række 5, kolonne Tilbud): Aftalen A2 er ændret: Tilbud er "
        f'"Nyt navn" i filen og "Botilbuddet Søndergården" i masteren.',
        f"FEJL (fil {g}, ark Takster, række 7, kolonne Døgntakst): Taksten for aftale A2 i 2024 "
        f"er ændret: Døgntakst er 9.999 i filen og 4.455,75 i masteren.",
        f"FEJL (fil {r}, ark Ophold, række 5, kolonne Fra dato): Opholdet O-001 har Fra dato "
        f"01-04-2022 i filen, men 01-03-2022 i masteren.",
        f'FEJL (fil tvilling.xlsx, ark Ophold, række 18, kolonne Betalende kommune): Opholdet '
        f'O-140 har Betalende kommune "Tårnby" i filen, men "København" i {r}.',
        f"FEJL (fil {f}): {f} er lavet med formatversion 1, men masteren har formatversion 2.",
    ]
    for line in expected:
        assert line in err, line
    assert f"{len(expected)} fejl. Intet er skrevet." in err
    assert _files(tmp_path) == listing, "nothing written"
    assert {p: _sha(p) for p in files} == before, "the inputs are only read"


def test_a_merged_overlap_is_traced_to_the_reports_row(master, tmp_path):
    gladsaxe = _report(master, "Gladsaxe")
    # A2 place 1 is O-101's since 01-02-2022 and still is: a second stay there overlaps
    _edit(gladsaxe, {"tblOphold": _rows(gladsaxe, OPHOLD) + [
        ("O-150", "A2", 1, "Gladsaxe", date(2023, 1, 1), None, None)]})
    res = run_cli("saml", master, gladsaxe, "--ud", tmp_path / "Ny.xlsx")
    assert res.returncode == 1
    assert f"FEJL (fil {gladsaxe.name}, ark Ophold, række 14" in res.stderr
    assert "Ny.xlsx" not in _files(tmp_path)


def test_the_master_itself_is_not_a_report(master, tmp_path):
    copy = tmp_path / "kopi.xlsx"
    copy.write_bytes(master.read_bytes())
    res = run_cli("saml", master, copy, "--ud", tmp_path / "Ny.xlsx")
    assert res.returncode == 1
    assert "kopi.xlsx er ikke en indberetning lavet med 'xl-underskud indberetning'" in res.stderr


def test_saml_keeps_the_classic_masters_macros(tmp_path):
    from xl_underskud.xlsx.example import AGREEMENTS, COSTS, PL_INDEX, PLACES, RATES, STAYS
    from xl_underskud.xlsx.template import build_workbook

    master = build_workbook(tmp_path / "Master.xlsm", {
        "tblAftaler": AGREEMENTS, "tblPladser": PLACES, "tblTakster": RATES, "tblOphold": STAYS,
        "tblOmkostninger": COSTS, "tblPLIndeks": PL_INDEX})
    report = _report(master, "Gladsaxe")
    assert report.suffix == ".xlsx"  # the operator's copy has no macros
    _edit(report, {"tblOphold": _rows(report, OPHOLD) + [
        ("O-120", "A2", 2, "Gentofte", date(2023, 6, 1), date(2023, 6, 15), None)]})
    out = tmp_path / "Ny.xlsm"
    res = run_cli("saml", master, report, "--ud", out)
    assert res.returncode == 0, res.stderr
    with zipfile.ZipFile(master) as a, zipfile.ZipFile(out) as b:
        assert a.read("xl/vbaProject.bin") == b.read("xl/vbaProject.bin")
        assert [n for n in a.namelist() if n.endswith(".vml")] == \
            [n for n in b.namelist() if n.endswith(".vml")]
    assert len(_rows(out, OPHOLD)) == 30
    res = run_cli("saml", master, report, "--ud", tmp_path / "Ny.xlsx")
    assert res.returncode == 2 and "samme endelse" in res.stderr


def test_an_operator_may_add_a_place_to_its_own_agreement(master, tmp_path):
    """The master lists only 3 of A3's 4 places; Frederiksberg adds the fourth (with its stay
    O-207, which the master already has)."""
    _edit(master, {"tblPladser": [r for r in _rows(master, PLADSER) if r[:2] != ("A3", 4)]})
    full = _rows(EXAMPLE, PLADSER)
    frederiksberg = _report(master, "Frederiksberg")
    _edit(frederiksberg,
          {"tblPladser": _rows(frederiksberg, PLADSER) + [("A3", 4, date(2022, 10, 1))]})
    out = tmp_path / "Ny.xlsx"
    res = run_cli("saml", master, frederiksberg, "--ud", out)
    assert res.returncode == 0, res.stderr
    assert "0 nye ophold, 1 ny plads" in res.stdout
    assert _rows(out, PLADSER) == full  # A3's places are the last rows: the order is the same
    assert _amounts(out) == _amounts(EXAMPLE)


def test_names_of_operators_in_file_names():
    assert slug("Region Hovedstaden") == "region_hovedstaden"
    assert slug("Høje-Taastrup") == "hoeje_taastrup"
    assert slug("Lyngby-Taarbæk") == "lyngby_taarbaek"
    assert slug("Tårnby") == "taarnby"
    assert slug("../..") == "driftsherre"


def test_the_merge_is_pure_and_ignores_the_order_of_the_reports():
    """core.collect on records only: the reports of two operators, in either order, give the
    same rows; a report with nothing new gives the master's rows."""
    from dataclasses import replace as but

    from xl_underskud.core.collect import Report, collect
    from xl_underskud.core.records import Stay

    whole = _inputs(EXAMPLE)

    def report(operator, ids, extra=()):
        own = but(whole, agreements=tuple(a for a in whole.agreements if a.agreement_id in ids),
                  places=tuple(p for p in whole.places if p.agreement_id in ids),
                  rates=tuple(r for r in whole.rates if r.agreement_id in ids),
                  stays=tuple(s for s in whole.stays if s.agreement_id in ids) + tuple(extra))
        return Report(f"{operator}.xlsx", operator, 2, own)

    a = report("Gladsaxe", {"A2"}, [Stay("X-1", "A2", 2, None, date(2023, 6, 1), date(2023, 6, 2),
                                         None, row=99)])
    b = report("Frederiksberg", {"A3"}, [Stay("X-2", "A3", 3, None, date(2024, 2, 1),
                                              date(2024, 2, 2), None, row=99)])
    one, other = collect(whole, "m.xlsx", 2, [a, b]), collect(whole, "m.xlsx", 2, [b, a])
    assert one.stays == other.stays and one.places == other.places
    assert [s.stay_id for s in one.stays][-2:] == ["X-1", "X-2"]  # master's agreement order
    assert one.messages == () and one.added_stays == 2
    same = collect(whole, "m.xlsx", 2, [report("Gladsaxe", {"A2"})])
    assert [(s.stay_id, s.from_date) for s in same.stays] == \
        [(s.stay_id, s.from_date) for s in whole.stays]
    assert same.origins[("Ophold", 1)] == ("m.xlsx", 5)
