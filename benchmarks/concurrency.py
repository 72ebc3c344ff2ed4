"""Can one caller stall the add-in server? Cheap worksheet functions while a nationwide Beregn runs.

What is measured: a real server process (`xl-underskud server` on 127.0.0.1, a free port) and
a small asyncio HTTP/1.1 client in this process (one connection per request, so the client
costs little CPU on a small machine). Every figure is the client's wall time for one request:
connect, send, and read the whole answer.

  idle    --calls cheap calls (UG_FORDELING on the example with tblBefolkning), all sent at once;
          --rounds rounds.
  busy    the same rounds while a nationwide `Beregn` (the add-in's payload of
          benchmarks/_work/bench_aar.xlsx, ≈ 12 MB) runs; the rounds start --lead seconds after
          the Beregn was sent. The report says whether each round finished before the Beregn.
  refused `Beregn` on the example with Garantiaar = 1e9 (the declared range is 1–10) and
          UG_TOMME_DOEGN(…; garantiaar = 1e9): the Danish error must come back at once.

A cheap call counts as an error when the HTTP status is not 200, the connection fails, or the
cell text starts with "#FEJL". Targets (issue "No surprises", item 5): no errors, p99 of the cheap
calls ≤ 1 s while Beregn runs, the refused payloads answered in < 1 s. Everything is bounded:
the server must start within 60 s, each request has a timeout, and the server process is
stopped at the end.

Run from the repo root (the nationwide workbook is generated if it is missing, ≈ 5 s, and its
payload is cached in benchmarks/_work/ because reading the .xlsx takes ≈ 12 s):

    python benchmarks/concurrency.py                       # 200 calls × 3 rounds
    python benchmarks/concurrency.py --calls 50 --rounds 5 --json benchmarks/_work/conc.json
    python benchmarks/concurrency.py --skip-busy           # idle and refused only (seconds)
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from latency import (BEREGN_URL, EXAMPLE, FUNCTIONS_URL, NATIONWIDE, REPO, WORK,  # noqa: E402
                     function_body, pct, table_body)
from server_process import running_server  # noqa: E402  (tests/, put on the path by latency)

PAYLOAD_CACHE = WORK / "bench_aar_payload.json"


# --------------------------------------------------------------------------------------------
# A minimal HTTP/1.1 client (asyncio streams, Connection: close)
# --------------------------------------------------------------------------------------------

async def post(port: int, path: str, body: bytes, timeout: float) -> tuple[int, bytes, float]:
    """(status, body, seconds) of one POST; status 0 when the request failed or timed out."""
    t0 = time.perf_counter()

    async def exchange():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                    f"Connection: close\r\n\r\n").encode()
            writer.write(head + body)
            await writer.drain()
            data = await reader.read()
        finally:
            writer.close()
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
        return status, data.partition(b"\r\n\r\n")[2]

    try:
        status, answer = await asyncio.wait_for(exchange(), timeout)
    except (OSError, asyncio.TimeoutError, ValueError, IndexError) as exc:
        return 0, repr(exc).encode(), time.perf_counter() - t0
    return status, answer, time.perf_counter() - t0


def cell_error(status: int, answer: bytes) -> str | None:
    """Why a cheap call counts as failed, or None."""
    if status != 200:
        return f"HTTP {status}: {answer[:120]!r}"
    result = json.loads(answer)["result"]
    first = result[0][0] if isinstance(result, list) and result and result[0] else result
    if isinstance(first, str) and first.startswith("#FEJL"):
        return first
    return None


async def burst(port: int, body: bytes, calls: int, timeout: float) -> dict:
    """`calls` requests sent at once; latencies and errors."""
    t0 = time.perf_counter()
    answers = await asyncio.gather(*(post(port, FUNCTIONS_URL, body, timeout)
                                     for _ in range(calls)))
    wall = time.perf_counter() - t0
    seconds = [s for _, _, s in answers]
    errors = [e for status, answer, _ in answers if (e := cell_error(status, answer))]
    return {"calls": calls, "wall_s": wall, "median_s": statistics.median(seconds),
            "p99_s": pct(seconds, 99), "max_s": max(seconds), "errors": len(errors),
            "first_error": errors[0] if errors else None, "ended_at": time.perf_counter()}


# --------------------------------------------------------------------------------------------
# The payloads
# --------------------------------------------------------------------------------------------

def nationwide_payload() -> bytes:
    if not NATIONWIDE.exists():
        print(f"generating {NATIONWIDE} …", flush=True)
        subprocess.run([sys.executable, str(HERE / "generate.py")], check=True, cwd=REPO)
    if PAYLOAD_CACHE.exists() and PAYLOAD_CACHE.stat().st_mtime > NATIONWIDE.stat().st_mtime:
        return PAYLOAD_CACHE.read_bytes()
    from excel_payload import payload_from_xlsx

    print(f"building the add-in payload of {NATIONWIDE.name} (≈ 12 s, cached) …", flush=True)
    body = json.dumps(payload_from_xlsx(NATIONWIDE)).encode()
    PAYLOAD_CACHE.write_bytes(body)
    return body


def alert_text(answer: bytes) -> str:
    try:
        actions = json.loads(answer).get("actions", [])
    except ValueError:
        return answer[:200].decode(errors="replace")
    alert = next((a for a in actions if a.get("func") == "alert"), None)
    return str(alert["args"][0]) if alert and alert.get("args") else f"{len(actions)} actions"


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------

def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def show(label: str, r: dict) -> None:
    print(f"  {label:<22}{r['calls']:>5}{r['median_s'] * 1e3:>11.0f}{r['p99_s'] * 1e3:>10.0f}"
          f"{r['max_s'] * 1e3:>10.0f}{r['wall_s'] * 1e3:>10.0f}{r['errors']:>8}"
          + (f"  {r['first_error'][:70]}" if r["first_error"] else "")
          + (f"  {r['note']}" if r.get("note") else ""))


async def run(args, port: int) -> dict:
    from excel_payload import payload_from_xlsx, set_named_cell

    example = payload_from_xlsx(EXAMPLE)
    cheap = json.dumps(function_body("ug_fordeling", 131943.0,
                                     table_body(example, "tblBefolkning"), None)).encode()
    out = {"load_start": load(), "idle": [], "busy": [], "refused": {}}
    # warm-up: the first calls start whatever the server starts lazily
    for _ in range(3):
        await post(port, FUNCTIONS_URL, cheap, 60)
    await post(port, "/xlwings/custom-scripts-call/valider", json.dumps(example).encode(), 120)

    print(f"{'':<24}{'calls':>5}{'median ms':>11}{'p99 ms':>10}{'max ms':>10}{'wall ms':>10}"
          f"{'errors':>8}")
    for i in range(args.rounds):
        r = await burst(port, cheap, args.calls, args.timeout)
        out["idle"].append(r)
        show(f"idle, round {i + 1}", r)

    if not args.skip_busy:
        big = nationwide_payload()
        t0 = time.perf_counter()
        beregn = asyncio.create_task(post(port, BEREGN_URL, big, args.beregn_timeout))
        await asyncio.sleep(args.lead)
        for i in range(args.rounds):
            if beregn.done():
                print("  (Beregn finished before the remaining rounds; they were not run)")
                break
            r = await burst(port, cheap, args.calls, args.timeout)
            r["overlapped"] = not beregn.done()
            r["note"] = "" if r["overlapped"] else "(Beregn ended during this round)"
            out["busy"].append(r)
            show(f"during Beregn, rnd {i + 1}", r)
        status, answer, seconds = await beregn
        out["beregn"] = {"status": status, "seconds": seconds, "request_bytes": len(big),
                         "response_bytes": len(answer), "text": alert_text(answer)[:160],
                         "rounds_before_it_ended": sum(r["overlapped"] for r in out["busy"])}
        print(f"  nationwide Beregn: HTTP {status} in {seconds:.1f} s (request "
              f"{len(big) / 1e6:.1f} MB, answer {len(answer) / 1e6:.1f} MB): "
              f"{out['beregn']['text'][:100]}")
        out["beregn"]["wall_from_send_s"] = time.perf_counter() - t0

    refused = json.loads(json.dumps(example))
    set_named_cell(refused, "Garantiaar", 1e9)
    status, answer, seconds = await post(port, BEREGN_URL, json.dumps(refused).encode(), 60)
    out["refused"]["beregn"] = {"status": status, "seconds": seconds, "text": alert_text(answer)}
    print(f"  Beregn, Garantiaar = 1e9: HTTP {status} in {seconds * 1e3:.0f} ms: "
          f"{alert_text(answer)[:110]}")
    body = function_body("ug_tomme_doegn", table_body(example, "tblPladser"),
                         table_body(example, "tblOphold"), "A1", 44927.0, 45291.0, 1e9)
    status, answer, seconds = await post(port, FUNCTIONS_URL, json.dumps(body).encode(), 60)
    text = json.loads(answer)["result"][0][0] if status == 200 else answer[:200].decode()
    out["refused"]["function"] = {"status": status, "seconds": seconds, "text": text}
    print(f"  UG_TOMME_DOEGN(…; 1e9): HTTP {status} in {seconds * 1e3:.0f} ms: {str(text)[:110]}")
    out["load_end"] = load()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=200, help="cheap calls sent at once (200)")
    p.add_argument("--rounds", type=int, default=3, help="rounds of --calls, idle and busy (3)")
    p.add_argument("--lead", type=float, default=2.0,
                   help="seconds between sending the Beregn and the first busy round (2)")
    p.add_argument("--timeout", type=float, default=60.0, help="timeout of a cheap call, s (60)")
    p.add_argument("--beregn-timeout", type=float, default=600.0,
                   help="timeout of the nationwide Beregn, s (600)")
    p.add_argument("--skip-busy", action="store_true", help="no nationwide Beregn")
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = p.parse_args(argv)

    WORK.mkdir(exist_ok=True)
    log = WORK / "concurrency_server.log"
    print(f"{os.cpu_count()} CPU · load {load()} · server log {log}", flush=True)
    with running_server(log) as base:
        out = asyncio.run(run(args, int(base.rsplit(":", 1)[1])))
    busy = out["busy"]
    ok = (not any(r["errors"] for r in out["idle"] + busy)
          and all(r["p99_s"] <= 1.0 for r in busy)
          and all(v["seconds"] < 1.0 for v in out["refused"].values()))
    print(f"load {out['load_start']} → {out['load_end']}; targets "
          f"{'met' if ok else 'NOT met'} (no errors, busy p99 ≤ 1 s, refused < 1 s)")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str))
        print(f"written: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
