"""Shell: the commands `indberetning` (one operator's report workbook, from the master) and
`saml` (the reports merged into a new master). The merge rules live in `core/collect.py`; this
module reads the files, prints the messages and writes the one output file (or nothing)."""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from xl_underskud.cli.main import EXIT_OK, EXIT_USAGE, _fail, _print_messages, target_problem
from xl_underskud.core.collect import (OPERATOR_PROPERTY, Report, collect, operator_agreements,
                                       operators, row_values, slug, trace)
from xl_underskud.core.declarations import (AFREGNET, AFTALER, FORMAT_VERSION,
                                            LEDGER_SEAL_PROPERTY, OMKOSTNINGER, OPHOLD, PLADSER,
                                            TAKSTER)
from xl_underskud.core.rules.ledger import entries, parse_seal, seal
from xl_underskud.core.records import error

# The operator's report: agreements and rates are the secretariat's (protected, no password:
# a guard against editing by mistake); places and stays are the operator's to extend.
PROTECTED_SHEETS = (AFTALER.sheet, TAKSTER.sheet)


def _count(n: int, one: str, more: str) -> str:
    """'1 nyt ophold', '0 nye ophold', '2 nye ophold'."""
    return f"{n} {one if n == 1 else more}"


def _with_file(messages, name: str):
    return [replace(m, source=replace(m.source, file=name)) for m in messages]


def _read_master(path: Path, args):
    """(raw, inputs) of a master that can be split or merged into, or (None, exit code)."""
    from xl_underskud.core.parse import parse_inputs
    from xl_underskud.xlsx.reader import read_workbook

    raw = read_workbook(path)
    errors = [m for m in raw.messages if m.is_error]
    if errors:
        return None, _fail(args, _with_file(errors, path.name))
    inputs, messages = parse_inputs(raw)
    errors = [m for m in messages if m.is_error]
    if errors:
        return None, _fail(args, _with_file(errors, path.name) + [
            error(None, None, None, f"Ret fejlene i {path.name} (xl-underskud valider), og prøv "
                                    f"igen.")])
    from xl_underskud.core.rules.ledger import check_seal

    # the master's ledger against its seal: a report or a merged master made from a ledger
    # with rows missing would carry the loss on (and a report's seal would hide it)
    errors = [m for m in check_seal(inputs) if m.is_error]
    if errors:
        return None, _fail(args, _with_file(errors, path.name))
    if raw.format_version is not None and raw.format_version < FORMAT_VERSION:
        return None, _fail(args, [error(None, None, None,
                                        f"{path.name} har formatversion {raw.format_version}; "
                                        f"kør først 'xl-underskud opgrader {path.name} --ud "
                                        f"NY{path.suffix}', og brug den nye fil.")])
    return (raw, inputs), None


def cmd_indberetning(args) -> int:
    from xl_underskud.dst.folk1a import rebuild_input, table_rows
    from xl_underskud.xlsx.template import build_workbook

    master = Path(args.fil)
    if args.ud and Path(args.ud).suffix.lower() != ".xlsx":
        # the operator's copy never carries macros
        print(f"xl-underskud indberetning: fejl: indberetningen skal have endelsen .xlsx "
              f"({Path(args.ud).name}).", file=sys.stderr)
        return EXIT_USAGE
    read, code = _read_master(master, args)
    if read is None:
        return code
    raw, inputs = read
    own = operator_agreements(inputs.agreements, args.driftsherre)
    if not own:
        known = operators(inputs.agreements)
        listed = ", ".join(known) if known else "ingen (arket Aftaler er tomt)"
        return _fail(args, [error(AFTALER.sheet, None, AFTALER.header("operator"),
                                  f'"{args.driftsherre[:60]}" driver ingen aftaler i '
                                  f"{master.name}. Driftsherrerne er: {listed}.")])
    operator = own[0].operator
    out = Path(args.ud) if args.ud else master.with_name(
        f"{master.stem}_indberetning_{slug(operator)}.xlsx")
    if problem := target_problem(out, master, args.overskriv, "--ud"):
        return _fail(args, [problem])

    ids = {a.agreement_id for a in own}
    offers = {a.offer for a in own}
    keep_rows = {  # the Excel rows of the operator's records, table by table
        AFTALER.name: {a.row for a in own},
        PLADSER.name: {p.row for p in inputs.places if p.agreement_id in ids},
        TAKSTER.name: {r.row for r in inputs.rates if r.agreement_id in ids},
        OPHOLD.name: {s.row for s in inputs.stays if s.agreement_id in ids},
        OMKOSTNINGER.name: {c.row for c in inputs.costs if c.offer in offers},
        # what was settled on its own agreements only: another operator's ledger rows would be
        # read as agreements gone from Aftaler ("efterreguleres til 0 kr.") in the report
        AFREGNET.name: {r.row for r in inputs.ledger if r.agreement_id in ids},
    }
    data = {}
    for name, table in raw.tables.items():
        rows = table_rows(table)
        if name in keep_rows:  # the other tables (population, coverage, PL index) are shared
            rows = [r for r, raw_row in zip(rows, table.rows) if raw_row.row in keep_rows[name]]
        data[name] = rows
    _, settings = rebuild_input(raw)
    properties = {OPERATOR_PROPERTY: operator}
    if parse_seal(inputs.ledger_seal) is not None:  # a sealed master gives a sealed report
        properties[LEDGER_SEAL_PROPERTY] = seal(e for e in entries(inputs.ledger)
                                                if e.agreement_id in ids)
    build_workbook(out, data, settings, protected=PROTECTED_SHEETS, properties=properties)
    counts = {name: len(data.get(name, [])) for name in keep_rows}
    print(f"Indberetning til {operator}: {counts[AFTALER.name]} aftaler, "
          f"{counts[PLADSER.name]} pladser, {counts[TAKSTER.name]} takster og "
          f"{counts[OPHOLD.name]} ophold indtil nu.")
    print(f"Arkene {' og '.join(PROTECTED_SHEETS)} er skrivebeskyttet (uden adgangskode). "
          f"Driftsherren skriver nye ophold i arket {OPHOLD.sheet} (og kan tilføje pladser og "
          f"ibrugtagningsdatoer i arket {PLADSER.sheet}); sekretariatet samler filerne med "
          f"'xl-underskud saml'.")
    print(f"Skrevet: {out} ({master.name} er uændret).")
    return EXIT_OK


def cmd_saml(args) -> int:
    from xl_underskud.core.checks import check_inputs
    from xl_underskud.core.parse import parse_inputs
    from xl_underskud.core.rules.windows import guarantee_windows
    from xl_underskud.xlsx.inplace import InPlaceError, replace_tables
    from xl_underskud.xlsx.reader import read_workbook

    master, out = Path(args.fil), Path(args.ud)
    files = [Path(f) for f in args.filer]
    if out.suffix.lower() != master.suffix.lower():
        # the new master is the old package with new rows: the same kind of file
        print(f"xl-underskud saml: fejl: den nye master skal have samme endelse som "
              f"{master.name} ({master.suffix}).", file=sys.stderr)
        return EXIT_USAGE
    if problem := target_problem(out, master, args.overskriv, "--ud"):
        return _fail(args, [problem])
    for f in files:
        if out.exists() and f.exists() and out.resolve() == f.resolve():
            return _fail(args, [error(None, None, None,
                                      f"Der må ikke skrives oven i indfilen ({f.name}); vælg et "
                                      f"andet navn med --ud.")])
    read, code = _read_master(master, args)
    if read is None:
        return code
    raw, inputs = read

    messages = []
    reports = []
    for f in files:
        report_raw = read_workbook(f)
        errors = [m for m in report_raw.messages if m.is_error]
        if not errors:
            report_inputs, parse_messages = parse_inputs(report_raw)
            errors = [m for m in parse_messages if m.is_error]
        if errors:
            messages += _with_file(errors, f.name)
            continue
        reports.append(Report(f.name, report_raw.properties.get(OPERATOR_PROPERTY),
                              report_raw.format_version, report_inputs))
    result = collect(inputs, master.name, raw.format_version or FORMAT_VERSION, reports)
    messages += result.messages
    if not any(m.is_error for m in messages):
        # the merged tables must hold together as one workbook: every reference, overlap and
        # window, traced back to the file and row each merged row came from
        merged = replace(inputs, places=result.places, stays=result.stays)
        checks = [m for m in check_inputs(merged) + guarantee_windows(merged)[1] if m.is_error]
        messages += trace(checks, result.origins)
    errors = [m for m in messages if m.is_error]
    if errors:
        return _fail(args, sorted(messages, key=lambda m: not m.is_error))
    try:
        replace_tables(master, out, {PLADSER.name: row_values(result.places, PLADSER),
                                     OPHOLD.name: row_values(result.stays, OPHOLD)},
                       headers={PLADSER.name: PLADSER.headers, OPHOLD.name: OPHOLD.headers})
    except InPlaceError as exc:  # the message names sheet and row; the file is the master
        return _fail(args, _with_file([error(None, None, None, str(exc))], master.name))
    _print_messages(messages, sys.stdout)
    print(f"{_count(len(reports), 'indberetning', 'indberetninger')} samlet i {out}: "
          f"{_count(result.added_stays, 'nyt ophold', 'nye ophold')}, "
          f"{_count(result.added_places, 'ny plads', 'nye pladser')}, "
          f"{_count(result.completed, 'række', 'rækker')} udfyldt; i alt "
          f"{len(result.stays)} ophold og {len(result.places)} pladser.")
    print(f"{master.name} og indberetningerne er uændrede.")
    return EXIT_OK
