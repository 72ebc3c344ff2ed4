"""Server-side latency of the xlwings Server add-in channel (worksheet functions and Beregn).

What is measured: requests go through fastapi's TestClient to the real app from
xl_underskud.excel.server.app(), in-process, with no network. The app is wrapped in a small
ASGI timer, so the reported time runs from the moment the app gets the request until it
hands over the last byte of the response. That covers request parsing (JSON), xlwings'
argument conversion (2-D lists to DataFrames), our code, result conversion and response
serialization. The test client's own overhead is not in that figure; it is shown separately
as "rtt".

Cases, each run on (a) workbook/Underskudsgaranti_eksempel.xlsx and (b) a nationwide-scale
workbook from benchmarks/generate.py:
  UG_DOEGNTAKST  scalar arguments only (baseline: the framework's own cost)
  UG_FORDELING   an amount and the tblBefolkning range (the data body, as in
                 =UG_FORDELING(x;tblBefolkning))
  UG_GARANTI     tblAftaler, tblPladser, tblTakster, tblOphold, one agreement id, one period
  beregn         POST of the whole book, shaped like the add-in's payload (tests/excel_payload.py)
Arguments are shaped as Office.js sends them: every argument is a 2-D list, dates are Excel
serials, empty cells are "", and omitted optional arguments are null. They come from the
same payload the beregn button would send (ISO dates are turned back into serials).

Preparation happens outside the timed region and is reported on its own: reading the .xlsx
into the add-in payload, json.dumps of that payload, and cutting out plus encoding the
function arguments. Each case gets one untimed warm-up call (none for beregn on the
nationwide workbook). After that it is repeated N times, and the script reports the median,
p90 and maximum together with the request and response sizes in bytes. A case stops
repeating early once it has used --budget seconds, and it always runs at least once.

Breakdown (unless --no-breakdown): during the timed requests, a few functions in this process
are wrapped with timers (nothing on disk is changed): xlwings' argument conversion, our
function, result conversion; for beregn xw.Book(json=…), read_book, evaluate,
settlement_tables, write_table and Book.json(). Whatever remains is the framework (FastAPI
JSON decoding/encoding, routing, logging).
Profiling: a case on the example that misses the target (median > --target-ms, 50 ms by
default) gets one extra, cProfiled call. The top functions are printed. Use --profile CASE
(or CASE@national) to force a profile, or --no-profile to skip it.

Where the calls run: the server hands every call to a worker process
(xl_underskud/excel/workers.py), where neither the timers nor the profiler could see it. So by
default this script runs the worker's code (workers.Runner, the same code) in the server's
event-loop thread; the hand-over to a worker process is then not in the figures.
--workers measures through real worker processes instead (totals only: no breakdown, no
profile; the first call of each kind also starts the workers, which the warm-up absorbs).
For every cell of a range argument xlwings tries 'from pyodide.ffi import JsNull'
(xlwings.utils.is_jsnull); a failed import is not cached, so each cell would search sys.path
again. xl_underskud.excel.server.configure() makes that import fail at once (sys.modules
entries None), which the app measured here includes.

The nationwide workbook is benchmarks/_work/bench_aar.xlsx if it exists (1,000 agreements,
20,000 places, 100,000 stays). If it does not, a smaller one is generated at --scale 0.1 and
the script says so. --scale S uses or generates DEFAULT×S (generate.py's file naming).
--big FILE uses any workbook. Beregn on the full nationwide file takes seconds to minutes,
depending on the package version, because it returns the whole report as actions. It runs
only --big-beregn-runs times (default 2; 1 with --quick; 0 skips it), with no warm-up. A
default run takes about 4 minutes on 2 cores. Most of that is UG_GARANTI on the nationwide
workbook (about 50 s per call, plus a warm-up; --budget already caps it, so --quick saves
little there) and reading the .xlsx (about 15 s). A cProfiled call of that case takes about
2 minutes more. For a fast check, use --big-reps 1 or --example-only.

Run from the repo root:

    python benchmarks/latency.py                    # example + nationwide, defaults
    python benchmarks/latency.py --quick            # fewer repetitions, 1 nationwide beregn
    python benchmarks/latency.py --example-only     # only the bundled example (seconds)
    python benchmarks/latency.py --scale 0.1 --json benchmarks/_work/latency.json
    python benchmarks/latency.py --profile UG_GARANTI --profile UG_GARANTI@national
"""
from __future__ import annotations

import os

# Before anything can import xlwings: server-flavoured decorators and the licence key.
os.environ["XLWINGS_ON_SERVER"] = "true"
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import functools  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import pstats  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "_work"
EXAMPLE = REPO / "workbook" / "Underskudsgaranti_eksempel.xlsx"
NATIONWIDE = WORK / "bench_aar.xlsx"
DEFAULT_SIZE = (1_000, 20_000, 100_000)  # generate.py's nationwide defaults
sys.path.insert(0, str(REPO / "tests"))  # excel_payload: xlsx -> add-in payload

FUNCTIONS_URL = "/xlwings/custom-functions-call"
BEREGN_URL = "/xlwings/custom-scripts-call/beregn"
HEADERS = {"content-type": "application/json"}
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z$")
_EPOCH = date(1899, 12, 30)


# --------------------------------------------------------------------------------------------
# Server-side timing: an ASGI wrapper around the app
# --------------------------------------------------------------------------------------------

class TimedApp:
    """Times each HTTP request inside the ASGI app (first call → last response byte)."""

    def __init__(self, app):
        self.app = app
        self.last: float | None = None
        self.profiler: cProfile.Profile | None = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        end = None

        async def timed_send(message):
            nonlocal end
            if message["type"] == "http.response.body" and not message.get("more_body"):
                end = time.perf_counter()  # the body is serialized; hand-over not counted
            await send(message)

        profiler = self.profiler
        if profiler is not None:
            profiler.enable()
        try:
            await self.app(scope, receive, timed_send)
        finally:
            if profiler is not None:
                profiler.disable()
            self.last = (end or time.perf_counter()) - t0


class Spans:
    """Seconds per label during one request (the breakdown).

    Exclusive: time spent in a nested wrapped step counts for that step only (xlwings' value
    conversion inside read_book is not counted twice).
    """

    def __init__(self):
        self.current: dict[str, float] = {}
        self.active = False
        self.stack: list[list] = []  # [label, child seconds]

    def add(self, label: str, seconds: float) -> None:
        if self.active:
            self.current[label] = self.current.get(label, 0.0) + seconds

    def _enter(self, label: str) -> float:
        self.stack.append([label, 0.0])
        return time.perf_counter()

    def _exit(self, t0: float) -> None:
        elapsed = time.perf_counter() - t0
        label, children = self.stack.pop()
        self.add(label, elapsed - children)
        if self.stack:
            self.stack[-1][1] += elapsed

    def wrap(self, label: str, func):
        spans = self

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            t0 = spans._enter(label)
            try:
                return func(*args, **kwargs)
            finally:
                spans._exit(t0)
        return wrapper

    def wrap_async(self, label: str, func):
        spans = self

        @functools.wraps(func)
        async def wrapper(*args, **kwargs):
            t0 = spans._enter(label)
            try:
                return await func(*args, **kwargs)
            finally:
                spans._exit(t0)
        return wrapper


SPANS = Spans()


def serve_in_this_process() -> None:
    """Run the worker's code in the event-loop thread of this process instead of a worker
    process, so that the timers and the profiler see it (see the module's docstring)."""
    from xl_underskud.excel import workers

    runner = workers.Runner()

    async def call(pool, name, body, user, budget):
        return await runner.answer(pool.kind, name, body, user)

    workers.WorkerPool.call = call


def install_breakdown(functions_module, scripts_module) -> list[str]:
    """Wrap the steps of a request with timers, in this process only. Returns what was wrapped.

    A step whose internals are not as expected is skipped; the totals are not affected.
    """
    done = []
    try:
        import xlwings as xw
        from xlwings import conversion
        from xlwings.pro import udfs_officejs

        conversion.read = SPANS.wrap("xlwings value conversion", conversion.read)
        udfs_officejs.convert = SPANS.wrap_async("result conversion", udfs_officejs.convert)
        for name in functions_module.__all__:
            setattr(functions_module, name, SPANS.wrap("our function",
                                                       getattr(functions_module, name)))
        done += ["conversion.read", "udfs_officejs.convert", "functions.*"]
        xw.Book.__init__ = SPANS.wrap("xw.Book(json)", xw.Book.__init__)
        xw.Book.json = SPANS.wrap("Book.json()", xw.Book.json)
        done += ["xw.Book.__init__", "xw.Book.json"]
    except Exception as exc:  # noqa: BLE001
        print(f"(breakdown: xlwings internals not as expected, partly skipped: {exc})")
    for name, label in (("read_book", "read_book"), ("evaluate", "evaluate"),
                        ("write_table", "write_table")):
        if hasattr(scripts_module, name):
            setattr(scripts_module, name, SPANS.wrap(label, getattr(scripts_module, name)))
            done.append(f"scripts.{name}")
    if hasattr(scripts_module, "settlement_tables"):
        original = scripts_module.settlement_tables

        def tables(*args, **kwargs):  # materialized, so a generator's work is counted here
            return list(original(*args, **kwargs))
        scripts_module.settlement_tables = SPANS.wrap("settlement_tables", tables)
        done.append("scripts.settlement_tables")
    return done


# --------------------------------------------------------------------------------------------
# Arguments, shaped like Office.js
# --------------------------------------------------------------------------------------------

def serial(value):
    """An add-in payload value as a custom function receives it: ISO dates → Excel serials."""
    if isinstance(value, str):
        m = _ISO.match(value)
        if m:
            y, mo, d, h, mi, s = map(int, m.groups())
            days = (date(y, mo, d) - _EPOCH).days
            return float(days) + (h * 3600 + mi * 60 + s) / 86400
    return value


def table_body(payload: dict, table: str) -> list[list]:
    """The data body of a table (what =F(tblX) passes), cut from the payload's sheet values."""
    from openpyxl.utils import range_boundaries

    for sheet in payload["sheets"]:
        for t in sheet["tables"]:
            if t["name"] == table:
                c1, r1, c2, r2 = range_boundaries(t["data_body_range_address"])
                values = sheet["values"]
                out = []
                for r in range(r1 - 1, r2):
                    row = values[r] if r < len(values) else []
                    out.append([serial(row[c]) if c < len(row) else "" for c in range(c1 - 1, c2)])
                return out
    raise KeyError(f"table {table} not in the workbook")


def function_body(func: str, *args) -> dict:
    import xlwings as xw

    return {"client": "Office.js", "version": xw.__version__, "runtime": "1.4",
            "func_name": func, "caller_address": None,
            "args": [None if a is None else a if isinstance(a, list) else [[a]] for a in args],
            "culture_info_name": "da-DK"}


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); exact for small samples, no interpolation."""
    s = sorted(values)
    k = max(1, -(-len(s) * q // 100))  # ceil
    return s[int(k) - 1]


def post(client, timed: TimedApp, url: str, body: bytes):
    t = time.perf_counter()
    res = client.post(url, content=body, headers=HEADERS)
    rtt = time.perf_counter() - t
    if res.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {res.status_code}: {res.text[:500]}")
    return res, timed.last, rtt


def measure(client, timed, case: dict, budget: float) -> dict:
    url, body = case["url"], case["body"]
    res = None
    for _ in range(case["warmup"]):
        res, _, _ = post(client, timed, url, body)
    server, rtt, spans = [], [], []
    start = time.perf_counter()
    for _ in range(case["reps"]):
        SPANS.current, SPANS.stack, SPANS.active = {}, [], True
        try:
            res, s, r = post(client, timed, url, body)
        finally:
            SPANS.active = False
        server.append(s)
        rtt.append(r)
        spans.append(SPANS.current)
        if time.perf_counter() - start > budget:
            break
    out = {"name": case["name"], "workbook": case["workbook"], "n": len(server),
           "server_s": server, "rtt_s": rtt,
           "median_ms": statistics.median(server) * 1e3, "p90_ms": pct(server, 90) * 1e3,
           "max_ms": max(server) * 1e3, "rtt_median_ms": statistics.median(rtt) * 1e3,
           "request_bytes": len(body), "response_bytes": len(res.content),
           "breakdown_median_ms": {}}
    labels = sorted({k for sp in spans for k in sp})
    for label in labels:
        out["breakdown_median_ms"][label] = statistics.median(sp.get(label, 0.0)
                                                              for sp in spans) * 1e3
    if labels:
        rest = [s - sum(sp.values()) for s, sp in zip(server, spans)]
        out["breakdown_median_ms"]["framework (rest)"] = statistics.median(rest) * 1e3
    out["answer"] = case["describe"](res)
    return out


def profile_once(client, timed, case: dict, top: int) -> str:
    prof = cProfile.Profile()
    timed.profiler = prof
    try:
        _, s, _ = post(client, timed, case["url"], case["body"])
    finally:
        timed.profiler = None
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs()
    buf.write(f"--- cProfile: {case['name']} on {case['workbook']} "
              f"(one call, {s * 1e3:.1f} ms server incl. profiler overhead)\n")
    buf.write("by cumulative time:\n")
    stats.sort_stats("cumulative").print_stats(top)
    buf.write("by own time:\n")
    stats.sort_stats("tottime").print_stats(max(8, top // 2))
    text = buf.getvalue()
    # pstats prints blank lines and a header per listing; keep it compact
    return "\n".join(line for line in text.splitlines() if line.strip())


# --------------------------------------------------------------------------------------------
# Workbooks and cases
# --------------------------------------------------------------------------------------------

def nationwide_workbook(args) -> tuple[Path, str]:
    """(path, note) of the nationwide-scale workbook, generating it if needed."""
    if args.big:
        return Path(args.big), "given with --big"
    if args.scale is None and NATIONWIDE.exists():
        return NATIONWIDE, "existing nationwide file (1,000/20,000/100,000)"
    scale = 0.1 if args.scale is None else args.scale
    size = [max(1, round(n * scale)) for n in DEFAULT_SIZE]
    sys.path.insert(0, str(HERE))
    import generate  # benchmarks/generate.py (naming only; generation runs as a subprocess)

    path = generate.default_path("År", *size)
    note = f"scale {scale:g}: {size[0]:,} aftaler, {size[1]:,} pladser, {size[2]:,} ophold"
    if args.scale is None:
        note += f" (GENERATED SMALLER: {NATIONWIDE.name} was not found)"
    if not path.exists():
        print(f"generating {path} ({note}) …", flush=True)
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--agreements", str(size[0]),
                        "--places", str(size[1]), "--stays", str(size[2]), "--out", str(path)],
                       check=True, cwd=REPO)
        note += ", generated now"
    return path, note


def describe_function(res) -> str:
    result = res.json()["result"]
    if isinstance(result, list) and result and isinstance(result[0], list):
        if len(result) == 1 and len(result[0]) == 1:
            v = result[0][0]
            return (f"ERROR {v}" if isinstance(v, str) and v.startswith("#FEJL")
                    else f"{v:,.2f}" if isinstance(v, float) else repr(v))
        return f"{len(result)}×{len(result[0])} spill"
    return repr(result)[:60]


def describe_script(res) -> str:
    actions = res.json().get("actions", [])
    alert = next((a for a in actions if a.get("func") == "alert"), None)
    text = ""
    if alert and alert.get("args"):
        text = str(alert["args"][0])
        text = text[:70] + ("…" if len(text) > 70 else "")
    return f"{len(actions):,} actions; {text}"


def prepare(path: Path, label: str, agreement: str | None, period: str | None,
            reps: dict, prep: list) -> list[dict]:
    """Build the bodies for one workbook (untimed for the benchmark; timed for the report)."""
    from excel_payload import payload_from_xlsx

    t0 = time.perf_counter()
    payload = payload_from_xlsx(path)
    t1 = time.perf_counter()
    book_body = json.dumps(payload).encode()
    t2 = time.perf_counter()
    tables = {name: table_body(payload, name) for name in
              ("tblAftaler", "tblPladser", "tblTakster", "tblOphold", "tblBefolkning")}
    t3 = time.perf_counter()
    agreement = agreement or str(tables["tblAftaler"][0][0])
    period_arg = period or "2023"
    period_value = int(period_arg) if period_arg.isdigit() else period_arg
    bodies = {
        "UG_DOEGNTAKST": function_body("ug_doegntakst", 10_000_000, 6, 0.95, 2024),
        "UG_FORDELING": function_body("ug_fordeling", 131943.0, tables["tblBefolkning"], None),
        "UG_GARANTI": function_body("ug_garanti", tables["tblAftaler"], tables["tblPladser"],
                                    tables["tblTakster"], tables["tblOphold"], agreement,
                                    period_value, None),
    }
    encoded = {}
    t4 = time.perf_counter()
    for name, body in bodies.items():
        encoded[name] = json.dumps(body).encode()
    t5 = time.perf_counter()
    rows = {k: len(v) for k, v in tables.items()}
    prep.append({"workbook": label, "file": str(path), "file_bytes": path.stat().st_size,
                 "payload_from_xlsx_s": t1 - t0, "json_dumps_payload_s": t2 - t1,
                 "function_args_s": t3 - t2, "json_dumps_function_bodies_s": t5 - t4,
                 "table_rows": rows, "agreement": agreement, "period": period_arg})
    cases = []
    for name in ("UG_DOEGNTAKST", "UG_FORDELING", "UG_GARANTI"):
        cases.append({"name": name, "workbook": label, "url": FUNCTIONS_URL,
                      "body": encoded[name], "reps": reps["functions"], "warmup": 1,
                      "describe": describe_function})
    if reps["beregn"] > 0:
        cases.append({"name": "beregn", "workbook": label, "url": BEREGN_URL, "body": book_body,
                      "reps": reps["beregn"], "warmup": reps.get("beregn_warmup", 1),
                      "describe": describe_script})
    return cases


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------

def fmt_ms(ms: float) -> str:
    return f"{ms:,.1f}" if ms < 10_000 else f"{ms / 1e3:,.1f} s"


def print_results(results: list[dict], target_ms: float) -> None:
    head = (f"{'case':<14}{'workbook':<10}{'n':>4}{'median ms':>12}{'p90 ms':>12}{'max ms':>12}"
            f"{'rtt ms':>11}{'request B':>13}{'response B':>13}  answer")
    print(head)
    print("-" * len(head))
    for r in results:
        flag = ""
        if r["workbook"] == "example" and r["name"].startswith("UG_"):
            flag = "  ok" if r["median_ms"] <= target_ms else f"  OVER {target_ms:g} ms"
        print(f"{r['name']:<14}{r['workbook']:<10}{r['n']:>4}{fmt_ms(r['median_ms']):>12}"
              f"{fmt_ms(r['p90_ms']):>12}{fmt_ms(r['max_ms']):>12}{fmt_ms(r['rtt_median_ms']):>11}"
              f"{r['request_bytes']:>13,}{r['response_bytes']:>13,}  {r['answer']}{flag}")


def print_breakdown(results: list[dict]) -> None:
    rows = [r for r in results if r["breakdown_median_ms"]]
    if not rows:
        return
    print("\nbreakdown of the server time (medians, ms; 'framework (rest)' = JSON in/out, "
          "routing, logging):")
    for r in rows:
        parts = ", ".join(f"{k} {fmt_ms(v)}" for k, v in r["breakdown_median_ms"].items())
        print(f"  {r['name']:<14}{r['workbook']:<10}{parts}")


def print_prep(prep: list[dict]) -> None:
    print("\npreparation (client side, not in the timed region):")
    for p in prep:
        rows = ", ".join(f"{k} {v:,}" for k, v in p["table_rows"].items())
        print(f"  {p['workbook']:<10}{Path(p['file']).name} ({p['file_bytes']:,} B; {rows})")
        print(f"  {'':<10}payload_from_xlsx {p['payload_from_xlsx_s']:.3f} s, json.dumps(payload) "
              f"{p['json_dumps_payload_s']:.3f} s, function args from payload "
              f"{p['function_args_s'] * 1e3:.1f} ms, json.dumps(3 function bodies) "
              f"{p['json_dumps_function_bodies_s'] * 1e3:.1f} ms; "
              f"UG_GARANTI({p['agreement']}, {p['period']})")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, default=None,
                   help="repetitions per function on the example (default 30; --quick 10)")
    p.add_argument("--beregn-reps", type=int, default=None,
                   help="beregn repetitions on the example (default 10; --quick 3)")
    p.add_argument("--big-reps", type=int, default=None,
                   help="repetitions per function on the nationwide workbook (default 10; "
                        "--quick 3)")
    p.add_argument("--big-beregn-runs", type=int, default=None,
                   help="beregn runs on the nationwide workbook, no warm-up (default 2; "
                        "--quick 1; 0 skips it)")
    p.add_argument("--quick", action="store_true", help="fewer repetitions everywhere")
    p.add_argument("--budget", type=float, default=120.0,
                   help="stop repeating a case after this many seconds (default 120; "
                        "at least one run)")
    p.add_argument("--example-only", action="store_true", help="skip the nationwide workbook")
    p.add_argument("--big", type=Path, default=None, help="nationwide workbook to use")
    p.add_argument("--scale", type=float, default=None,
                   help="use/generate a workbook of generate.py's default size × SCALE "
                        "(default: bench_aar.xlsx if present, otherwise 0.1)")
    p.add_argument("--agreement", default=None,
                   help="agreement id for UG_GARANTI (default: A1 on the example, the first "
                        "agreement on the nationwide workbook)")
    p.add_argument("--period", default=None,
                   help="period for UG_GARANTI: 2023, 2023K1 or 2023M01 (default 2023 on the "
                        "example, 2024 on the nationwide workbook)")
    p.add_argument("--target-ms", type=float, default=50.0,
                   help="target per function call on the example (default 50)")
    p.add_argument("--workers", action="store_true",
                   help="run the calls in worker processes, as the server does (totals only)")
    p.add_argument("--no-breakdown", action="store_true",
                   help="do not wrap the steps with timers (pure totals)")
    p.add_argument("--profile", action="append", default=[], metavar="CASE",
                   help="cProfile one call of CASE (UG_GARANTI, beregn, …) on the example, or of "
                        "CASE@national (e.g. UG_GARANTI@national) on the nationwide workbook")
    p.add_argument("--no-profile", action="store_true",
                   help="do not profile example cases that exceed the target")
    p.add_argument("--profile-top", type=int, default=20)
    p.add_argument("--server-log", action="store_true",
                   help="keep the per-request INFO log lines (off by default)")
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = p.parse_args(argv)

    reps_fn = args.reps or (10 if args.quick else 30)
    reps_beregn = args.beregn_reps if args.beregn_reps is not None else (3 if args.quick else 10)
    big_reps = args.big_reps or (3 if args.quick else 10)
    big_beregn = (args.big_beregn_runs if args.big_beregn_runs is not None
                  else (1 if args.quick else 2))

    from xl_underskud import __version__
    from xl_underskud.excel import functions, scripts
    from xl_underskud.excel.server import app

    main_app = app()  # checks that xlwings Server serves exactly our functions
    import xlwings as xw

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's notice about the test client's library
        from fastapi.testclient import TestClient
    print(f"xl_underskud {__version__} · xlwings {xw.__version__} · Python "
          f"{platform.python_version()} · {os.cpu_count()} CPU · load "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not args.server_log:  # one INFO line per request from the server and the test client
        import logging

        for name in ("httpx", "xlwings_server", "xlwings"):
            logging.getLogger(name).setLevel(logging.WARNING)
    if args.workers:
        args.no_breakdown, args.no_profile, args.profile = True, True, []
    else:
        serve_in_this_process()
    wrapped = [] if args.no_breakdown else install_breakdown(functions, scripts)

    prep: list[dict] = []
    print(f"preparing {EXAMPLE.name} …", flush=True)
    cases = prepare(EXAMPLE, "example", args.agreement or "A1", args.period or "2023",
                    {"functions": reps_fn, "beregn": reps_beregn}, prep)
    big_note = None
    if not args.example_only:
        big_path, big_note = nationwide_workbook(args)
        print(f"preparing {big_path.name} ({big_note}) …", flush=True)
        cases += prepare(big_path, "national", args.agreement, args.period or "2024",
                         {"functions": big_reps, "beregn": big_beregn, "beregn_warmup": 0},
                         prep)

    results, profiles = [], []
    timed = TimedApp(main_app)
    with TestClient(timed) as client:
        for case in cases:
            print(f"  {case['name']} on {case['workbook']}: {case['warmup']} warm-up + "
                  f"≤{case['reps']} runs …", flush=True)
            r = measure(client, timed, case, args.budget)
            results.append(r)
            over = (r["workbook"] == "example" and r["median_ms"] > args.target_ms
                    and not args.no_profile)
            wanted = (case["workbook"] == "example" and case["name"] in args.profile) or \
                f"{case['name']}@{case['workbook']}" in args.profile
            if (case["workbook"] == "example" and over) or wanted:
                profiles.append(profile_once(client, timed, case, args.profile_top))

    print()
    print(f"server-side time per call (in-process ASGI, no network; calls "
          f"{'in worker processes' if args.workers else 'in this process'}); target ≤ "
          f"{args.target_ms:g} ms per function call on the example")
    if big_note:
        print(f"nationwide workbook: {big_note}")
    print_results(results, args.target_ms)
    print_breakdown(results)
    print_prep(prep)
    for text in profiles:
        print()
        print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "version": __version__, "xlwings": xw.__version__, "target_ms": args.target_ms,
            "nationwide": big_note,
            "breakdown_wrapped": wrapped, "results": results,
            "preparation": prep, "profiles": profiles}, indent=2, ensure_ascii=False,
            default=str))
        print(f"\nwritten: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
