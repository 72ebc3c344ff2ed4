"""Reference data: Denmark's 98 municipalities, the 5 regions and the bundled population figures.

Source: Danmarks Statistik (FOLK1AM, population 1 January; CC BY 4.0) and DAGI codes.
The files live in `xl_underskud/data/` so that the package works without `shared/`.
"""
from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

REGIONS = {
    1081: "Region Nordjylland",
    1082: "Region Midtjylland",
    1083: "Region Syddanmark",
    1084: "Region Hovedstaden",
    1085: "Region Sjælland",
}
HOVEDSTADEN = 1084
POPULATION_SOURCE = "Danmarks Statistik, FOLK1AM (folketal 1. januar), CC BY 4.0"


@dataclass(frozen=True)
class Municipality:
    code: int
    name: str
    region_code: int


def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("xl_underskud").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines(), delimiter=";"))


@lru_cache(maxsize=1)
def all_municipalities() -> tuple[Municipality, ...]:
    return tuple(
        Municipality(int(r["kommunekode"]), r["kommune"], int(r["regionskode_dagi"]))
        for r in _read_csv("kommuner_danmark.csv")
    )


@lru_cache(maxsize=1)
def bundled_population() -> tuple[tuple[int, str, date, int], ...]:
    """(code, name, key date, population) for the 29 municipalities of Region Hovedstaden."""
    rows = _read_csv("folketal_hovedstaden.csv")
    out = []
    for r in rows:
        for col, value in r.items():
            if col[:1].isdigit():
                out.append((int(r["kommunekode"]), r["kommune"], date.fromisoformat(col), int(value)))
    return tuple(out)


def _fold(name: str) -> str:
    return " ".join(str(name).split()).casefold()


@lru_cache(maxsize=1)
def _by_name() -> dict[str, int]:
    names = {_fold(m.name): m.code for m in all_municipalities()}
    names.update({_fold(n): c for c, n in REGIONS.items()})
    return names


@lru_cache(maxsize=1)
def names_by_code() -> dict[int, str]:
    out = {m.code: m.name for m in all_municipalities()}
    out.update(REGIONS)
    return out


def code_for(name: str) -> int | None:
    """Municipality (or region) code for a name; case and spacing are forgiven, and so is the
    official long form ("Gladsaxe Kommune", "Københavns Kommune")."""
    folded = _fold(name)
    code = _by_name().get(folded)
    if code is None and folded.endswith(" kommune"):
        short = folded[: -len(" kommune")]
        code = _by_name().get(short)
        if code is None and short.endswith("s"):
            code = _by_name().get(short[:-1])
    return code


def closest(name: str, candidates) -> str | None:
    """The closest spelling among candidates, for 'mente du …?' hints."""
    cands = list(candidates)
    folded = {_fold(c): c for c in cands}
    hit = difflib.get_close_matches(_fold(name), list(folded), n=1, cutoff=0.6)
    return folded[hit[0]] if hit else None


def suggestion(name: str, candidates) -> str:
    best = closest(name, candidates)
    return f' Mente du "{best}"?' if best else ""
