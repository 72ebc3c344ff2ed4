"""Sekretariatets år: et helt afregningsår med kvartalsvis afregning, kørt med kommandoerne.

    python examples/sekretariatets_aar.py MAPPE [--fradrag]

Skriptet gør det, sekretariatet gør i løbet af et år (README, afsnittet "Sekretariatets år"),
på det medfølgende eksempel (workbook/Underskudsgaranti_eksempel.xlsx, som kun læses):

1. Årets master: eksemplet med Afregningsperiode = Kvartal og Afregningsår = 2024, og kun de
   ophold, der var begyndt før 2024 (udflytninger i 2024 er endnu ikke kendt: Til dato og
   Betalt til er tomme). Med --fradrag også Fratræk normal tomgang = Ja og belægning 99 %.
2. For hvert kvartal K1 … K4:
   - `xl-underskud indberetning` til hver driftsherre;
   - driftsherren skriver kvartalets nye ophold i arket Ophold og udfylder Til dato og Betalt til
     for dem, der er flyttet (her skrevet i filen, som Excel ville gemme den);
   - `xl-underskud saml` samler indberetningerne i en ny master;
   - `xl-underskud afregning --periode 2024Kn --dato …` skriver opgørelserne og afregnet-kopien,
     som er næste kvartals master.
   To ophold kommer for sent: O-210 (begyndt i 1. kvartal) indberettes først til 2. kvartal, og
   O-013 (begyndt i 3. kvartal) først til 4. kvartal. Derfor har 2. og 4. kvartals opgørelser
   en efterregulering af 1. og 3. kvartal.
3. Til sidst `xl-underskud beregn --aar 2024 --json` på den sidste afregnet-kopi: hele året på
   én gang. Summen af rækkerne i arket Afregnet skal være præcis årets beløb, til øren.

Alt skrives i MAPPE (som ikke må findes i forvejen):

    Master_2024.xlsx                         årets master ved start
    2024K1/indberetning_gladsaxe.xlsx …      driftsherrernes indberetninger
    2024K1/Master.xlsx                       den samlede master (saml)
    2024K1/opgoerelser/                      opgørelserne (afregning) og
    2024K1/opgoerelser/Master_afregnet_2024K1.xlsx   næste kvartals master
    …

Testen tests/test_secretariat_year.py kører samme år (med og uden fradrag) og kontrollerer
tallene; README's tal er fra `python examples/sekretariatets_aar.py aaret`.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "workbook" / "Underskudsgaranti_eksempel.xlsx"

YEAR = 2024
QUARTERS = (1, 2, 3, 4)
QUARTER_END = {0: date(2023, 12, 31), 1: date(2024, 3, 31), 2: date(2024, 6, 30),
               3: date(2024, 9, 30), 4: date(2024, 12, 31)}
SETTLED_ON = {1: date(2024, 4, 15), 2: date(2024, 7, 15), 3: date(2024, 10, 15),
              4: date(2025, 1, 15)}
OPERATORS = ("Region Hovedstaden", "Gladsaxe", "Frederiksberg")
# A short stay the example does not have: A3 place 3 is vacant from 01-02-2024 (O-205 paid to
# 31-01-2024) until O-206 on 01-04-2024; O-210 fills 15-02 … 15-03 of it.
EXTRA_STAYS = (("O-210", "A3", 3, "Brøndby", date(2024, 2, 15), date(2024, 3, 15), None),)
# Stays reported late: the quarter whose report first holds them.
LATE = {"O-210": 2, "O-013": 4}
# Departures (Til dato, Betalt til) reported late: the quarter whose report first holds them.
LATE_DEPARTURES: dict[str, int] = {}
OCCUPANCY_WITH_DEDUCTION = Decimal("0.99")


def period(quarter: int) -> str:
    return f"{YEAR}K{quarter}"


def known_at(rows: list[tuple], step: int, late: dict | None = None,
             late_departures: dict | None = None) -> list[tuple]:
    """The stays as the operators know them at the end of quarter `step` (0: the start of the
    year): begun by then (a late one only from its report on), and a departure (Til dato and
    Betalt til) only once it has happened (a late one only from its report on)."""
    late = LATE if late is None else late
    late_departures = LATE_DEPARTURES if late_departures is None else late_departures
    cutoff = QUARTER_END[step]
    out = []
    for stay_id, aid, place, payer, start, end, paid in rows:
        if start > cutoff or late.get(stay_id, 0) > step:
            continue
        if end is not None and (end > cutoff or late_departures.get(stay_id, 0) > step):
            end = paid = None
        out.append((stay_id, aid, place, payer, start, end, paid))
    return out


def _rows(path: Path, table) -> list[tuple]:
    from xl_underskud.core.collect import row_values
    from xl_underskud.core.parse import parse_inputs
    from xl_underskud.xlsx.reader import read_workbook

    inputs, messages = parse_inputs(read_workbook(path))
    problems = [m.text for m in messages if m.is_error]
    if problems:
        raise SystemExit(f"{path.name}: {problems}")
    field_of = {"tblOphold": "stays", "tblTakster": "rates"}[table.name]
    return row_values(getattr(inputs, field_of), table)


def all_stays() -> list[tuple]:
    """The year's stays as they really are: the example's and EXTRA_STAYS."""
    from xl_underskud.core.declarations import OPHOLD

    return _rows(EXAMPLE, OPHOLD) + list(EXTRA_STAYS)


def start_master(target: Path, deduct: bool, **scenario) -> Path:
    """The year's master: the example with quarterly settlement of YEAR and the stays known at
    the start of the year, written with the in-place writer (the example is only read)."""
    from xl_underskud.core.declarations import OPHOLD, TAKSTER
    from xl_underskud.xlsx.inplace import replace_tables
    from xl_underskud.xlsx.reader import read_workbook

    settings = read_workbook(EXAMPLE).settings

    def cell(name: str) -> tuple[str, str]:
        s = settings[name]
        return "Indstillinger", f"{s.column}{s.row}"

    cells = {cell("Periode"): "Kvartal", cell("Afregningsaar"): YEAR,
             cell("FratraekNormalTomgang"): "Ja" if deduct else "Nej"}
    tables = {OPHOLD.name: known_at(all_stays(), 0, **scenario)}
    headers = {OPHOLD.name: OPHOLD.headers}
    if deduct:  # the example's 90–95 % would deduct more than the year's vacant days
        tables[TAKSTER.name] = [r[:3] + (OCCUPANCY_WITH_DEDUCTION,)
                                for r in _rows(EXAMPLE, TAKSTER)]
        headers[TAKSTER.name] = TAKSTER.headers
    replace_tables(EXAMPLE, target, tables, cells=cells, headers=headers)
    return target


def operator_fills_in(report: Path, step: int, **scenario) -> int:
    """What the operator does in Excel: in the report's sheet Ophold, fill in Til dato and
    Betalt til of those who moved out, and add the stays begun since (its own agreements only).
    Returns the number of rows added or completed."""
    from xl_underskud.core.declarations import OPHOLD
    from xl_underskud.core.parse import parse_inputs
    from xl_underskud.xlsx.inplace import replace_tables
    from xl_underskud.xlsx.reader import read_workbook

    own, _ = parse_inputs(read_workbook(report))
    ids = {a.agreement_id for a in own.agreements}
    now = {r[0]: r for r in known_at(all_stays(), step, **scenario) if r[1] in ids}
    rows, changed = [], 0
    for row in _rows(report, OPHOLD):
        new = now.pop(row[0], row)
        filled = tuple(old if old is not None else value for old, value in zip(row, new))
        changed += filled != row
        rows.append(filled)
    rows += list(now.values())
    changed += len(now)
    if changed:
        tmp = report.with_name("_" + report.name)
        replace_tables(report, tmp, {OPHOLD.name: rows}, headers={OPHOLD.name: OPHOLD.headers})
        os.replace(tmp, report)
    return changed


def _subprocess(*args, cwd=None):
    res = subprocess.run([sys.executable, "-m", "xl_underskud", *map(str, args)],
                         capture_output=True, text=True, cwd=cwd,
                         env=dict(os.environ, PYTHONIOENCODING="utf-8"))
    return res


@dataclass
class Quarter:
    quarter: int
    reports: list[Path]
    master: Path  # what saml wrote
    statements: Path  # afregning's folder
    ledger_copy: Path  # the next master (the ledger copy; `master` when nothing was settled)
    outputs: dict = field(default_factory=dict)  # command → stdout
    json: dict = field(default_factory=dict)  # beregn --json on `master` before afregning


@dataclass
class Year:
    folder: Path
    start: Path
    quarters: list[Quarter]
    final: dict  # beregn --aar YEAR --json on the last ledger copy


def run_year(folder: Path, *, deduct: bool = False, run=_subprocess, echo=print,
             late: dict | None = None, late_departures: dict | None = None) -> Year:
    """The whole year in `folder` (new). `run(*args, cwd=…)` runs one `xl-underskud` command and
    returns an object with returncode, stdout and stderr; every command must succeed (but for
    `afregning` with nothing to settle). `late` and `late_departures` replace LATE and
    LATE_DEPARTURES."""
    scenario = {"late": late, "late_departures": late_departures}
    folder = Path(folder)
    folder.mkdir(parents=True)

    def xl(*args, nothing_ok: bool = False) -> str | None:
        echo("$ xl-underskud " + " ".join(map(str, args)))
        res = run(*args, cwd=folder)
        if nothing_ok and res.returncode == 1 and "Intet at afregne" in res.stderr:
            echo(res.stderr.rstrip())
            return None  # a quarter with nothing to settle: nothing is written
        if res.returncode != 0:
            raise SystemExit(f"xl-underskud {' '.join(map(str, args))} fejlede "
                             f"({res.returncode}):\n{res.stdout}{res.stderr}")
        if not str(args[-1]) == "--json":
            echo(res.stdout.rstrip())
        return res.stdout

    from xl_underskud.core.collect import slug

    start = start_master(folder / f"Master_{YEAR}.xlsx", deduct, **scenario)
    echo(f"# {start.name}: eksemplet med kvartalsvis afregning af {YEAR} og opholdene kendt "
         f"{QUARTER_END[0]:%d-%m-%Y}" + (" (fratræk normal tomgang, belægning 99 %)"
                                         if deduct else ""))
    master, quarters = start.relative_to(folder), []
    quiet: list[str] = []  # quarters that had nothing to settle, since the last settlement
    for q in QUARTERS:
        p = period(q)
        (folder / p).mkdir()
        echo(f"\n# {p}")
        reports = []
        for operator in OPERATORS:
            report = Path(p) / f"indberetning_{slug(operator)}.xlsx"
            xl("indberetning", master, "--driftsherre", operator, "--ud", report)
            n = operator_fills_in(folder / report, q, **scenario)
            echo(f"# {operator} skriver {n} ophold (nye eller udfyldt) i {report.name}")
            reports.append(report)
        collected = Path(p) / "Master.xlsx"
        out = {"saml": xl("saml", master, *reports, "--ud", collected)}
        found = json.loads(xl("beregn", collected, "--aar", YEAR, "--json"))
        statements = Path(p) / "opgoerelser"
        # a quarter that had nothing to settle is settled as efterregulering with the next
        # one, if late data gives it an amount: said with --efterreguler (README, step 6)
        out["afregning"] = xl("afregning", collected, "--periode", p, "--dato",
                              SETTLED_ON[q].isoformat(), "--mappe", statements,
                              *[x for s in quiet for x in ("--efterreguler", s)],
                              nothing_ok=True)
        copy = statements / f"Master_afregnet_{p}.xlsx"
        if out["afregning"] is None:
            # nothing to pay and nothing to correct: no statements and no ledger copy; the
            # collected master (the same ledger, the newest stays) is the next master
            echo(f"# Intet afregnet for {p}: {collected} er næste master")
            copy = collected
            quiet.append(p)
        else:
            quiet = []
        quarters.append(Quarter(q, [folder / r for r in reports], folder / collected,
                                folder / statements, folder / copy, out, found))
        master = copy
    echo(f"\n# Hele {YEAR} på én gang, på den sidste afregnet-kopi")
    final = json.loads(xl("beregn", master, "--aar", YEAR, "--json"))
    year = Year(folder, start, quarters, final)
    settled = ledger_sums(year.quarters[-1].ledger_copy)
    total = sum(settled.values())
    echo(f"# Arket Afregnet i {master.name}: {len(ledger_rows(year.quarters[-1].ledger_copy))} "
         f"rækker, i alt {kr(total)}; årets beløb (beregn): "
         f"{kr(sum(a['beloeb_oere'] for a in final['aftaler']))}")
    return year


def ledger_rows(path: Path) -> list[tuple]:
    """tblAfregnet's rows (AftaleID, Periode, Kommunekode, Beløb, Afregnet dato, Kontrol)."""
    from xl_underskud.core.parse import parse_inputs
    from xl_underskud.xlsx.reader import read_workbook

    inputs, _ = parse_inputs(read_workbook(path))
    return [(r.agreement_id, r.period, r.municipality_code, r.amount, r.settled_on, r.check)
            for r in inputs.ledger]


def ledger_sums(path: Path) -> dict[tuple[str, str, int], int]:
    """Σ rows of tblAfregnet per (agreement, period, municipality code), in øre."""
    out: dict[tuple[str, str, int], int] = {}
    for aid, p, code, amount, _, _ in ledger_rows(path):
        out[(aid, p, code)] = out.get((aid, p, code), 0) + int(Decimal(amount) * 100)
    return out


def kr(oere: int) -> str:
    sign = "-" if oere < 0 else ""
    whole, frac = divmod(abs(oere), 100)
    return f"{sign}{whole:,}".replace(",", ".") + f",{frac:02d} kr."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mappe", type=Path, help="ny mappe, som året skrives i")
    parser.add_argument("--fradrag", action="store_true",
                        help="Fratræk normal tomgang = Ja (belægning 99 %%)")
    args = parser.parse_args(argv)
    if args.mappe.exists():
        parser.error(f"{args.mappe} findes allerede; vælg en ny mappe")
    run_year(args.mappe, deduct=args.fradrag)
    return 0


if __name__ == "__main__":
    sys.exit(main())
