"""Generate a large synthetic standard workbook for benchmarks (deterministic from a seed).

Default size is nationwide scale: all 98 municipalities of Denmark pay (synthetic population
figures on 1 January of every year 2022–2026), 1,000 agreements operated by municipalities
and the 5 regions, 20,000 places opening over 2022–2023, 100,000 stays and a rate for every
agreement and year 2022–2026. The file is written with `build_workbook`, so it is a real
standard workbook, and it is valid (`xl-underskud valider` exits 0; `--check` verifies it).

Stays per place are sequential and never overlap: each closed stay ends before the next one
starts, most have a notice period ("Betalt til"), some places are re-let inside that notice
period, and the most recent stay of every place is open-ended (blank "Til dato"). A small
share of places has a blank start date (the first stay's day is used, with a warning).

Usage (from the repo root):
    python benchmarks/generate.py                       # -> benchmarks/_work/bench_aar.xlsx
    python benchmarks/generate.py --period Måned --check
    python benchmarks/generate.py --agreements 50 --places 1000 --stays 5000 --out x.xlsx
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from xl_underskud.core import municipalities as muni
from xl_underskud.core.dates import add_years
from xl_underskud.core.declarations import PARAGRAPHS
from xl_underskud.xlsx.template import build_workbook

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"

GUARANTEE_YEARS = 3  # the model's default; stays are laid out inside the guarantee window
NOTICE_DAYS = (None, None, 0, 30, 31, 60, 90)  # None: no "Betalt til" (paid = Til dato)
RELET_SHARE = 0.25  # share of closed stays (with a notice period) re-let inside the notice
MIN_SEGMENT_DAYS = 20  # a place never gets more stays than fit at this spacing


def _spread(rng: random.Random, total: int, buckets: int, minimum: int, caps: list[int] | None = None
            ) -> list[int]:
    """Split `total` into `buckets` counts ≥ minimum (and ≤ caps[i]), at random."""
    counts = [minimum] * buckets
    left = total - minimum * buckets
    if left < 0:
        raise ValueError(f"{total} is too few for {buckets} × {minimum}")
    if caps is not None and sum(caps) < total:
        raise ValueError(f"{total} do not fit under the caps (at most {sum(caps)})")
    while left:
        i = rng.randrange(buckets)
        if caps is None or counts[i] < caps[i]:
            counts[i] += 1
            left -= 1
    return counts


def _random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _population_rows(rng: random.Random, years: range) -> list[list]:
    """Synthetic, positive population on 1 January of each year for all 98 municipalities."""
    rows = []
    for m in muni.all_municipalities():
        # log-uniform between ~2,000 and ~650,000 inhabitants, small yearly drift
        pop = math.exp(rng.uniform(math.log(2_000), math.log(650_000)))
        for y in years:
            rows.append([m.code, m.name, date(y, 1, 1), max(1, round(pop))])
            pop *= 1 + rng.uniform(-0.01, 0.015)
    rows.sort(key=lambda r: (r[2], r[0]))
    return rows


def _place_stays(rng: random.Random, start: date, count: int, horizon_days: int
                 ) -> list[tuple[date, date | None, date | None]]:
    """`count` sequential (Fra, Til, Betalt til) stays from `start` over `horizon_days` days.

    The horizon is cut into equal segments; each closed stay ends before its segment's end,
    leaving a gap, and may have a notice period. With some probability the next stay starts
    inside that notice period (re-let). The last stay is open-ended.
    """
    seg = horizon_days / count
    out = []
    f = start
    for i in range(count):
        if i == count - 1:
            out.append((f, None, None))
            break
        boundary = start + timedelta(days=round((i + 1) * seg))
        gap = rng.randint(0, max(0, int(seg * 0.4)))
        to = max(f, boundary - timedelta(days=1 + gap))
        notice = rng.choice(NOTICE_DAYS)
        paid = None if notice is None else to + timedelta(days=notice)
        out.append((f, to, paid))
        nxt = max(boundary, to + timedelta(days=1))  # strictly after Til dato: no overlap
        if paid is not None and paid > to and rng.random() < RELET_SHARE:
            nxt = to + timedelta(days=rng.randint(1, (paid - to).days))  # re-let in notice
        f = nxt
    return out


def generate(seed: int = 2024, agreements: int = 1_000, places: int = 20_000,
             stays: int = 100_000, first_year: int = 2022, last_year: int = 2026,
             open_from: date = date(2022, 1, 1), open_to: date = date(2023, 12, 31),
             blank_start_share: float = 0.01) -> dict[str, list[list]]:
    """Rows per table name (tblAftaler, tblPladser, tblTakster, tblOphold, tblBefolkning)."""
    if places < agreements:
        raise ValueError("there must be at least one place per agreement")
    rng = random.Random(seed)
    municipalities = muni.all_municipalities()
    operators = [m.name for m in municipalities] + list(muni.REGIONS.values())
    payers = [m.name for m in municipalities]
    years = range(first_year, last_year + 1)

    # Agreements: approved during the year before the first place opens.
    places_per_agreement = _spread(rng, places, agreements, 1)
    width = len(str(agreements))
    agreement_rows, rate_rows = [], []
    for i, n in enumerate(places_per_agreement, start=1):
        aid = f"A{i:0{width}d}"
        approved = _random_day(rng, open_from - timedelta(days=365), open_from - timedelta(days=1))
        agreement_rows.append([aid, rng.choice(operators), f"Syntetisk tilbud {i}",
                               rng.choice(PARAGRAPHS), n, approved,
                               "Syntetisk benchmarkdata" if rng.random() < 0.2 else None])
        rate = rng.uniform(2_500, 6_500)
        occupancy = Decimal(rng.randint(85, 98)) / 100
        for y in years:
            rate_rows.append([aid, y, Decimal(f"{rate:.2f}"), occupancy])
            rate *= 1 + rng.uniform(0.01, 0.04)

    # Places: start dates spread over the opening period, place 1 opens first.
    place_keys = []  # (agreement id, place no, start date)
    for (aid, *_), n in zip(agreement_rows, places_per_agreement):
        starts = sorted(_random_day(rng, open_from, open_to) for _ in range(n))
        place_keys.extend((aid, no, start) for no, start in enumerate(starts, start=1))

    # Stays: at least one per place when there are enough; each place's stays fit its window.
    horizons = [(add_years(start, GUARANTEE_YEARS) - start).days - 60 for _, _, start in place_keys]
    caps = [max(1, h // MIN_SEGMENT_DAYS) for h in horizons]
    minimum = 1 if stays >= places else 0
    stays_per_place = _spread(rng, stays, places, minimum, caps)

    place_rows, stay_list = [], []
    for (aid, no, start), k, horizon in zip(place_keys, stays_per_place, horizons):
        blank = k > 0 and rng.random() < blank_start_share
        place_rows.append([aid, no, None if blank else start])
        for f, to, paid in _place_stays(rng, start, k, horizon) if k else ():
            stay_list.append((f, aid, no, rng.choice(payers), to, paid))
    # Chronological, as a secretariat would append them; pseudonymous ids in that order.
    stay_list.sort(key=lambda s: (s[0], s[1], s[2]))
    id_width = len(str(len(stay_list)))
    stay_rows = [[f"O-{i:0{id_width}d}", aid, no, payer, f, to, paid]
                 for i, (f, aid, no, payer, to, paid) in enumerate(stay_list, start=1)]

    return {
        "tblAftaler": agreement_rows,
        "tblPladser": place_rows,
        "tblTakster": rate_rows,
        "tblOphold": stay_rows,
        "tblBefolkning": _population_rows(rng, years),
    }


def write(path: str | Path, data: dict[str, list[list]], period: str = "År",
          max_places: int | None = None) -> Path:
    """Write `data` as a standard workbook with the settings Periode and MaksPladser."""
    total = sum(r[4] for r in data["tblAftaler"])
    settings = {"Periode": period, "MaksPladser": max_places or max(25_000, total)}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return build_workbook(path, data, settings=settings)


def validate_with_cli(path: str | Path) -> int:
    """Exit code of `xl-underskud valider FIL` (0 = no errors)."""
    proc = subprocess.run([sys.executable, "-m", "xl_underskud", "valider", str(path)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
    return proc.returncode


def summary(data: dict[str, list[list]]) -> str:
    stays = data["tblOphold"]
    open_ended = sum(1 for s in stays if s[5] is None)
    with_notice = sum(1 for s in stays if s[6] is not None)
    blank_start = sum(1 for p in data["tblPladser"] if p[2] is None)
    return (f"{len(data['tblAftaler']):,} aftaler, {len(data['tblPladser']):,} pladser "
            f"({blank_start} uden ibrugtagningsdato), {len(stays):,} ophold ({open_ended:,} "
            f"igangværende, {with_notice:,} med Betalt til), {len(data['tblTakster']):,} takster, "
            f"{len(data['tblBefolkning']):,} folketal")


DEFAULT_SIZE = (1_000, 20_000, 100_000)  # agreements, places, stays


def period_slug(period: str) -> str:
    """File-name form of a settlement period: År → aar."""
    return {"År": "aar", "Kvartal": "kvartal", "Måned": "maaned"}[period]


def default_path(period: str, agreements: int, places: int, stays: int) -> Path:
    """benchmarks/_work/bench_<period>[_<agreements>_<places>_<stays>].xlsx"""
    size = (agreements, places, stays)
    suffix = "" if size == DEFAULT_SIZE else "_" + "_".join(map(str, size))
    return WORK / f"bench_{period_slug(period)}{suffix}.xlsx"


def ensure_workbooks(periods, seed: int = 2024, agreements: int = 1_000, places: int = 20_000,
                     stays: int = 100_000, regenerate: bool = False) -> dict[str, Path]:
    """{period: default_path(…)}: the data generated once and one workbook written per period,
    unless already up to date (same sizes, seed and generate.py content, recorded in a .json
    beside each workbook). Shared by run.py and peer.py."""
    params = dict(seed=seed, agreements=agreements, places=places, stays=stays,
                  generator=hashlib.sha1(Path(__file__).read_bytes()).hexdigest())
    paths = {p: default_path(p, agreements, places, stays) for p in periods}
    data = None
    for period, path in paths.items():
        meta = path.with_suffix(".json")
        if (not regenerate and path.exists() and meta.exists()
                and json.loads(meta.read_text()) == params):
            print(f"using {path.relative_to(HERE.parent)}")
            continue
        if data is None:
            t = time.perf_counter()
            data = generate(seed, agreements, places, stays)
            print(f"generated: {summary(data)} ({time.perf_counter() - t:.1f} s)")
        t = time.perf_counter()
        write(path, data, period)
        meta.write_text(json.dumps(params))
        print(f"wrote {path.relative_to(HERE.parent)} ({time.perf_counter() - t:.1f} s, "
              f"{path.stat().st_size / 1e6:.1f} MB)")
    return paths


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--agreements", type=int, default=1_000)
    p.add_argument("--places", type=int, default=20_000)
    p.add_argument("--stays", type=int, default=100_000)
    p.add_argument("--first-year", type=int, default=2022, help="first year of rates/population")
    p.add_argument("--last-year", type=int, default=2026, help="last year of rates/population")
    p.add_argument("--period", default="År", choices=("År", "Kvartal", "Måned"))
    p.add_argument("--max-places", type=int, default=None,
                   help="setting MaksPladser (default: 25,000 or the total, whichever is larger)")
    p.add_argument("--out", type=Path, default=None,
                   help="output file (default: benchmarks/_work/bench_<period>[_<sizes>].xlsx)")
    p.add_argument("--check", action="store_true", help="run `xl-underskud valider` on the file")
    args = p.parse_args(argv)

    out = args.out or default_path(args.period, args.agreements, args.places, args.stays)
    t0 = time.perf_counter()
    data = generate(args.seed, args.agreements, args.places, args.stays,
                    args.first_year, args.last_year)
    t1 = time.perf_counter()
    write(out, data, args.period, args.max_places)
    t2 = time.perf_counter()
    print(f"{out}: {summary(data)}")
    print(f"generated in {t1 - t0:.1f} s, written in {t2 - t1:.1f} s "
          f"({out.stat().st_size / 1e6:.1f} MB)")
    if args.check:
        rc = validate_with_cli(out)
        print(f"xl-underskud valider: exit {rc}")
        return rc
    return 0


if __name__ == "__main__":
    sys.exit(main())
