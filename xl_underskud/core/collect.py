"""Collect the operators' reports into the master (issue 11: indberetning and saml).

Pure: typed records in, merged records and messages out. The shells read the files and write
the new master; nothing here opens a file.

The rules of the merge (what an operator may change in its report):
- **Aftaler and Takster are the secretariat's.** The report must hold exactly the master's
  agreements and rates of its operator; a row added, missing or changed is a conflict.
- **Pladser and Ophold are the operator's to extend.** The operator knows when a place was first
  used and who lives there. A report may add places to its own agreements and stays on its own
  agreements, and may *complete* a row the master has: fill in a blank (a stay's Til dato and
  Betalt til when the citizen moves out, a place's Ibrugtagningsdato). A value that contradicts
  the master's (or another report's) is a conflict: what was collected may have been settled,
  so only the secretariat changes it, in the master.
- **A row missing from a report is kept.** A report is "the stays so far": a stay or place of the
  master that the report lacks stays in the master, with a warning naming it.
- A place or stay on an agreement the report's operator does not run is a conflict; so is a
  report of another format version than the master's.
- **A report is never newer than the master.** A report carries what was settled on its
  operator's agreements (sheet Afregnet) when it was made. A settled row the report has and
  the master lacks means the report was made from a newer master (the ledger copy of a later
  `afregning`): merged into this older master, what was settled since would be settled again.
  That is an error naming the rows; so is a report whose ledger no longer matches its seal.

Every conflict is an error naming the file, sheet, row and column; all are reported together
and the shell writes nothing then. Merging the same reports into the result again changes
nothing (the master's rows keep their order; new rows follow in the master's agreement order,
then the report's row order), so `saml` is idempotent.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from xl_underskud.core import municipalities as muni
from xl_underskud.core.dates import fmt
from xl_underskud.core.declarations import AFREGNET, AFTALER, OPHOLD, PLADSER, TAKSTER, Table
from xl_underskud.core.records import Agreement, Inputs, Message, Place, Severity, Source, Stay

OPERATOR_PROPERTY = "xl_underskud_driftsherre"  # the report's operator, set by indberetning


@dataclass(frozen=True)
class Report:
    """One operator's report workbook, as read by a shell."""

    name: str  # the file name, named in every message about it
    operator: str | None  # the document property OPERATOR_PROPERTY (None: not a report)
    format_version: int | None
    inputs: Inputs


@dataclass(frozen=True)
class Collected:
    places: tuple[Place, ...]
    stays: tuple[Stay, ...]
    messages: tuple[Message, ...]
    added_places: int = 0
    added_stays: int = 0
    completed: int = 0  # rows of the master with a blank filled in by a report
    # (sheet, row in the new master) → (file, row) where a new or completed row came from
    origins: dict = field(default_factory=dict)


def _message(severity: Severity, file: str | None, table: Table | None, row: int | None,
             field: str | None, text: str) -> Message:
    sheet = table.sheet if table else None
    column = table.header(field) if table and field else None
    return Message(severity, Source(sheet, row, column, file), text)


def _error(file, table, row, field, text) -> Message:
    return _message(Severity.ERROR, file, table, row, field, text)


def _warning(file, table, row, field, text) -> Message:
    return _message(Severity.WARNING, file, table, row, field, text)


def _row_list(rows: list[int]) -> str:
    """[5, 6, 7, 9] → '5-7, 9'."""
    spans: list[list[int]] = []
    for r in sorted(rows):
        if spans and r == spans[-1][1] + 1:
            spans[-1][1] = r
        else:
            spans.append([r, r])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _newer_ledger(report: Report, master: Inputs, master_name: str,
                  messages: list[Message]) -> None:
    """The report's settled rows (sheet Afregnet) against the master's: its ledger must match
    its seal, and every row of it must be in the master's ledger (as many times)."""
    from collections import Counter

    from xl_underskud.core.rules.ledger import check_seal, entries

    broken = [m for m in check_seal(report.inputs) if m.is_error]
    if broken:
        messages.extend(replace(m, source=replace(m.source, file=report.name)) for m in broken)
        return
    have = Counter(entries(master.ledger))
    newer = []
    for row in report.inputs.ledger:
        found = entries([row])
        if not found:
            continue  # an amount in parts of an øre: the report's own error, not ours
        if have[found[0]] > 0:
            have[found[0]] -= 1
        else:
            newer.append(row)
    if not newer:
        return
    first = newer[0]
    periods = ", ".join(sorted({r.period for r in newer}))
    messages.append(_error(
        report.name, AFREGNET, first.row, None,
        f"{report.name} har {len(newer)} afregnede {'række' if len(newer) == 1 else 'rækker'} "
        f"(række {_row_list([r.row for r in newer])}: {periods}, fx {first.agreement_id}, "
        f"{first.period}, {first.municipality_code}, afregnet {fmt(first.settled_on)}), som "
        f"{master_name} ikke har: indberetningen er lavet af en nyere master. Brug den nyeste "
        f"afregnet-kopi (…_afregnet_….xlsx) som master; ellers bliver det afregnede afregnet "
        f"igen."))


def operator_agreements(agreements, name: str) -> tuple[Agreement, ...]:
    """The agreements an operator runs; the name is matched as the workbook's operator names
    are (case and spacing forgiven, "Gladsaxe Kommune" = "Gladsaxe")."""
    code = muni.code_for(name)
    folded = " ".join(name.split()).casefold()
    return tuple(a for a in agreements
                 if (code is not None and a.operator_code == code)
                 or " ".join(a.operator.split()).casefold() == folded)


def operators(agreements) -> list[str]:
    """The operators of a workbook's agreements, as written there, sorted."""
    return sorted({a.operator for a in agreements}, key=str.casefold)


def slug(name: str) -> str:
    """An operator's name for a file name: region_hovedstaden, hoeje_taastrup."""
    text = name.casefold()
    for a, b in (("æ", "ae"), ("ø", "oe"), ("å", "aa"), ("é", "e"), ("ü", "u")):
        text = text.replace(a, b)
    out = "".join(ch if ch.isascii() and ch.isalnum() else "_" for ch in text)
    return "_".join(part for part in out.split("_") if part) or "driftsherre"


def _values(record, table: Table) -> tuple:
    return tuple(getattr(record, c.field) for c in table.columns)


def _show(value, column) -> str:
    """A value as the workbook shows it: 01-04-2022, 4.455,75, 92 %, "Gladsaxe", tom."""
    if value is None:
        return "tom"
    if hasattr(value, "year") and hasattr(value, "day"):
        return fmt(value)
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if column.kind.is_number:
        return column.bound_text(value)
    return str(value)


def _same_rows(report: Report, table: Table, master_rows, report_rows, key, what: str,
               messages: list[Message]) -> None:
    """Rows the operator may not change: the report's must be the master's, one for one."""
    master = {key(r): r for r in master_rows}
    seen = set()
    for rec in report_rows:
        k = key(rec)
        seen.add(k)
        old = master.get(k)
        if old is None:
            messages.append(_error(report.name, table, rec.row, table.unique[-1],
                                   f"{what(k)} findes ikke i masteren for driftsherren "
                                   f"{report.operator}. {table.sheet} kan kun ændres af "
                                   f"sekretariatet, i masteren."))
            continue
        for column in table.columns:
            new, was = getattr(rec, column.field), getattr(old, column.field)
            if new != was:
                messages.append(_error(report.name, table, rec.row, column.field,
                                       f"{what(k)} er ændret: {column.header} er "
                                       f"{_show(new, column)} i filen og {_show(was, column)} i "
                                       f"masteren. {table.sheet} kan kun ændres af "
                                       f"sekretariatet, i masteren."))
    for k, old in master.items():
        if k not in seen:
            messages.append(_error(report.name, table, None, None,
                                   f"{what(k)} (række {old.row} i masteren) mangler i filen. "
                                   f"{table.sheet} kan kun ændres af sekretariatet, i "
                                   f"masteren."))


@dataclass
class _Row:
    record: object
    file: str | None  # None: the master's row
    row: int | None
    completed_by: tuple[str, int | None] | None = None  # (file, row) that filled a blank
    filled: dict = field(default_factory=dict)  # field → the file that filled its blank


def _complete(table: Table, current: _Row, rec, report: Report, what: str,
              master_label: str, messages: list[Message]) -> bool:
    """Fill the blanks of `current` from `rec`; a contradiction is a conflict. True when a
    blank was filled."""
    changes, conflict = {}, False
    for column in table.columns:
        old, new = getattr(current.record, column.field), getattr(rec, column.field)
        if new is None or old == new:
            continue
        if old is None:
            changes[column.field] = new
            continue
        conflict = True
        # the value the row holds came from the master, or from the report that filled it
        holder = current.filled.get(column.field, master_label)
        messages.append(_error(report.name, table, rec.row, column.field,
                               f"{what} har {column.header} {_show(new, column)} i filen, "
                               f"men {_show(old, column)} i {holder}. Et indsamlet "
                               f"ophold eller en plads kan kun ændres af sekretariatet, i "
                               f"masteren; en tom celle må gerne udfyldes."))
    if changes and not conflict:  # a row that contradicts is not half merged
        current.record = replace(current.record, **changes)
        current.filled.update({f: report.name for f in changes})
        return True
    return False


def collect(master: Inputs, master_name: str, format_version: int | None,
            reports: list[Report]) -> Collected:
    """The master's places and stays with the reports' merged in, and every conflict.
    `format_version` is the version every report must have (the master's)."""
    master_version = format_version
    messages: list[Message] = []
    order = {a.agreement_id: i for i, a in enumerate(master.agreements)}
    places = {(p.agreement_id, p.place_no): _Row(p, None, p.row) for p in master.places}
    stays = {s.stay_id: _Row(s, None, s.row) for s in master.stays}
    new_places: dict[tuple, _Row] = {}
    new_stays: dict[str, _Row] = {}
    completed: set[tuple[str, object]] = set()

    for report in reports:
        if report.format_version != master_version:
            messages.append(_error(report.name, None, None, None,
                                   f"{report.name} er lavet med formatversion "
                                   f"{report.format_version or 'ukendt'}, men masteren har "
                                   f"formatversion {master_version or 'ukendt'}. Lav en ny "
                                   f"indberetning af masteren med 'xl-underskud indberetning', "
                                   f"og lad driftsherren skrive opholdene i den."))
            continue
        if not report.operator:
            messages.append(_error(report.name, None, None, None,
                                   f"{report.name} er ikke en indberetning lavet med "
                                   f"'xl-underskud indberetning' (dokumentegenskaben "
                                   f"{OPERATOR_PROPERTY} mangler)."))
            continue
        own = operator_agreements(master.agreements, report.operator)
        if not own:
            messages.append(_error(report.name, None, None, None,
                                   f"Driftsherren {report.operator} i {report.name} driver "
                                   f"ingen aftaler i masteren."))
            continue
        own_ids = {a.agreement_id for a in own}
        _newer_ledger(report, master, master_name, messages)
        _same_rows(report, AFTALER, own, report.inputs.agreements, lambda a: a.agreement_id,
                   lambda k: f"Aftalen {k}", messages)
        _same_rows(report, TAKSTER, [r for r in master.rates if r.agreement_id in own_ids],
                   report.inputs.rates, lambda r: (r.agreement_id, r.year),
                   lambda k: f"Taksten for aftale {k[0]} i {k[1]}", messages)

        def foreign(table, rec, what):
            messages.append(_error(report.name, table, rec.row, "agreement_id",
                                   f"{what} ligger på aftalen {rec.agreement_id}, som "
                                   f"driftsherren {report.operator} ikke driver."))

        seen_places = set()
        for p in report.inputs.places:
            key = (p.agreement_id, p.place_no)
            seen_places.add(key)
            what = f"Plads {p.place_no} i aftale {p.agreement_id}"
            if p.agreement_id not in own_ids:
                foreign(PLADSER, p, what)
            elif key in places:
                if _complete(PLADSER, places[key], p, report, what, "masteren", messages):
                    completed.add(("place", key))
                    places[key].completed_by = (report.name, p.row)
            elif key in new_places:
                _complete(PLADSER, new_places[key], p, report, what,
                          new_places[key].file, messages)
            else:
                new_places[key] = _Row(p, report.name, p.row)
        seen_stays = set()
        for s in report.inputs.stays:
            seen_stays.add(s.stay_id)
            what = f"Opholdet {s.stay_id}"
            if s.agreement_id not in own_ids:
                foreign(OPHOLD, s, what)
            elif s.stay_id in stays:
                if _complete(OPHOLD, stays[s.stay_id], s, report, what, "masteren", messages):
                    completed.add(("stay", s.stay_id))
                    stays[s.stay_id].completed_by = (report.name, s.row)
            elif s.stay_id in new_stays:
                _complete(OPHOLD, new_stays[s.stay_id], s, report, what,
                          new_stays[s.stay_id].file, messages)
            else:
                new_stays[s.stay_id] = _Row(s, report.name, s.row)
        for key, row in places.items():
            if row.record.agreement_id in own_ids and key not in seen_places:
                messages.append(_warning(report.name, PLADSER, None, None,
                                         f"Plads {key[1]} i aftale {key[0]} (række {row.row} i "
                                         f"masteren) står ikke i filen; den bevares."))
        for stay_id, row in stays.items():
            if row.record.agreement_id in own_ids and stay_id not in seen_stays:
                messages.append(_warning(report.name, OPHOLD, None, None,
                                         f"Opholdet {stay_id} (række {row.row} i masteren) står "
                                         f"ikke i filen; det bevares."))

    def ordered(new: dict, key) -> list[_Row]:
        return sorted(new.values(), key=lambda r: (order.get(r.record.agreement_id, len(order)),
                                                   key(r.record)))

    merged_places = list(places.values()) + ordered(new_places, lambda p: (p.place_no,))
    merged_stays = list(stays.values()) + ordered(new_stays, lambda s: (s.row or 0,))
    # The merged records are numbered 1, 2, … in their new order; `origins` maps each number
    # back to the file and row it came from, so that a check of the merged tables names a row
    # the user can find (a completed row: the report's row that filled the blank).
    origins = {}
    out_places, out_stays = [], []
    for table, rows, out in ((PLADSER, merged_places, out_places),
                             (OPHOLD, merged_stays, out_stays)):
        for number, row in enumerate(rows, start=1):
            out.append(replace(row.record, row=number))
            origins[(table.sheet, number)] = (row.completed_by or
                                              (row.file or master_name, row.row))
    return Collected(tuple(out_places), tuple(out_stays), tuple(messages),
                     added_places=len(new_places), added_stays=len(new_stays),
                     completed=len(completed), origins=origins)


def trace(messages, origins: dict) -> list[Message]:
    """Messages about the merged tables, each pointing at the file and row its row came from
    (a report's new or completing row) or at the master's row."""
    out = []
    for m in messages:
        sheet = m.source.sheet

        def other_row(match, sheet=sheet):
            # a row the text names besides its own ("overlapper ophold O-109 (række 22)"):
            # a number of the merged tables, which no file has; named by its file and row
            origin = origins.get((sheet, int(match.group(1))))
            return match.group(0) if origin is None else f"række {origin[1]} i {origin[0]}"

        m = replace(m, text=_OTHER_ROW.sub(other_row, m.text))
        origin = origins.get((sheet, m.source.row))
        if origin is not None:
            file, row = origin
            m = replace(m, source=replace(m.source, file=file, row=row))
        out.append(m)
    return out


_OTHER_ROW = re.compile(r"\brække (\d+)\b")


def row_values(records, table: Table) -> list[tuple]:
    """Records as table rows, values in the declared column order."""
    return [_values(r, table) for r in records]
