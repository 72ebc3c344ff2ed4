"""Population figures from Danmarks Statistik's Statistikbank API (table FOLK1A).

`fetch_population(year, …)` asks for the population on 1 January `year` (quarter `<year>K1`) of
the paying municipalities, checks the answer and gives back typed `PopulationFigure`s — or
Danish `Message`s and no figures. Every network problem (no connection, a timeout, an HTTP error,
an HTML page, an empty or odd answer) becomes one clear message, never a traceback.

The request (SPEC, "Reference data"):

    https://api.statbank.dk/v1/data/FOLK1A/CSV?OMRÅDE=101,147,…&KØN=TOT&ALDER=IALT
        &CIVILSTAND=TOT&Tid=2024K1&valuePresentation=Code&lang=da

answers semicolon-separated CSV `OMRÅDE;KØN;ALDER;CIVILSTAND;TID;INDHOLD` (possibly with a
byte-order mark). OMRÅDE comes back as the code; the label form ("København") and the
code-and-label form ("101 København") are accepted too.

The base address can be overridden (argument, or the environment variable
`XL_UNDERSKUD_DST_URL`, e.g. `http://127.0.0.1:8765/v1` in tests); so can the timeout
(`XL_UNDERSKUD_DST_TIMEOUT`, seconds, default 20).

The second half turns a `RawWorkbook` into `build_workbook` input with the year's figures
replaced, so the command line can write a new standard workbook. Nothing here imports an Excel
library or touches a file.
"""
from __future__ import annotations

import csv
import http.client
import json
import os
import re
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, time as dtime, timedelta
from decimal import Decimal
from typing import Iterable

from xl_underskud.core import municipalities as muni
from xl_underskud.core.parse import ExcelError, RawTable, RawWorkbook, convert
from xl_underskud.core.records import Message, PopulationFigure, error, warning
from xl_underskud.core.declarations import BEFOLKNING, Kind

DEFAULT_BASE_URL = "https://api.statbank.dk/v1"
TABLE = "FOLK1A"
URL_ENV = "XL_UNDERSKUD_DST_URL"
TIMEOUT_ENV = "XL_UNDERSKUD_DST_TIMEOUT"
DEFAULT_TIMEOUT = 20.0  # seconds
TOLERANCE = Decimal("0.05")  # ±5 % against the previous year's total
FIRST_YEAR = 2008  # FOLK1A starts in 2008K1
MAX_BYTES = 2_000_000  # a few kB are expected; anything this big is not the answer asked for
SHEET = BEFOLKNING.sheet

# The totals of the other variables, as codes (valuePresentation=Code) and as Danish labels.
_TOTALS = {
    "KØN": {"tot", "i alt"},
    "ALDER": {"ialt", "alder i alt", "i alt"},
    "CIVILSTAND": {"tot", "i alt"},
}
_HEADER = ("OMRÅDE", "KØN", "ALDER", "CIVILSTAND", "TID", "INDHOLD")
_AREA_CODE = re.compile(r"^\s*(\d{1,4})(?:\s+.*)?$")
_WHOLE = re.compile(r"^[0-9]+$")


# --------------------------------------------------------------------------------------------
# Settings


def quarter(year: int) -> str:
    """DST's code for 1 January `year`: the first quarter, `2024K1`."""
    return f"{year}K1"


def key_date(year: int) -> date:
    return date(year, 1, 1)


def base_url(override: str | None = None) -> str:
    return (override or os.environ.get(URL_ENV) or DEFAULT_BASE_URL).strip().rstrip("/")


def check_base_url(url: str) -> Message | None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return error(None, None, None,
                     f'Adressen til Danmarks Statistik "{_short(url)}" er ugyldig; den skal begynde '
                     f"med https:// (sat med {URL_ENV} eller som argument).")
    return None


def timeout_setting(override: float | str | None = None) -> tuple[float | None, Message | None]:
    """Seconds to wait for the answer: the argument, else XL_UNDERSKUD_DST_TIMEOUT, else 20."""
    if override is not None:
        text, where = str(override).strip(), "Ventetiden"
    else:
        text, where = os.environ.get(TIMEOUT_ENV, "").strip(), TIMEOUT_ENV
        if not text:
            return DEFAULT_TIMEOUT, None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None, error(None, None, None,
                           f'{where} "{_short(text, 40)}" er ikke et tal; angiv ventetiden i '
                           f"sekunder, fx 20.")
    if not value > 0 or value == float("inf"):
        return None, error(None, None, None,
                           f"{where} skal være et positivt antal sekunder (fik {value:g}).")
    return float(value), None


def default_codes() -> tuple[int, ...]:
    """The paying municipalities without a workbook: the 29 of Region Hovedstaden."""
    return tuple(m.code for m in muni.all_municipalities() if m.region_code == muni.HOVEDSTADEN)


def paying_codes(population: Iterable[PopulationFigure]) -> tuple[int, ...]:
    """SPEC rule 1: the municipalities listed with a population figure, in code order."""
    return tuple(sorted({p.municipality_code for p in population}))


def build_url(codes: Iterable[int], year: int, base: str | None = None) -> str:
    params = [
        ("OMRÅDE", ",".join(str(c) for c in codes)),
        ("KØN", "TOT"),
        ("ALDER", "IALT"),
        ("CIVILSTAND", "TOT"),
        ("Tid", quarter(year)),
        ("valuePresentation", "Code"),
        ("lang", "da"),
    ]
    return f"{base_url(base)}/data/{TABLE}/CSV?" + urllib.parse.urlencode(params, safe=",")


def source_note(year: int, fetched: date) -> str:
    """The line recorded in the workbook: where the figures came from and when."""
    return (f"Kilde: Danmarks Statistik, {TABLE} ({quarter(year)}), hentet "
            f"{fetched:%d-%m-%Y}. CC BY 4.0.")


# --------------------------------------------------------------------------------------------
# Fetching


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc or url


def _fail(text: str) -> tuple[None, list[Message]]:
    return None, [error(None, None, None, text)]


def _timeout_text(host: str, seconds: float) -> str:
    shown = f"{seconds:g}".replace(".", ",")
    return (f"Danmarks Statistik ({host}) svarede ikke inden for {shown} sekunder. Prøv igen "
            f"senere, eller giv en længere ventetid med --ventetid.")


def _is_timeout(reason) -> bool:
    return isinstance(reason, (TimeoutError, socket.timeout)) or "timed out" in str(reason)


def _network_text(host: str, reason, seconds: float) -> str:
    if _is_timeout(reason):
        return _timeout_text(host, seconds)
    if isinstance(reason, ConnectionRefusedError):
        return (f"Kunne ikke få forbindelse til Danmarks Statistik ({host}): forbindelsen blev "
                f"afvist. Prøv igen senere.")
    if isinstance(reason, socket.gaierror):
        return (f"Kunne ikke finde Danmarks Statistik ({host}). Er computeren på nettet? "
                f"Tjek netværksforbindelsen og prøv igen.")
    if isinstance(reason, ssl.SSLError):
        return (f"Den sikre forbindelse (HTTPS) til Danmarks Statistik ({host}) kunne ikke "
                f"oprettes: {_short(reason, 120)}")
    return (f"Kunne ikke hente data fra Danmarks Statistik ({host}): {_short(reason, 120)}. "
            f"Tjek netværksforbindelsen og prøv igen.")


def _dst_error_detail(body: bytes) -> str:
    """The `message` of DST's JSON error answer, if the body is one."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return ""
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return _short(data["message"], 200)
    return ""


def fetch_csv(url: str, timeout: float = DEFAULT_TIMEOUT) -> tuple[str | None, list[Message]]:
    """The answer's text, or None and one Danish message. Never raises for network problems."""
    host = _host(url)
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={
        "Accept": "text/csv", "User-Agent": "xl-underskud (underskudsgaranti, KKR Hovedstaden)"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content_type = response.headers.get("Content-Type", "") or ""
            chunks, size = [], 0
            while True:
                if time.monotonic() > deadline:
                    return _fail(_timeout_text(host, timeout))
                chunk = response.read(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_BYTES:
                    return _fail(f"Svaret fra Danmarks Statistik ({host}) er langt større end "
                                 f"forventet og er ikke brugt.")
                chunks.append(chunk)
            body = b"".join(chunks)
    except urllib.error.HTTPError as exc:
        try:
            detail = _dst_error_detail(exc.read(20000))
        except Exception:  # the error body is a courtesy; its absence changes nothing
            detail = ""
        text = f"Danmarks Statistik ({host}) svarede med en fejl (HTTP {exc.code})."
        if detail:
            text += f" Besked: {detail}"
        if exc.code in (400, 404):
            text += " Er folketallet for den ønskede dato offentliggjort endnu?"
        elif exc.code >= 500:
            text += " Tjenesten er måske midlertidigt nede; prøv igen senere."
        return _fail(text)
    except urllib.error.URLError as exc:
        return _fail(_network_text(host, exc.reason, timeout))
    except (TimeoutError, socket.timeout):
        return _fail(_timeout_text(host, timeout))
    except http.client.HTTPException:
        return _fail(f"Forbindelsen til Danmarks Statistik ({host}) blev afbrudt, før svaret var "
                     f"modtaget. Prøv igen.")
    except OSError as exc:
        return _fail(_network_text(host, exc, timeout))
    except ValueError:
        return _fail(f'Adressen "{_short(url)}" er ugyldig.')

    if not body.strip():
        return _fail(f"Danmarks Statistik ({host}) sendte et tomt svar. Prøv igen senere.")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = body.decode("cp1252", errors="replace")
    head = text.lstrip()[:200].lower()
    if "html" in content_type.lower() or head.startswith("<"):
        return _fail(f"Danmarks Statistik ({host}) svarede med en webside i stedet for tal. "
                     f"Tjenesten er måske nede, eller netværket viser en login-side. Prøv igen "
                     f"senere.")
    if head.startswith("{") or head.startswith("["):
        detail = _dst_error_detail(body)
        return _fail(f"Danmarks Statistik ({host}) svarede ikke med tal (CSV)."
                     + (f" Besked: {detail}" if detail else ""))
    return text, []


# --------------------------------------------------------------------------------------------
# Reading and checking the answer


def _area_code(value: str) -> int | None:
    m = _AREA_CODE.match(value)
    if m:
        return int(m.group(1))
    return muni.code_for(value)


def _name(code: int) -> str:
    return muni.names_by_code().get(code, str(code))


def _listing(codes: Iterable[int]) -> str:
    return ", ".join(f"{c} {_name(c)}" for c in codes)


def parse_answer(text: str, codes: Iterable[int], year: int
                 ) -> tuple[tuple[PopulationFigure, ...], list[Message]]:
    """Figures for exactly the requested codes, or () and every problem found in the answer."""
    wanted = tuple(codes)
    messages: list[Message] = []

    def odd(text_: str):
        messages.append(error(None, None, None, "Svaret fra Danmarks Statistik: " + text_))

    lines = [line for line in text.lstrip("\ufeff").splitlines() if line.strip()]
    rows = list(csv.reader(lines, delimiter=";"))
    if not rows:
        odd("svaret er tomt.")
        return (), messages
    header = [h.strip().lstrip("\ufeff").upper() for h in rows[0]]
    if "OMRÅDE" not in header or "INDHOLD" not in header or "TID" not in header:
        odd(f'svaret har ikke de forventede kolonner ({";".join(_HEADER)}), men begynder med '
            f'"{_short(lines[0], 80)}".')
        return (), messages
    col = {h: i for i, h in enumerate(header)}

    want = f"{year}K1"
    found: dict[int, list[int]] = {}
    values: dict[int, int] = {}
    unknown, extra, bad_period, not_total = [], [], set(), set()
    for line_no, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            odd(f"linje {line_no} har {len(row)} felter i stedet for {len(header)}.")
            continue
        cell = {h: row[i].strip() for h, i in col.items()}
        code = _area_code(cell["OMRÅDE"])
        if code is None:
            unknown.append(cell["OMRÅDE"])
            continue
        if code not in wanted:
            extra.append(code)
            continue
        found.setdefault(code, []).append(line_no)
        if cell["TID"].upper() != want:
            bad_period.add(cell["TID"])
        for variable, totals in _TOTALS.items():
            if variable in cell and cell[variable].casefold() not in totals:
                not_total.add(f"{variable}={cell[variable]}")
        raw = cell["INDHOLD"]
        if _WHOLE.match(raw) and int(raw) > 0:
            values[code] = int(raw)
        else:
            shown = f'"{_short(raw, 20)}"' if raw else "tomt"
            odd(f"folketallet for {code} {_name(code)} er {shown}, ikke et positivt heltal.")

    missing = [c for c in wanted if c not in found]
    if missing:
        odd(f"der mangler folketal for {len(missing)} "
            f"{'kommune' if len(missing) == 1 else 'kommuner'}: {_listing(missing)}.")
    twice = [c for c, where in found.items() if len(where) > 1]
    if twice:
        odd(f"{_listing(sorted(twice))} står mere end én gang.")
    if bad_period:
        odd(f"tallene gælder {', '.join(sorted(bad_period))}, ikke {want} (1. januar {year}).")
    if not_total:
        odd(f"tallene er ikke totaler ({', '.join(sorted(not_total))}).")
    if unknown:
        odd(f"ukendt område: {', '.join(_short(u, 40) for u in unknown[:5])}.")
    if extra:
        messages.append(warning(None, None, None,
                                f"Svaret fra Danmarks Statistik indeholdt også "
                                f"{_listing(sorted(set(extra)))}; de bruges ikke."))
    if any(m.is_error for m in messages):
        return (), messages
    day = key_date(year)
    return tuple(PopulationFigure(c, _name(c), day, values[c]) for c in sorted(wanted)), messages


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def check_plausible(figures: Iterable[PopulationFigure], previous: Iterable[PopulationFigure],
                    year: int, tolerance: Decimal = TOLERANCE) -> list[Message]:
    """The total against the previous 1 January's (same municipalities): outside ±5 % = error."""
    figures = tuple(figures)
    before_day = key_date(year - 1)
    before = {p.municipality_code: p.population for p in previous if p.key_date == before_day}
    common = [f for f in figures if f.municipality_code in before]
    if not common:
        return [warning(SHEET, None, None,
                        f"Der er ingen folketal pr. {before_day:%d-%m-%Y} at sammenligne med, så "
                        f"summen er ikke kontrolleret mod året før.")]
    new_total = sum(f.population for f in common)
    old_total = sum(before[f.municipality_code] for f in common)
    change = (Decimal(new_total) - old_total) / old_total
    messages = []
    if len(common) < len(figures):
        messages.append(warning(SHEET, None, None,
                                f"Kun {len(common)} af {len(figures)} kommuner har et folketal pr. "
                                f"{before_day:%d-%m-%Y}; summen er sammenlignet for dem."))
    if abs(change) > tolerance:
        pct = f"{change * 100:+.1f}".replace(".", ",")
        messages.append(error(SHEET, None, None,
                              f"Folketallet i alt pr. {key_date(year):%d-%m-%Y} "
                              f"({_thousands(new_total)}) afviger {pct} % fra "
                              f"{before_day:%d-%m-%Y} ({_thousands(old_total)}). Mere end "
                              f"{tolerance * 100:.0f} % på et år er usandsynligt; tallene er ikke "
                              f"brugt."))
    return messages


def fetch_population(year: int, codes: Iterable[int] | None = None,
                     previous: Iterable[PopulationFigure] = (), base: str | None = None,
                     timeout: float | None = None
                     ) -> tuple[tuple[PopulationFigure, ...], list[Message]]:
    """FOLK1A on 1 January `year` for `codes` (default: the 29 of Region Hovedstaden), checked.

    `previous`: the figures already known (the workbook's); the total is compared with the
    previous 1 January's. Returns the figures and warnings, or () and the errors.
    """
    wanted = tuple(codes) if codes is not None else default_codes()
    if not wanted:
        return (), [error(SHEET, None, None, "Der er ingen kommuner at hente folketal for.")]
    if year < FIRST_YEAR:
        return (), [error(None, None, None,
                          f"{TABLE} har folketal fra 1. januar {FIRST_YEAR}; {year} kan ikke "
                          f"hentes.")]
    seconds, problem = timeout_setting(timeout)
    if problem:
        return (), [problem]
    problem = check_base_url(base_url(base))
    if problem:
        return (), [problem]
    url = build_url(wanted, year, base)
    text, messages = fetch_csv(url, seconds)
    if text is None:
        return (), messages
    figures, messages = parse_answer(text, wanted, year)
    if not figures:
        return (), messages
    messages += check_plausible(figures, previous, year)
    if any(m.is_error for m in messages):
        return (), messages
    return figures, messages


# --------------------------------------------------------------------------------------------
# Writing: a RawWorkbook → `build_workbook` input with the year's rows replaced


def _plain(column, value):
    """A raw cell value as build_workbook writes it (whole-number floats of counts → int; an
    error value as its text, which Excel and the reader read as the error again)."""
    if isinstance(value, ExcelError):
        return value.code
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer() and column.kind in (Kind.INTEGER, Kind.ID):
        return int(value)
    if isinstance(value, (str, int, float, Decimal, date, datetime, dtime, timedelta)):
        return value
    return str(value)


def table_rows(raw: RawTable) -> list[list]:
    """A raw table's rows in declared column order, values as read."""
    return [[_plain(c, r.values.get(c.field)) for c in raw.table.columns] for r in raw.rows]


def rebuild_input(raw: RawWorkbook) -> tuple[dict[str, list[list]], dict[str, object]]:
    """`data` and `settings` for `build_workbook` that reproduce the workbook's input values."""
    data = {name: table_rows(t) for name, t in raw.tables.items()}
    settings = {name: _plain(s.setting.column, s.value) for name, s in raw.settings.items()}
    return data, settings


@dataclass(frozen=True)
class Merge:
    rows: list  # tblBefolkning rows, declared column order
    replaced: int  # rows for the key date that were there before
    changed: int  # of the fetched figures, how many differ from what was there


def merge_population(raw: RawTable | None, figures: Iterable[PopulationFigure]) -> Merge:
    """tblBefolkning with every row for the figures' key date replaced by the figures.

    Rows for other dates keep their order and values. The new rows take the place of the first
    replaced row, or go at the end (sorted by municipality code).
    """
    figures = sorted(figures, key=lambda f: f.municipality_code)
    day = figures[0].key_date
    date_column = BEFOLKNING.column("key_date")
    kept, old, replaced, insert_at = [], {}, 0, None
    if raw is not None:
        for row, raw_row in zip(table_rows(raw), raw.rows):
            typed, _ = convert(date_column, raw_row.values.get("key_date"))
            if typed != day:
                kept.append(row)
                continue
            if insert_at is None:
                insert_at = len(kept)
            replaced += 1
            old[row[0]] = row[3]  # code → population as it stood
    if insert_at is None:
        insert_at = len(kept)
    new = [[f.municipality_code, f.municipality, f.key_date, f.population] for f in figures]
    changed = sum(1 for f in figures if old.get(f.municipality_code) != f.population)
    return Merge(kept[:insert_at] + new + kept[insert_at:], replaced, changed)
