"""Fuzz the command line with mutated copies of the bundled example workbook (seeded, bounded).

Each mutant is the example with one to three mutations of its cells (hostile numbers and
texts, formulas, error values, CPR-like values), tables (header only, reversed, huge, renamed,
missing), defined names (elsewhere, a range, #REF!, missing) or zip parts (deleted, truncated,
bit-flipped, garbage, a small file that inflates to hundreds of MB). Every mutant is run
through `valider` and `beregn --json --ud REPORT` in a worker process that calls the CLI's
`main()` in-process (a thousand mutants take minutes, not hours); a worker that dies — an
abort in native code, a kill for memory — is a crash, and a fresh worker continues with the
next mutant.

Per mutant and command, a failure is any of:
- an exit code other than 0 or 1, an exception escaping `main()`, a traceback on stderr;
- no answer within the time limit (a hang);
- the input file changed;
- after exit 1, a report written; after any exit, a temporary file left behind;
- a written report holding a formula (every text the product writes is text).

With `--mode saml` the mutant is instead an operator's report (`indberetning` of the example for
Gladsaxe) merged with `saml` into the example; with `--mode afregning` it is the example's ledger
copy after `afregning --periode 2023` (tblAfregnet filled, its sheet mutated too), settled again
with `afregning --periode 2024`. Failures as above, and: the master changed; after exit 1 the new
master or the folder written; a formula in the new master's Ophold or Pladser, in a statement,
in the summary or on the ledger copy's sheet Afregnet.

Usage (from the repository root):
    python benchmarks/fuzz.py --count 1000 --seed 1      # the long run; prints counts
    python benchmarks/fuzz.py --count 50 --seed 7 -v     # one line per mutant
    python benchmarks/fuzz.py --count 300 --mode saml    # reports merged into the example
The test suite runs a short, seeded batch (tests/test_hostile_input.py).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
EXAMPLE = REPO / "workbook" / "Underskudsgaranti_eksempel.xlsx"
TIME_LIMIT_S = 60  # per mutant (both commands); a hang guard, generous on a loaded machine
MEMORY_LIMIT_BYTES = 6 * 1024 ** 3  # the worker's address space: runaway allocation fails

INPUT_SHEETS = ["xl/worksheets/sheet%d.xml" % i for i in range(2, 9)]  # Aftaler … Takstberegning
HOSTILE_NUMBERS = ["0", "-1", "1e308", "-1e308", "1E+9", "9999", "0.5", "1.7", "170", "-0.05",
                   "9007199254740993", "1e-300", "45000", "2958465", "-45000"]
HOSTILE_TEXTS = ["", " ", "x" * 3000, "A" * 300, '=HYPERLINK("http://x","klik")',
                 "=cmd|' /C calc'!A0", "+1+1", "@SUM(1)", "-1", "=1+1", "010190-1234",
                 "0101901234", "31-02-2023", "01-01-1900", "A1", "Roskilde Kommune",
                 "Region Sjælland", "ÆØÅ \u202e gnol", "Ja", "Kvartal", "§ 108", "#N/A",
                 "1,7 %", "Nej\t", "\u00a0"]
ERRORS = ["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"]
FORMULAS = ["=1/0", "=A1", '=HYPERLINK("http://x","klik")', "=SUM(1,2)"]
_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?(?:/>|>.*?</c>)', re.S)


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _new_cell(ref: str, rnd: random.Random) -> str:
    kind = rnd.choice(["number", "text", "text", "error", "formula", "bool", "empty"])
    if kind == "number":
        return f'<c r="{ref}"><v>{rnd.choice(HOSTILE_NUMBERS)}</v></c>'
    if kind == "text":
        return f'<c r="{ref}" t="inlineStr"><is><t>{_escape(rnd.choice(HOSTILE_TEXTS))}</t></is></c>'
    if kind == "error":
        return f'<c r="{ref}" t="e"><v>{_escape(rnd.choice(ERRORS))}</v></c>'
    if kind == "formula":
        cached = rnd.choice(["", "<v>2</v>"])
        return f'<c r="{ref}"><f>{_escape(rnd.choice(FORMULAS)[1:])}</f>{cached}</c>'
    if kind == "bool":
        return f'<c r="{ref}" t="b"><v>{rnd.choice("01")}</v></c>'
    return f'<c r="{ref}"/>'


# --------------------------------------------------------------------------- mutations
# Each takes the parts (name → bytes) and a Random, changes the parts, and returns a label.

def _input_sheets(parts: dict) -> list[str]:
    """The sheets whose cells are mutated: the example's input sheets, and a mode's own (the
    ledger copy's Afregnet)."""
    if not MODE_SHEETS:
        return INPUT_SHEETS  # the classic run: the same mutants for the same seeds as ever
    return [n for n in INPUT_SHEETS + MODE_SHEETS if n in parts] or INPUT_SHEETS


MODE_SHEETS: list[str] = []  # set by `use_mode`


def m_cell(parts: dict, rnd: random.Random) -> str:
    name = rnd.choice(_input_sheets(parts))
    data = parts.get(name)
    cells = list(_CELL.finditer(data)) if data else []
    if not cells:
        return "cell:none"
    m = rnd.choice([c for c in cells if int(c.group(2)) >= 4] or cells)
    ref = (m.group(1) + m.group(2)).decode()
    new = _new_cell(ref, rnd).encode("utf-8")
    parts[name] = data[:m.start()] + new + data[m.end():]
    return f"cell:{name.rsplit('/', 1)[1]}!{ref}:{new[:60]!r}"


def m_far_cell(parts: dict, rnd: random.Random) -> str:
    name = rnd.choice(_input_sheets(parts))
    ref_col, ref_row = rnd.choice([("XFD", 1048576), ("A", 1048576), ("XFD", 5), ("ZZ", 70000)])
    row = f'<row r="{ref_row}"><c r="{ref_col}{ref_row}"><v>1</v></c></row>'.encode()
    parts[name] = parts[name].replace(b"</sheetData>", row + b"</sheetData>", 1)
    return f"far-cell:{name.rsplit('/', 1)[1]}!{ref_col}{ref_row}"


def m_table(parts: dict, rnd: random.Random) -> str:
    names = [n for n in parts if n.startswith("xl/tables/")]
    if not names:
        return "table:none"
    name = rnd.choice(names)
    data = parts[name]
    ref = re.search(rb'ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"', data)
    if ref is None:  # an earlier mutation garbled the part
        return f"table:{name.rsplit('/', 1)[1]}:none"
    c1, r1, c2, r2 = (g.decode() for g in ref.groups())
    choice = rnd.choice(["header-only", "reversed", "huge", "shift", "rename", "delete-column",
                         "delete-part", "wrong-sheet-name"])
    if choice == "header-only":
        new = f'ref="{c1}{r1}:{c2}{r1}"'
    elif choice == "reversed":
        new = f'ref="{c2}{r2}:{c1}{r1}"'
    elif choice == "huge":
        new = f'ref="{c1}{r1}:XFD1048576"'
    elif choice == "shift":
        new = f'ref="{c1}{int(r1) + 3}:{c2}{int(r2) + 3}"'
    else:
        new = None
    if new is not None:
        parts[name] = data.replace(ref.group(0), new.encode(), 2)
    elif choice == "rename":
        parts[name] = re.sub(rb'(name|displayName)="tbl\w+"', rb'\1="tblAndet"', data)
    elif choice == "delete-column":
        parts[name] = re.sub(rb"<tableColumn [^>]*/>", b"", data, count=1)
    elif choice == "delete-part":
        del parts[name]
    else:
        parts[name] = re.sub(rb'(displayName)="tbl\w+"', rb'\1="Ark 1"', data)
    return f"table:{name.rsplit('/', 1)[1]}:{choice}"


def m_name(parts: dict, rnd: random.Random) -> str:
    data = parts.get("xl/workbook.xml")
    names = re.findall(rb'<definedName name="(\w+)">[^<]*</definedName>', data or b"")
    if not names:  # an earlier mutation of this mutant deleted or garbled the part
        return "name:none"
    target = rnd.choice(names)
    new = rnd.choice([b"Aftaler!$A$1", b"Indstillinger!$E$5:$E$9", b"#REF!", b"Ukendt!$A$1",
                      b"Indstillinger!$XFD$1048576", None])
    pattern = rb'<definedName name="' + target + rb'">[^<]*</definedName>'
    replacement = (b"" if new is None else
                   b'<definedName name="' + target + b'">' + new + b"</definedName>")
    parts["xl/workbook.xml"] = re.sub(pattern, lambda _: replacement, data, count=1)
    return f"name:{target.decode()}:{new!r}"


def m_zip(parts: dict, rnd: random.Random) -> str:
    name = rnd.choice(sorted(parts))
    choice = rnd.choice(["delete", "truncate", "flip", "garbage", "bomb", "duplicate-sheet"])
    if choice == "delete":
        del parts[name]
    elif choice == "truncate":
        parts[name] = parts[name][: len(parts[name]) // 2]
    elif choice == "flip":
        data = bytearray(parts[name])
        for _ in range(rnd.randint(1, 8)):
            i = rnd.randrange(len(data))
            data[i] ^= 1 << rnd.randrange(8)
        parts[name] = bytes(data)
    elif choice == "garbage":
        parts[name] = bytes(rnd.randrange(256) for _ in range(200))
    elif choice == "bomb":
        # a sheet that inflates to ~300 MB: the reader must refuse it, not read it
        name = "xl/worksheets/sheet5.xml"
        row = b'<row r="5"><c r="A5"><v>1</v></c></row>'
        head, end, tail = parts.get(name, b"").partition(b"</sheetData>")
        if end:  # (one copy of the ~300 MB fewer than bytes.replace makes)
            parts[name] = b"".join((head, row * 7_500_000, end, tail))
    elif "xl/workbook.xml" in parts:
        name = "xl/workbook.xml"
        parts[name] = parts[name].replace(b'name="Pladser"', b'name="Aftaler"', 1)
    return f"zip:{name}:{choice}"


MUTATIONS = [(m_cell, 6), (m_far_cell, 1), (m_table, 2), (m_name, 1), (m_zip, 2)]


def make_mutant(seed: int, out: Path, source: Path = EXAMPLE) -> str:
    rnd = random.Random(seed)
    with zipfile.ZipFile(source) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    labels = []
    for _ in range(rnd.choice([1, 1, 2, 3])):
        fn = rnd.choices([m for m, _ in MUTATIONS], [w for _, w in MUTATIONS])[0]
        labels.append(fn(parts, rnd))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            # a part of hundreds of MB (the bomb) at the fastest level: a third of the time,
            # and still over 150 times smaller than inflated
            z.writestr(name, data, compresslevel=1 if len(data) > 2 ** 26 else None)
    return " + ".join(labels)


# --------------------------------------------------------------------------- checking

def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".xl-underskud-"))


def _formulas(report: Path) -> list[str]:
    """Sheet parts of a written report that hold a formula."""
    with zipfile.ZipFile(report) as z:
        return [n for n in z.namelist() if n.startswith("xl/worksheets/")
                and re.search(rb"<f[ >]", z.read(n))]


MODES = ("klassisk", "saml", "afregning")


def use_mode(mode: str) -> None:
    MODE_SHEETS[:] = ["xl/worksheets/sheet9.xml"] if mode == "afregning" else []


def make_source(mode: str, folder: Path) -> Path:
    """What a mode mutates, made once in `folder`: the example, a report of it (saml) or its
    ledger copy after settling 2023 (afregning)."""
    from xl_underskud.cli.main import main

    base = folder / "_grundlag"
    base.mkdir(exist_ok=True)
    master = base / "master.xlsx"
    master.write_bytes(EXAMPLE.read_bytes())
    if mode == "klassisk":
        return EXAMPLE
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        if mode == "saml":
            code = main(["indberetning", str(master), "--driftsherre", "Gladsaxe", "--ud",
                         str(base / "indberetning.xlsx")])
            source = base / "indberetning.xlsx"
        else:
            code = main(["afregning", str(master), "--periode", "2023", "--dato", "2024-02-01",
                         "--mappe", str(base / "UD")])
            source = base / "UD" / "master_afregnet_2023.xlsx"
    if code != 0:
        raise SystemExit(f"{mode}: the source could not be made: {err.getvalue()}")
    return source


def _sheet_formulas(path: Path, sheets: list[str] | None = None) -> list[str]:
    """Sheets (by name; all when None) of a written workbook that hold a formula."""
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode("utf-8")
        rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        targets = dict(re.findall(r'Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
        targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
        found = []
        for name, rid in re.findall(r'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', wb):
            if sheets is not None and name not in sheets:
                continue
            part = "xl/" + targets.get(rid, "").lstrip("/").removeprefix("xl/")
            if part in z.namelist() and re.search(rb"<f[ >]", z.read(part)):
                found.append(name)
        return found


def _run_main(argv: list[str]) -> tuple[int | None, str, list[str]]:
    from xl_underskud.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(argv)
    except BaseException as exc:  # noqa: BLE001 - anything escaping main() is a crash
        return None, "", [f"{argv[0]}: {type(exc).__name__}: {str(exc)[:200]}"]
    problems = []
    if code not in (0, 1):
        problems.append(f"{argv[0]}: exit {code}")
    if "Traceback" in err.getvalue():
        problems.append(f"{argv[0]}: traceback on stderr")
    return code, err.getvalue(), problems


def check_saml(path: Path) -> list[str]:
    """`saml MASTER MUTANT --ud NEW`: the mutant is the operator's report."""
    master = path.parent / "_grundlag" / "master.xlsx"
    new = path.with_name(path.stem + "_ny_master.xlsx")
    before = (_sha(path), _sha(master))
    code, _, problems = _run_main(["saml", str(master), str(path), "--ud", str(new)])
    if code != 0 and new.exists():
        problems.append("saml: new master written despite errors")
    if code == 0 and new.exists() and _sheet_formulas(new, ["Ophold", "Pladser"]):
        problems.append(f"saml: formula in the new master {_sheet_formulas(new, ['Ophold', 'Pladser'])}")
    if (_sha(path), _sha(master)) != before:
        problems.append("input changed (report or master)")
    if _leftovers(path.parent):
        problems.append(f"left behind: {_leftovers(path.parent)}")
    new.unlink(missing_ok=True)
    return problems


def check_afregning(path: Path) -> list[str]:
    """`afregning MUTANT --periode 2024 --dato 2025-02-01 --mappe UD`: the mutant is a ledger
    copy."""
    import shutil

    folder = path.with_name(path.stem + "_UD")
    before = _sha(path)
    code, _, problems = _run_main(["afregning", str(path), "--periode", "2024", "--dato",
                                   "2025-02-01", "--mappe", str(folder)])
    if code != 0 and folder.exists():
        problems.append("afregning: folder written despite errors")
    if code == 0 and folder.exists():
        for f in sorted(folder.glob("*.xlsx")):
            sheets = ["Afregnet"] if f.name.startswith(path.stem + "_afregnet") else None
            if _sheet_formulas(f, sheets):
                problems.append(f"afregning: formula in {f.name} {_sheet_formulas(f, sheets)}")
    if _sha(path) != before:
        problems.append("input changed")
    if _leftovers(path.parent):
        problems.append(f"left behind: {_leftovers(path.parent)}")
    shutil.rmtree(folder, ignore_errors=True)
    return problems


def check_one(path: Path, mode: str = "klassisk") -> list[str]:
    """Run the mode's commands on one mutant in this process; the failures found."""
    from xl_underskud.cli.main import main

    if mode == "saml":
        return check_saml(path)
    if mode == "afregning":
        return check_afregning(path)
    problems = []
    before = _sha(path)
    report = path.with_name(path.stem + "_rapport.xlsx")
    for argv in (["valider", str(path)], ["beregn", str(path), "--json", "--ud", str(report)]):
        out, err = io.StringIO(), io.StringIO()
        try:
            with redirect_stdout(out), redirect_stderr(err):
                code = main(argv)
        except BaseException as exc:  # noqa: BLE001 - anything escaping main() is a crash
            problems.append(f"{argv[0]}: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        if code not in (0, 1):
            problems.append(f"{argv[0]}: exit {code}")
        if "Traceback" in err.getvalue():
            problems.append(f"{argv[0]}: traceback on stderr")
        if argv[0] == "beregn":
            if code != 0 and report.exists():
                problems.append("beregn: report written despite errors")
            if code == 0 and report.exists() and _formulas(report):
                problems.append(f"beregn: formula in report {_formulas(report)}")
    if _sha(path) != before:
        problems.append("input changed")
    if _leftovers(path.parent):
        problems.append(f"left behind: {_leftovers(path.parent)}")
    report.unlink(missing_ok=True)
    return problems


def worker(folder: Path, seeds: list[int], mode: str = "klassisk") -> None:
    """Check mutants one by one, a JSON line before ('start') and after each."""
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    except (ValueError, OSError):
        pass
    for seed in seeds:
        path = folder / f"mutant_{seed}.xlsx"
        print(json.dumps({"start": seed}), flush=True)
        t = time.monotonic()
        problems = check_one(path, mode)
        print(json.dumps({"seed": seed, "problems": problems,
                          "seconds": round(time.monotonic() - t, 3)}), flush=True)


def run(count: int, seed: int, verbose: bool = False, keep: Path | None = None,
        mode: str = "klassisk") -> dict:
    """Make `count` mutants from `seed` on and check them; returns counts and failures. The
    mutants are written into `keep`, or into a temporary folder removed afterwards."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        return _run(keep, count, seed, verbose, mode)
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        return _run(Path(folder), count, seed, verbose, mode)


def _run(folder: Path, count: int, seed: int, verbose: bool, mode: str = "klassisk") -> dict:
    seeds = list(range(seed, seed + count))
    use_mode(mode)
    source = make_source(mode, folder)
    labels = {s: make_mutant(s, folder / f"mutant_{s}.xlsx", source) for s in seeds}
    results: dict[int, dict] = {}
    todo = list(seeds)
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(HERE), env.get("PYTHONPATH", "")])
    while todo:
        code = ("import sys, json; from pathlib import Path; import fuzz; "
                "fuzz.worker(Path(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3])")
        proc = subprocess.Popen([sys.executable, "-c", code, str(folder), json.dumps(todo), mode],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                env=env, cwd=str(folder))
        current = None
        deadline = time.monotonic() + TIME_LIMIT_S
        import selectors

        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        while True:
            if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                proc.kill()  # no answer in time: a hang
                results[current] = {"problems": [f"hang (> {TIME_LIMIT_S} s)"], "seconds": None}
                break
            line = proc.stdout.readline()
            if not line:  # the worker died
                proc.wait()
                if current is not None and current not in results:
                    results[current] = {"problems": [f"worker died (exit {proc.returncode})"],
                                        "seconds": None}
                break
            msg = json.loads(line)
            if "start" in msg:
                current = msg["start"]
                deadline = time.monotonic() + TIME_LIMIT_S
            else:
                results[msg["seed"]] = msg
                if verbose:
                    state = "OK" if not msg["problems"] else "FAIL " + "; ".join(msg["problems"])
                    print(f"{msg['seed']:>6} {msg['seconds']:>7.2f}s {state}  {labels[msg['seed']]}")
        sel.close()
        proc.stdout.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        todo = [s for s in seeds if s not in results]
    failures = {s: (labels[s], r["problems"]) for s, r in results.items() if r["problems"]}
    seconds = [r["seconds"] for r in results.values() if r["seconds"] is not None]
    return {"count": count, "failures": failures, "labels": labels,
            "max_seconds": max(seconds) if seconds else None,
            "total_seconds": round(sum(seconds), 1)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", type=Path, help="write the mutants into this folder and keep them")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--mode", choices=MODES, default="klassisk",
                   help="klassisk: valider and beregn on the example; saml: a report merged "
                        "into it; afregning: its ledger copy settled again")
    args = p.parse_args(argv)
    t = time.monotonic()
    res = run(args.count, args.seed, args.verbose, args.keep, args.mode)
    kinds: dict[str, int] = {}
    for label in res["labels"].values():
        for part in label.split(" + "):
            kind = part.split(":")[0] + ":" + (part.split(":")[2] if part.startswith(("table", "zip"))
                                               else "")
            kinds[kind] = kinds.get(kind, 0) + 1
    print(f"{args.mode}: {res['count']} mutants (seeds {args.seed}–{args.seed + args.count - 1}) in "
          f"{time.monotonic() - t:.0f} s; slowest mutant {res['max_seconds']} s")
    print("mutations: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"failures: {len(res['failures'])}")
    for seed, (label, problems) in sorted(res["failures"].items()):
        print(f"  seed {seed}: {label}\n      " + "\n      ".join(problems))
    return 1 if res["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
