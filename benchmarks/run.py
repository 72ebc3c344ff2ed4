"""Benchmark the settlement of a nationwide-scale standard workbook.

For each settlement period (default: År and Måned) the script
1. makes sure a synthetic workbook exists in benchmarks/_work/ (see generate.py; the data are
   generated once from the seed and written once per period, since Periode is a workbook
   setting);
2. runs the pipeline in a fresh worker process, timing every phase separately:
     read      xlsx.reader.read_workbook
     parse     parse.parse_inputs                       (field-level validation)
     checks    checks.check_inputs                      (cross-row validation)
     compute   settlement.settle                        (runs check_inputs itself, then the
                                                         rules; a breakdown of its steps follows)
     tables    output_tables.settlement_tables
     write     xlsx.report.write_report
   and the RSS high-water mark (resource.getrusage ru_maxrss) after each phase; parse, checks
   and compute are repeated (--repeat) and the best time is reported (the first run is shown
   too when slower); `tables` and `write` are split further by timing the module-level helpers
   exposure_table and render_table (per sheet) through wrappers;
3. runs `xl-underskud valider FIL` and `xl-underskud beregn FIL --ud OUT` as subprocesses and
   reports their wall time and peak RSS (os.wait4);
4. prints one table per period and checks the targets (compute ≤ 0.5 s, beregn ≤ 10 s) and
   Excel's row limit (1,048,576 rows per sheet) in the written report;
5. with --scales (default 1,2,5: nationwide, 2× and 5× nationwide, yearly), runs steps 1–3 for
   each size as well (agreements, places and stays multiplied) and prints one table of every
   stage per size — wall seconds and the RSS high-water mark — with the growth from the
   smallest size beside it, so a stage that grows faster than the data shows (targets at 5×:
   beregn --ud ≤ 22 s and ≤ 1.5 GB).

Options: --profile writes cProfile data per phase to benchmarks/_work/ and prints the top
functions; --tracemalloc adds an (untimed) pass that measures Python's peak allocation per
phase. A full run at the default size takes about 10 minutes on 2 cores (the Måned report
alone takes minutes). Run from the repo root:

    python benchmarks/run.py                          # År and Måned, then År at 1×, 2×, 5×
    python benchmarks/run.py --periods År --scales 1      # nationwide yearly only
    python benchmarks/run.py --periods År --profile
    python benchmarks/run.py --agreements 100 --places 2000 --stays 10000   # smaller scale
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "_work"
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (benchmarks/generate.py)

EXCEL_MAX_ROWS = 1_048_576
TARGET_COMPUTE_S = 0.5
TARGET_BEREGN_S = 10.0
# issue 10 at nationwide scale (2 cores): yearly beregn --ud ≤ 4.5 s and --json ≤ 3 s; peak
# RSS of every command ≤ 400 MB yearly and ≤ 600 MB monthly
TARGETS = {"År": {"beregn": 4.5, "json": 3.0}}
TARGET_RSS_MB = {"År": 400, "Kvartal": 600, "Måned": 600}
PERIODS = ("År", "Kvartal", "Måned")


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# --------------------------------------------------------------------------------------------
# Worker: the in-process pipeline (one fresh process per workbook, so RSS is per scenario)
# --------------------------------------------------------------------------------------------

def _settle_breakdown(inputs) -> dict[str, float]:
    """Time the steps of settlement.settle one by one, in the order settle runs them.

    This mirrors settle()'s body (private helpers included) for attribution only; the figure
    that counts is `compute` (settle itself). Returns {} if the internals have changed.
    """
    try:
        from xl_underskud.core.rules import settlement as st
        from xl_underskud.core.rules.amounts import agreement_periods
        from xl_underskud.core.checks import check_inputs
        from xl_underskud.core.rules.vacancy import vacancy_by_period
        from xl_underskud.core.rules.windows import guarantee_windows

        out = {}
        t = time.perf_counter()
        check_inputs(inputs)
        out["checks"] = time.perf_counter() - t
        t = time.perf_counter()
        windows, _ = guarantee_windows(inputs)
        out["windows"] = time.perf_counter() - t
        t = time.perf_counter()
        year = inputs.settings.settlement_year
        vacancy = vacancy_by_period(windows, inputs.stays, inputs.settings.period,
                                    {year} if year is not None else None)
        out["vacancy"] = time.perf_counter() - t
        t = time.perf_counter()
        periods, _ = agreement_periods(vacancy, inputs.rates, inputs.settings)
        out["amounts"] = time.perf_counter() - t
        t = time.perf_counter()
        community = st._paying_community(inputs)
        parts, _ = st._distribute(periods, inputs, community)
        out["distribute"] = time.perf_counter() - t
        t = time.perf_counter()
        st._positions(periods, parts, inputs, community)
        out["positions"] = time.perf_counter() - t
        return out
    except Exception as exc:  # the package moved on: the breakdown is optional
        return {"error": repr(exc)}


def _install_spies() -> dict[str, float]:
    """Wrap a few module-level helpers to see where `tables` and `write` spend their time.

    settlement_tables looks up exposure_table, and write_report looks up render_table, as
    module globals at call time, so replacing the attribute times every call without touching
    the package. Missing helpers (the package moved on) are simply not reported.
    """
    from xl_underskud.outputs import tables as output_tables
    from xl_underskud.xlsx import report

    spent: dict[str, float] = {}

    def spy(module, name, label):
        original = getattr(module, name, None)
        if original is None:
            return

        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                key = label(args)
                spent[key] = spent.get(key, 0.0) + time.perf_counter() - t
        setattr(module, name, wrapper)

    spy(output_tables, "exposure_table", lambda args: "tables: exposure_table")
    spy(report, "render_table", lambda args: f"write: render {args[2].sheet}")
    return spent


def _report_rows(path: Path) -> dict[str, int]:
    """Rows per sheet of a written report, from each sheet's <dimension> element (cheap)."""
    out = {}
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        names = re.findall(r'<sheet name="([^"]+)"', wb)
        for i, name in enumerate(names, start=1):
            with z.open(f"xl/worksheets/sheet{i}.xml") as fh:
                head = fh.read(4096)
            m = re.search(rb'<dimension ref="[A-Z]+\d+:?[A-Z]*(\d*)"', head)
            out[name] = int(m.group(1)) if m and m.group(1) else 1
    return out


def worker(path: Path, out: Path, repeat: int, profile: bool, trace: bool) -> dict:
    from xl_underskud.cli.main import tune_garbage_collector

    tune_garbage_collector()  # as the command line does
    import cProfile
    import pstats

    from xl_underskud.core.checks import check_inputs
    from xl_underskud.outputs.tables import settlement_tables
    from xl_underskud.core.parse import parse_inputs
    from xl_underskud.core.rules.settlement import settle
    from xl_underskud.xlsx.reader import read_workbook
    from xl_underskud.xlsx.report import HEADER_ROW, write_report

    res = {"times": {}, "rss_mb": {}, "counts": {}, "profiles": {}}
    res["rss_mb"]["import"] = _maxrss_mb()

    def timed(name, fn, n=1):
        best, value, first = None, None, None
        for _ in range(n):
            if profile:
                prof = cProfile.Profile()
                t = time.perf_counter()
                value = prof.runcall(fn)
                elapsed = time.perf_counter() - t
            else:
                t = time.perf_counter()
                value = fn()
                elapsed = time.perf_counter() - t
            best = elapsed if best is None else min(best, elapsed)
            first = elapsed if first is None else first
        res["times"][name] = best
        res.setdefault("first", {})[name] = first
        res["rss_mb"][name] = _maxrss_mb()
        if profile:
            dump = WORK / f"profile_{path.stem}_{name}.prof"
            prof.dump_stats(dump)
            res["profiles"][name] = str(dump)
        return value

    raw = timed("read", lambda: read_workbook(path))
    inputs, parse_messages = timed("parse", lambda: parse_inputs(raw), repeat)
    check_messages = timed("checks", lambda: check_inputs(inputs), repeat)
    settlement, messages = timed("compute", lambda: settle(inputs), repeat)
    res["breakdown"] = {}
    if not profile:
        runs = [_settle_breakdown(inputs) for _ in range(repeat)]
        res["breakdown"] = {k: min(r[k] for r in runs) if k != "error" else runs[0][k]
                            for k in runs[0]}
    all_messages = list(raw.messages) + parse_messages + messages
    errors = [m for m in all_messages if m.is_error]
    res["counts"].update(
        stays=len(inputs.stays), places=len(inputs.places), agreements=len(inputs.agreements),
        errors=len(errors), warnings=len(all_messages) - len(errors),
        check_messages=len(check_messages))
    if settlement is None:
        res["error"] = "; ".join(m.text for m in errors[:3])
        return res
    res["counts"].update(agreement_periods=len(settlement.agreement_periods),
                         parts=len(settlement.parts), positions=len(settlement.positions),
                         total_oere=settlement.total_oere)
    # The audit trail (SPEC rule 13): the runs of vacant days behind the amounts, computed
    # from the settlement's basis each time (Settlement.runs caches the first answer).
    runs = timed("audit", lambda: settlement.basis.runs(), repeat)
    res["counts"]["runs"] = len(runs)
    spies = _install_spies()
    tables = timed("tables", lambda: settlement_tables(settlement, inputs, raw.origin))
    res["counts"]["table_rows"] = {t.sheet: len(t.rows) for t in tables}
    # Sheet rows needed: header block, data rows and a totals row.
    res["counts"]["over_excel_limit"] = [
        t.sheet for t in tables if HEADER_ROW + 1 + len(t.rows) + 1 > EXCEL_MAX_ROWS]
    timed("write", lambda: write_report(out, tables, settlement.stamp))
    from xl_underskud.outputs.jsonout import settlement_sections, write_json

    with open(os.devnull, "w", encoding="utf-8") as sink:
        timed("json", lambda: write_json(settlement_sections(settlement, raw.origin), sink))
    res["sub"] = dict(spies)
    res["report_mb"] = out.stat().st_size / 1e6
    res["report_rows"] = _report_rows(out)

    if profile:
        for name, dump in res["profiles"].items():
            print(f"\n===== cProfile {path.name} · {name} (top by own time) =====")
            stats = pstats.Stats(dump)
            stats.sort_stats("tottime").print_stats(14)
            stats.sort_stats("cumulative").print_stats(10)
        sys.stdout.flush()

    if trace:
        res["tracemalloc_mb"] = _trace_pass(path, out.with_suffix(".trace.xlsx"))
    return res


def _trace_pass(path: Path, out: Path) -> dict[str, tuple[float, float]]:
    """Per phase, in MB: Python's peak allocation above what was live when the phase began,
    and what stays live after it (tracemalloc; slow, so done apart from the timed pass)."""
    import tracemalloc

    from xl_underskud.outputs.tables import settlement_tables
    from xl_underskud.core.parse import parse_inputs
    from xl_underskud.core.rules.settlement import settle
    from xl_underskud.xlsx.reader import read_workbook
    from xl_underskud.xlsx.report import write_report

    peaks = {}
    tracemalloc.start()

    def phase(name, fn):
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        value = fn()
        current, peak = tracemalloc.get_traced_memory()
        # (peak of the phase above what was live when it began, live after it)
        peaks[name] = ((peak - before) / 1e6, current / 1e6)
        return value

    raw = phase("read", lambda: read_workbook(path))
    inputs, _ = phase("parse", lambda: parse_inputs(raw))
    settlement, _ = phase("compute", lambda: settle(inputs))
    tables = phase("tables", lambda: settlement_tables(settlement, inputs, raw.origin))
    phase("write", lambda: write_report(out, tables, settlement.stamp))
    tracemalloc.stop()
    out.unlink(missing_ok=True)
    return peaks


# --------------------------------------------------------------------------------------------
# Orchestrator
# --------------------------------------------------------------------------------------------

def _cli(args: list[str], log: Path) -> tuple[float, float, int]:
    """Wall time (s), peak RSS (MB) and exit code of `python -m xl_underskud ARGS`."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    with open(log, "w", encoding="utf-8") as fh:
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "xl_underskud", *args], stdout=fh,
                                stderr=subprocess.STDOUT, env=env, cwd=REPO)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, proc.returncode


def _fmt_s(x: float | None) -> str:
    return "—" if x is None else f"{x:8.3f}"


def _print_report(period: str, path: Path, res: dict, cli: dict, repeat: int):
    times, rss = res["times"], res["rss_mb"]
    c = res["counts"]
    print()
    print(f"== Periode {period}: {path.name} ==")
    print(f"   {c['agreements']:,} aftaler, {c['places']:,} pladser, {c['stays']:,} ophold; "
          f"{c['errors']} fejl, {c['warnings']} advarsler")
    if "error" in res:
        print(f"   SETTLEMENT BLOCKED: {res['error']}")
    else:
        print(f"   {c['agreement_periods']:,} aftale-perioder, {c['parts']:,} fordelingsdele, "
              f"{c['positions']:,} positioner, {c.get('runs', 0):,} tomgangsløb; "
              f"i alt {c['total_oere'] / 100:,.2f} kr.")
    print(f"   {'phase':<34}{'seconds':>9}   {'RSS high-water MB':>17}")
    rows = [("read      read_workbook", "read"),
            (f"parse     parse_inputs (best of {repeat})", "parse"),
            (f"checks    check_inputs (best of {repeat})", "checks"),
            (f"compute   settle (best of {repeat})", "compute"),
            (f"audit     vacant runs (best of {repeat})", "audit"),
            ("tables    settlement_tables", "tables"),
            ("write     write_report", "write"),
            ("json      write_json (/dev/null)", "json")]
    first = res.get("first", {})
    for label, key in rows:
        if key in times:
            cold = (f"   (first run {first[key]:.3f})"
                    if key in first and first[key] > times[key] * 1.05 else "")
            print(f"   {label:<34}{_fmt_s(times[key])}   {rss[key]:17.0f}{cold}")
    bd = res.get("breakdown") or {}
    if "error" in bd:
        print(f"     (breakdown unavailable: {bd['error']})")
    elif bd:
        parts = ", ".join(f"{k} {v:.3f}" for k, v in bd.items())
        print(f"     compute breakdown: {parts} (sum {sum(bd.values()):.3f})")
    sub = res.get("sub") or {}
    if sub:
        write_rest = times.get("write", 0) - sum(v for k, v in sub.items() if k.startswith("write"))
        shown = {k: v for k, v in sub.items() if v >= 0.05 or k.startswith("tables")}
        shown["write: close/zip (rest)"] = write_rest
        print("     of which: " + ", ".join(f"{k} {v:.2f}" for k, v in shown.items()))
    in_process = sum(times.get(k, 0) for k in ("read", "parse", "compute", "tables", "write"))
    print(f"   {'in-process sum (read…write)':<34}{_fmt_s(in_process)}")
    for name, label in (("valider", "valider"), ("beregn", "beregn --ud"),
                        ("json", "beregn --json")):
        if name in cli:
            wall, peak, rc = cli[name]
            print(f"   {'xl-underskud ' + label:<34}{_fmt_s(wall)}   {peak:17.0f}"
                  f"   exit {rc}")
    if "tracemalloc_mb" in res:
        peaks = ", ".join(f"{k} +{v[0]:.0f}/{v[1]:.0f}" for k, v in res["tracemalloc_mb"].items())
        print(f"   tracemalloc MB per phase (peak above start / live after): {peaks}")
    if "report_mb" in res:
        print(f"   report: {res['report_mb']:.1f} MB; rows per sheet (table rows → sheet rows): "
              + ", ".join(f"{k} {c['table_rows'].get(k, 0):,} → {v:,}"
                          for k, v in res["report_rows"].items()))
    compute = times.get("compute")
    verdict = []
    if compute is not None:
        verdict.append(f"compute {'OK' if compute <= TARGET_COMPUTE_S else 'OVER'} "
                       f"({compute:.2f} s vs ≤ {TARGET_COMPUTE_S} s)")
    targets = TARGETS.get(period, {"beregn": TARGET_BEREGN_S})
    for name, label in (("beregn", "beregn --ud"), ("json", "beregn --json")):
        if name in cli and name in targets:
            wall = cli[name][0]
            verdict.append(f"{label} {'OK' if wall <= targets[name] else 'OVER'} "
                           f"({wall:.1f} s vs ≤ {targets[name]:g} s)")
    if cli:
        peak = max(v[1] for v in cli.values())
        verdict.append(f"peak RSS {'OK' if peak <= TARGET_RSS_MB[period] else 'OVER'} "
                       f"({peak:,.0f} MB vs ≤ {TARGET_RSS_MB[period]} MB)")
    if c.get("over_excel_limit"):
        verdict.append("EXCEL ROW LIMIT EXCEEDED in " + ", ".join(c["over_excel_limit"])
                       + " (rows beyond 1,048,576 are silently dropped by XlsxWriter)")
    print("   targets: " + "; ".join(verdict))


def _measure(path: Path, args) -> tuple[dict, dict] | None:
    """The in-process stages (a worker process) and the commands (subprocesses) on `path`."""
    report = WORK / f"{path.stem}_rapport.xlsx"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(path), str(report),
           "--repeat", str(args.repeat)]
    cmd += ["--profile"] if args.profile else []
    cmd += ["--tracemalloc"] if args.tracemalloc else []
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    marker = proc.stdout.rfind("@@RESULT@@")
    if proc.returncode != 0 or marker < 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        print(f"worker failed for {path.name}", file=sys.stderr)
        return None
    if args.profile:
        print(proc.stdout[:marker])
    res = json.loads(proc.stdout[marker + len("@@RESULT@@"):])
    cli = {}
    if not args.no_cli:
        cli["valider"] = _cli(["valider", str(path)], WORK / f"{path.stem}_valider.log")
        cli["beregn"] = _cli(["beregn", str(path), "--ud", str(WORK / f"{path.stem}_beregn.xlsx"),
                              "--overskriv"], WORK / f"{path.stem}_beregn.log")
        cli["json"] = _cli(["beregn", str(path), "--json"], WORK / f"{path.stem}_json.log")
    return res, cli


TARGET_5X_BEREGN_S = 22.0
TARGET_5X_BEREGN_MB = 1536


def _print_scales(by_scale: dict, repeat: int) -> None:
    """One table: every stage at every size, wall seconds and RSS high-water mark (MB), and
    the growth from the smallest size (time ratio ÷ size ratio: 1.0 is linear)."""
    scales = sorted(by_scale)
    base = scales[0]
    print()
    print("== Per size and stage (yearly settlement; wall s / RSS high-water MB) ==")
    for scale in scales:
        (a, pl, st), res, _ = by_scale[scale]
        print(f"   {scale}×: {a:,} aftaler, {pl:,} pladser, {st:,} ophold"
              f" ({res['counts'].get('runs', 0):,} tomgangsløb,"
              f" {res['counts'].get('parts', 0):,} fordelingsdele)")
    stages = [("read", "read"), ("parse", f"parse (best of {repeat})"),
              ("checks", f"checks (best of {repeat})"), ("compute", f"compute (best of {repeat})"),
              ("audit", f"audit trail (best of {repeat})"), ("tables", "tables"),
              ("write", "write (report)"), ("json", "json (to /dev/null)")]
    head = "".join(f"{f'{s}×':>17}" for s in scales)
    growth = "".join(f"{f'{s}×/{base}×':>10}" for s in scales[1:])
    print(f"   {'stage':<30}{head}{growth}")
    rows = [(label, [by_scale[s][1]["times"].get(key) for s in scales],
             [by_scale[s][1]["rss_mb"].get(key) for s in scales]) for key, label in stages]
    for name in ("valider", "beregn", "json"):
        if all(name in by_scale[s][2] for s in scales):
            label = {"valider": "xl-underskud valider", "beregn": "xl-underskud beregn --ud",
                     "json": "xl-underskud beregn --json"}[name]
            rows.append((label, [by_scale[s][2][name][0] for s in scales],
                         [by_scale[s][2][name][1] for s in scales]))
    for label, walls, rss in rows:
        if any(w is None for w in walls):
            continue
        cells = "".join(f"{w:9.2f} {m if m is not None else 0:6.0f}" + " " for w, m in
                        zip(walls, rss))
        ratios = "".join(
            f"{(walls[i] / walls[0]) / (s / base) if walls[0] > 0 else 0:10.2f}"
            for i, s in enumerate(scales) if s != base)
        print(f"   {label:<30}{cells}{ratios}")
    print("   (growth = time ratio ÷ size ratio: 1.0 is linear, above 1 faster than the data)")
    top = scales[-1]
    if top == 5 and "beregn" in by_scale[top][2]:
        wall, peak, _ = by_scale[top][2]["beregn"]
        ok = wall <= TARGET_5X_BEREGN_S and peak <= TARGET_5X_BEREGN_MB
        print(f"   target 5× beregn --ud ≤ {TARGET_5X_BEREGN_S:.0f} s and ≤ "
              f"{TARGET_5X_BEREGN_MB / 1024:.1f} GB: {'OK' if ok else 'OVER'} "
              f"({wall:.1f} s, {peak:,.0f} MB)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Benchmark xl-underskud on a nationwide workbook.",
                                epilog=__doc__.split("\n\n")[-1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--periods", default="År,Måned",
                   help="comma-separated settlement periods (År, Kvartal, Måned)")
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--agreements", type=int, default=1_000)
    p.add_argument("--places", type=int, default=20_000)
    p.add_argument("--stays", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3,
                   help="runs of parse/checks/compute; the best is reported (default 3)")
    p.add_argument("--regenerate", action="store_true", help="rewrite the workbooks")
    p.add_argument("--no-cli", action="store_true", help="skip the valider/beregn subprocesses")
    p.add_argument("--profile", action="store_true",
                   help="cProfile every phase (times then include profiler overhead)")
    p.add_argument("--tracemalloc", action="store_true", help="add a tracemalloc pass")
    p.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    p.add_argument("--scales", default="1,2,5",
                   help="sizes (multiples of --agreements/--places/--stays) for the per-size "
                        "table of the yearly settlement; '' for none (default 1,2,5)")
    p.add_argument("--worker", nargs=2, metavar=("XLSX", "OUT"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.worker:
        res = worker(Path(args.worker[0]), Path(args.worker[1]), args.repeat, args.profile,
                     args.tracemalloc)
        print("@@RESULT@@" + json.dumps(res))
        return 0

    args.periods = [s.strip() for s in args.periods.split(",") if s.strip()]
    unknown = [x for x in args.periods if x not in PERIODS]
    if unknown:
        p.error(f"unknown period(s): {unknown}; use År, Kvartal or Måned")
    WORK.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO,
                            capture_output=True, text=True).stdout.strip()
    print(f"xl_underskud @ {commit or '?'} · Python {sys.version.split()[0]} · "
          f"{os.cpu_count()} CPU")
    print("load average before: %.2f %.2f %.2f (timings are wall clock; other load skews them)"
          % os.getloadavg())
    paths = generate.ensure_workbooks(args.periods, args.seed, args.agreements, args.places,
                                      args.stays, args.regenerate)

    results = {}
    for period, path in paths.items():
        measured = _measure(path, args)
        if measured is None:
            return 1
        res, cli = measured
        _print_report(period, path, res, cli, args.repeat)
        results[period] = {"workbook": str(path), "worker": res, "cli": cli}

    scales = [int(x) for x in args.scales.split(",") if x.strip()]
    if scales:
        by_scale = {}
        for scale in scales:
            size = (args.agreements * scale, args.places * scale, args.stays * scale)
            path = generate.ensure_workbooks(["År"], args.seed, *size)["År"]
            if scale == 1 and "År" in results:  # measured above
                by_scale[scale] = (size, results["År"]["worker"], results["År"]["cli"])
                continue
            measured = _measure(path, args)
            if measured is None:
                return 1
            by_scale[scale] = (size, *measured)
        _print_scales(by_scale, args.repeat)
        results["scales"] = {str(k): {"size": v[0], "worker": v[1], "cli": v[2]}
                             for k, v in by_scale.items()}
    print("\nload average after: %.2f %.2f %.2f" % os.getloadavg())
    if args.json:
        args.json.write_text(json.dumps({"commit": commit, "results": results}, indent=2,
                                        ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
