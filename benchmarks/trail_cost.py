"""What the audit trail (SPEC rule 13) and the ledger (rule 14) cost at nationwide scale.

Issue 10 allows each at most +30 %. Both are measured with and without, on the nationwide
yearly workbook of `generate.py` (1,000 agreements, 20,000 places, 100,000 stays):

* ledger — the same workbook once more with every part of its settlement year already in
  tblAfregnet (about 29,000 rows written by the in-place writer, each with its Kontrol, as
  `afregning` writes them), so `beregn` also reads, checks and compares the ledger and writes
  the efterregulering. `beregn --json` and `beregn --ud` are timed as commands (a new process
  each, best of --repeat, peak RSS from the kernel).
* audit trail — in-process on the plain workbook: the JSON document with and without its
  `tomgang` and `fradrag` sections, the report with and without its Tomgang sheet(s) (the
  same settlement, so only the trail's own cost is in the difference).

    python benchmarks/trail_cost.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from generate import ensure_workbooks  # noqa: E402


def _ledger_copy(path: Path, year: int | None) -> tuple[Path, int]:
    """`path` with its settlement in tblAfregnet: every part of `year`, or of every year."""
    from xl_underskud.core.engine import evaluate
    from xl_underskud.core.declarations import AFREGNET
    from xl_underskud.core.rules.ledger import LedgerEntry
    from xl_underskud.xlsx.inplace import replace_tables
    from xl_underskud.xlsx.reader import read_workbook

    out = path.with_name(f"{path.stem}_afregnet_{year or 'alle'}.xlsx")
    settlement, _, messages = evaluate(read_workbook(path))
    assert settlement is not None, [m for m in messages if m.is_error][:3]
    settled_on = date(max(settlement.years) + 1, 2, 1)  # after every period has ended
    rows = [LedgerEntry(aid, period, code, oere, settled_on).cells()
            for aid, period, code, _, _, _, oere in settlement.part_rows()
            if year is None or period.startswith(str(year))]
    if not out.exists() or out.stat().st_mtime < path.stat().st_mtime:
        replace_tables(path, out, {AFREGNET.name: rows})
    return out, len(rows)


def _command(args: list[str], repeat: int) -> tuple[float, float]:
    """Best wall time (s) and peak RSS (MB) of `xl-underskud ARGS`, each run a new process
    (RSS from GNU time's %M, the process's own high-water mark)."""
    best, rss = float("inf"), 0.0
    for _ in range(repeat):
        t = time.perf_counter()
        res = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m", "xl_underskud",
                              *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, env={**os.environ, "PYTHONPATH": str(HERE.parent)})
        best = min(best, time.perf_counter() - t)
        assert res.returncode == 0, res.stderr[-2000:]
        rss = max(rss, int(res.stderr.strip().splitlines()[-1]) / 1024)
    return best, rss


def _best(f, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def _trail_in_process(path: Path, tmp: Path, repeat: int) -> dict[str, float]:
    from xl_underskud.core.engine import evaluate
    from xl_underskud.outputs.jsonout import settlement_sections, write_json
    from xl_underskud.outputs.tables import VACANCY_SHEET, settlement_tables
    from xl_underskud.xlsx.reader import read_workbook
    from xl_underskud.xlsx.report import write_report

    raw = read_workbook(path)
    settlement, inputs, _ = evaluate(raw)
    trail_keys = {"tomgang", "fradrag"}

    def json_doc(with_trail: bool):
        sections = settlement_sections(settlement, raw.origin)
        if not with_trail:
            sections = ((k, v) for k, v in sections if k not in trail_keys)
        write_json(sections, io.StringIO())

    def report(with_trail: bool):
        tables = settlement_tables(settlement, inputs, raw.origin)
        if not with_trail:
            tables = [t for t in tables if not t.sheet.startswith(VACANCY_SHEET)]
        write_report(tmp / "trail_cost_rapport.xlsx", tables, settlement.stamp)

    return {"json": _best(lambda: json_doc(False), repeat),
            "json+trail": _best(lambda: json_doc(True), repeat),
            "report": _best(lambda: report(False), repeat),
            "report+trail": _best(lambda: report(True), repeat)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--year", type=int, default=2024, help="the settled year of the small ledger")
    args = p.parse_args(argv)
    path = ensure_workbooks(["År"])["År"]
    print(f"load: {os.getloadavg()[0]:.2f}; workbook {path.name}")
    tmp = HERE / "_work"
    rows = []
    # One settled year recomputed by `beregn --aar` (the yearly run), and the whole history
    # (every year settled) recomputed by `beregn` (all years): the ledger's two sizes.
    for year in (args.year, None):
        ledger, n = _ledger_copy(path, year)
        aar = ["--aar", str(year)] if year else []
        for what, extra in (("--json", ["--json"]),
                            ("--ud", ["--ud", str(tmp / "trail_cost_ud.xlsx"), "--overskriv"])):
            plain = _command(["beregn", str(path), *aar, *extra], args.repeat)
            with_ledger = _command(["beregn", str(ledger), *aar, *extra], args.repeat)
            rows.append((f"beregn {' '.join(aar)} {what}: ledger {n:,} rows", plain,
                         with_ledger))
    trail = _trail_in_process(path, tmp, args.repeat)
    print(f"{'':44}{'without':>9}{'with':>9}{'cost':>7}   peak RSS without / with")
    for name, (t0, r0), (t1, r1) in rows:
        print(f"{name:44}{t0:>8.2f}s{t1:>8.2f}s{(t1 / t0 - 1) * 100:>+6.0f}%   "
              f"{r0:.0f} / {r1:.0f} MB")
    # The trail is always on in the commands: its cost is the in-process difference, against
    # the command's time without it.
    commands = {"JSON": rows[2][1][0], "report": rows[3][1][0]}  # all years, no ledger
    for name, key in (("JSON", "json"), ("report", "report")):
        extra = trail[key + "+trail"] - trail[key]
        without = commands[name] - extra
        print(f"{'beregn ' + ('--json' if name == 'JSON' else '--ud') + ': audit trail':44}"
              f"{without:>8.2f}s{commands[name]:>8.2f}s{extra / without * 100:>+6.0f}%   "
              f"(in-process {name}: {trail[key]:.2f} s without, {trail[key + '+trail']:.2f} s with)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
