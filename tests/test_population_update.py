"""`xl-underskud befolkning`: FOLK1A from Danmarks Statistik, checked, written into a NEW workbook.

Every test talks to a local HTTP server on 127.0.0.1 (ephemeral port, own thread), never to
api.statbank.dk. The recorded answer `fixtures/dst_folk1a_2024K1.csv` is RECONSTRUCTED: it is
written in the API's documented CSV format (`OMRÅDE;KØN;ALDER;CIVILSTAND;TID;INDHOLD`, UTF-8 with
byte-order mark, valuePresentation=Code) from the 1 January 2024 figures bundled in
`xl_underskud/data/folketal_hovedstaden.csv` (FOLK1AM), because the real API is not reachable
from the test machine. FOLK1A 2024K1 and FOLK1AM 2024M01 are the same count (1 January 2024).
"""
from __future__ import annotations

import hashlib
import socket
import tempfile
import urllib.parse
from datetime import date
from pathlib import Path

import pytest

from xl_underskud.dst import folk1a as dst
from xl_underskud.core import municipalities as muni
from xl_underskud.core.parse import parse_inputs
from xl_underskud.xlsx.reader import read_workbook
from xl_underskud.xlsx.template import build_workbook, default_population_rows

from conftest import run_cli, run_cli_process
from fake_dst import FIXTURE, RECORDED, FakeDST, _answer_text  # noqa: E402,F401
FIGURES_2024 = {c: p for c, _, d, p in muni.bundled_population() if d == date(2024, 1, 1)}
HOVEDSTADEN = sorted(FIGURES_2024)


@pytest.fixture
def fake_dst():
    server = FakeDST()
    yield server
    server.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_PROXIES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")


def run_process(*args, url, cwd=None):
    """`python -m xl_underskud …` as a user runs it, pointed at the local server (and never at a
    proxy)."""
    env = {name: None for name in (*_PROXIES, dst.TIMEOUT_ENV)}
    env.update({dst.URL_ENV: url, "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost"})
    return run_cli_process(*args, cwd=cwd, env=env)


@pytest.fixture
def run(monkeypatch):
    """The same command in this process (`run_cli`), with the same environment: the local
    server's address, no proxy, the timeout variable only when given."""
    def _run(*args, url, timeout=None, cwd=None):
        for name in (*_PROXIES, dst.TIMEOUT_ENV):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv(dst.URL_ENV, url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
        if timeout is not None:
            monkeypatch.setenv(dst.TIMEOUT_ENV, str(timeout))
        return run_cli(*args, cwd=cwd)

    return _run


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_BUILT: dict[tuple, bytes] = {}


def _workbook(tmp_path, years=(2022, 2023, 2024), name="mappe.xlsx", change_2024=0, **kw):
    """The template with the bundled population of `years`, as `tmp_path / name`: built once
    per kind, then copied (the bytes are never changed)."""
    key = (tuple(years), change_2024, repr(sorted(kw.items())))
    if key not in _BUILT:
        rows = [r for r in default_population_rows() if r[2].year in years]
        if change_2024:
            rows = [[c, n, d, p + change_2024 if d.year == 2024 else p] for c, n, d, p in rows]
        with tempfile.TemporaryDirectory() as folder:
            built = build_workbook(Path(folder) / "mappe.xlsx", {"tblBefolkning": rows}, **kw)
            _BUILT[key] = built.read_bytes()
    path = tmp_path / name
    path.write_bytes(_BUILT[key])
    return path


def _population(path):
    inputs, messages = parse_inputs(read_workbook(path))
    assert [m for m in messages if m.is_error] == []
    return inputs.population


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


# --------------------------------------------------------------------------------------------
# Happy path


def test_recorded_answer_is_in_dst_format():
    text = RECORDED.decode("utf-8")
    assert text.startswith("\ufeffOMRÅDE;KØN;ALDER;CIVILSTAND;TID;INDHOLD\r\n")
    assert len(text.splitlines()) == 1 + 29


def test_update_adds_the_year_to_a_new_workbook(fake_dst, tmp_path):
    fil = _workbook(tmp_path, years=(2022, 2023), settings={"Periode": "Kvartal"})
    before = _sha(fil)
    res = run_process("befolkning", "--aar", 2024, "--fil", fil, url=fake_dst.url)
    assert res.returncode == 0, res.stderr
    out = tmp_path / "mappe_befolkning_2024.xlsx"
    assert out.exists()
    assert _sha(fil) == before, "the input file is never modified"
    assert "Ny projektmappe skrevet" in res.stdout and "29 rækker" in res.stdout

    # the request: the workbook's 29 codes, totals, quarter 2024K1, codes back
    assert len(fake_dst.requests) == 1
    path, _, query = fake_dst.requests[0].partition("?")
    assert path == "/v1/data/FOLK1A/CSV"
    params = dict(urllib.parse.parse_qsl(query))
    assert sorted(int(c) for c in params["OMRÅDE"].split(",")) == HOVEDSTADEN
    assert (params["KØN"], params["ALDER"], params["CIVILSTAND"], params["Tid"],
            params["valuePresentation"]) == ("TOT", "IALT", "TOT", "2024K1", "Code")

    population = _population(out)
    new = {p.municipality_code: p.population for p in population if p.key_date == date(2024, 1, 1)}
    assert new == FIGURES_2024
    assert len([p for p in population if p.key_date.year == 2022]) == 29  # other years kept
    assert len([p for p in population if p.key_date.year == 2023]) == 29
    assert parse_inputs(read_workbook(out))[0].settings.period.value == "Kvartal"

    from openpyxl import load_workbook

    intro = load_workbook(out)["Befolkning"]["A2"].value
    assert intro.startswith("Kilde: Danmarks Statistik, FOLK1A (2024K1), hentet ")
    assert date.today().strftime("%d-%m-%Y") in intro

    check = run_cli("valider", out)
    assert check.returncode == 0, check.stdout + check.stderr


def test_update_replaces_the_year_and_keeps_every_input_table(fake_dst, run, tmp_path):
    from xl_underskud.xlsx.example import write_example

    fil = write_example(tmp_path / "eksempel.xlsx")
    raw_before = read_workbook(fil)
    # København's 2024 figure typed wrong: the update must put DST's figure back
    from xl_underskud.dst.folk1a import rebuild_input
    data, settings = rebuild_input(raw_before)
    data["tblBefolkning"] = [[c, n, d, 1000 if (c, d.year) == (101, 2024) else p]
                             for c, n, d, p in data["tblBefolkning"]]
    build_workbook(fil, data, settings)
    raw_before = read_workbook(fil)
    out = tmp_path / "ny.xlsx"

    res = run("befolkning", "--aar", 2024, "--fil", fil, "--ud", out, url=fake_dst.url)
    assert res.returncode == 0, res.stderr
    assert "29 rækker pr. 01-01-2024 er erstattet; 1 folketal er ændret" in res.stdout
    raw_after = read_workbook(out)
    for name, table in raw_before.tables.items():
        if name == "tblBefolkning":
            continue
        before = [r.values for r in table.rows]
        after = [r.values for r in raw_after.tables[name].rows]
        assert before == after, name
    assert {n: s.value for n, s in raw_before.settings.items()} == \
        {n: s.value for n, s in raw_after.settings.items()}
    population = _population(out)
    assert len(population) == 87  # 2024 replaced, not added twice
    kbh = [p for p in population if (p.municipality_code, p.key_date.year) == (101, 2024)]
    assert [p.population for p in kbh] == [659350]
    assert run("beregn", out, "--json", url=fake_dst.url).returncode == 0


def test_without_fil_prints_the_table(fake_dst, run, tmp_path):
    res = run("befolkning", "--aar", 2024, url=fake_dst.url, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0] == "kommunekode;kommune;folketal"
    assert "101;København;659350" in lines
    assert len(lines) == 30
    assert "Kilde: Danmarks Statistik, FOLK1A (2024K1)" in res.stderr
    assert _files(tmp_path) == []
    params = dict(urllib.parse.parse_qsl(fake_dst.requests[0].partition("?")[2]))
    assert sorted(int(c) for c in params["OMRÅDE"].split(",")) == HOVEDSTADEN


def test_label_form_of_the_answer_is_accepted(fake_dst, monkeypatch):
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    names = muni.names_by_code()
    fake_dst.answer(_answer_text(lambda f: [names[int(f[0])], "I alt", "Alder i alt", "I alt",
                                            *f[4:]]))
    figures, messages = dst.fetch_population(2024, base=fake_dst.url, timeout=5)
    assert messages and all(not m.is_error for m in messages)  # no 2023 figures: a warning
    assert {f.municipality_code: f.population for f in figures} == FIGURES_2024


# --------------------------------------------------------------------------------------------
# An odd answer, a failing network: a clear Danish message, exit 1, nothing written


def _assert_refused(res, tmp_path, fil, before, *phrases):
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    assert "Intet er ændret" in res.stderr
    for phrase in phrases:
        assert phrase in res.stderr, res.stderr
    assert _files(tmp_path) == [fil.name]
    assert _sha(fil) == before


@pytest.mark.parametrize("case, answer, phrases", [
    ("missing municipality",
     dict(body=_answer_text(lambda f: None if f[0] == "101" else f)),
     ["mangler folketal for 1 kommune: 101 København"]),
    ("not a number",
     dict(body=_answer_text(lambda f: f[:5] + [".."] if f[0] == "147" else f)),
     ['folketallet for 147 Frederiksberg er ".."', "ikke et positivt heltal"]),
    ("duplicate",
     dict(body=_answer_text() + "101;TOT;IALT;TOT;2024K1;659350\r\n"),
     ["101 København står mere end én gang"]),
    ("wrong quarter",
     dict(body=_answer_text(lambda f: f[:4] + ["2023K4", f[5]])),
     ["gælder 2023K4, ikke 2024K1"]),
    ("html error page",
     dict(body="<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>",
          content_type="text/html"),
     ["webside i stedet for tal"]),
    ("html with a csv content type",
     dict(body="\n<html><body>Log ind</body></html>"),
     ["webside i stedet for tal"]),
    ("http 500",
     dict(body="Internal Server Error", status=500, content_type="text/plain"),
     ["svarede med en fejl (HTTP 500)"]),
    ("http 400 with DST's json",
     dict(body='{"errorTypeCode":"EXTRACT-NOTFOUND","message":"Tid 2024K1 findes ikke"}',
          status=400, content_type="application/json"),
     ["HTTP 400", "Tid 2024K1 findes ikke"]),
    ("empty", dict(body=""), ["tomt svar"]),
    ("not csv", dict(body="hej med dig\r\n"), ["ikke de forventede kolonner"]),
    ("implausible total",
     dict(body=_answer_text(lambda f: f[:5] + [str(int(f[5]) * 8 // 10)])),
     # 2024 is 1 % above 2023, so 80 % of 2024 is 19,2 % below 2023's 1.891.778
     ["(1.528.771) afviger -19,2 % fra 01-01-2023 (1.891.778)", "usandsynligt"]),
])
def test_odd_answers_change_nothing(fake_dst, run, tmp_path, case, answer, phrases):
    fil = _workbook(tmp_path, years=(2022, 2023))
    before = _sha(fil)
    fake_dst.answer(**answer)
    res = run("befolkning", "--aar", 2024, "--fil", fil, url=fake_dst.url)
    _assert_refused(res, tmp_path, fil, before, *phrases)


@pytest.mark.parametrize("cell", [
    '<c r="E8"><f>Lister!A1</f></c>',
    '<c r="E8" t="e"><f>Lister!A1</f><v>#N/A</v></c>',
])
def test_a_cell_in_error_elsewhere_is_carried_over_as_it_is(fake_dst, run, tmp_path, cell):
    """Only tblBefolkning is rewritten: a cell outside it without a value (here Periode, E8 on
    Indstillinger) is neither a reason to stop nor lost — the new workbook has the same cell."""
    from test_error_values import rewrite_cells

    fil = _workbook(tmp_path, years=(2022, 2023))
    rewrite_cells(fil, {("Indstillinger", "E8"): cell})
    before = _sha(fil)
    res = run("befolkning", "--aar", 2024, "--fil", fil, url=fake_dst.url)
    assert res.returncode == 0, res.stderr
    assert _sha(fil) == before
    out = tmp_path / "mappe_befolkning_2024.xlsx"
    import zipfile

    with zipfile.ZipFile(out) as z:
        assert cell.encode() in z.read("xl/worksheets/sheet7.xml")


def test_update_keeps_what_the_user_added(fake_dst, run, tmp_path):
    """The user's own sheet with a chart, a comment and formatting on Befolkning survive the
    update: every part but the sheet Befolkning and its table is the same, byte for byte."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    wb = load_workbook(_workbook(tmp_path, years=(2022, 2023)))
    mine = wb.create_sheet("Mit ark")
    mine.append(["x", 1])
    chart = BarChart()
    chart.add_data(Reference(mine, min_col=2, min_row=1, max_row=1))
    mine.add_chart(chart, "C3")
    wb["Befolkning"]["F2"] = "Min note"
    wb["Befolkning"]["F2"].font = Font(italic=True)
    wb["Befolkning"]["A1"].comment = Comment("Kommentar", "Bruger")
    fil = tmp_path / "min.xlsx"
    wb.save(fil)
    res = run("befolkning", "--aar", 2024, "--fil", fil, url=fake_dst.url)
    assert res.returncode == 0, res.stderr
    out = tmp_path / "min_befolkning_2024.xlsx"
    with zipfile.ZipFile(fil) as a, zipfile.ZipFile(out) as b:
        assert a.namelist() == b.namelist()
        changed = [n for n in a.namelist() if a.read(n) != b.read(n)]
    assert changed == ["xl/worksheets/sheet6.xml", "xl/tables/table5.xml"]
    assert len([p for p in _population(out) if p.key_date == date(2024, 1, 1)]) == 29
    assert load_workbook(out)["Befolkning"]["F2"].value == "Min note"


def test_a_classic_workbook_stays_classic(fake_dst, run, tmp_path):
    from conftest import REPO

    fil = tmp_path / "Klassisk.xlsm"
    fil.write_bytes((REPO / "workbook" / "Underskudsgaranti.xlsm").read_bytes())
    res = run("befolkning", "--aar", 2024, "--fil", fil, url=fake_dst.url)
    assert res.returncode == 0, res.stderr
    out = tmp_path / "Klassisk_befolkning_2024.xlsm"
    import zipfile

    with zipfile.ZipFile(fil) as a, zipfile.ZipFile(out) as b:
        assert a.read("xl/vbaProject.bin") == b.read("xl/vbaProject.bin")
    assert len([p for p in _population(out) if p.key_date == date(2024, 1, 1)]) == 29


def test_timeout(fake_dst, run, tmp_path):
    fil = _workbook(tmp_path, years=(2022, 2023))
    before = _sha(fil)
    fake_dst.answer(RECORDED, delay=30)
    res = run("befolkning", "--aar", 2024, "--fil", fil, url=fake_dst.url, timeout=0.5)
    _assert_refused(res, tmp_path, fil, before, "svarede ikke inden for 0,5 sekunder")


def test_timeout_option_beats_the_environment(fake_dst, run, tmp_path):
    fake_dst.answer(RECORDED, delay=30)
    res = run("befolkning", "--aar", 2024, "--ventetid", "0,3", url=fake_dst.url, timeout=60,
              cwd=tmp_path)
    assert res.returncode == 1 and "inden for 0,3 sekunder" in res.stderr, res.stderr


def test_connection_refused(run, tmp_path):
    fil = _workbook(tmp_path, years=(2022, 2023))
    before = _sha(fil)
    res = run("befolkning", "--aar", 2024, "--fil", fil,
              url=f"http://127.0.0.1:{_closed_port()}/v1")
    _assert_refused(res, tmp_path, fil, before, "forbindelsen blev afvist")


def test_total_without_previous_year_is_a_warning_only(fake_dst, run, tmp_path):
    fil = _workbook(tmp_path, years=(2022,))
    res = run("befolkning", "--aar", 2024, "--fil", fil, url=fake_dst.url)
    assert res.returncode == 0, res.stderr
    assert "Advarsel" in res.stderr and "ingen folketal pr. 01-01-2023" in res.stderr
    assert (tmp_path / "mappe_befolkning_2024.xlsx").exists()


def test_total_within_five_percent_passes():
    prev = [dst.PopulationFigure(101, "København", date(2023, 1, 1), 1000)]
    new = [dst.PopulationFigure(101, "København", date(2024, 1, 1), 1049)]
    assert dst.check_plausible(new, prev, 2024) == []
    new = [dst.PopulationFigure(101, "København", date(2024, 1, 1), 949)]
    assert [m.is_error for m in dst.check_plausible(new, prev, 2024)] == [True]


# --------------------------------------------------------------------------------------------
# The workbook side and the use of the command


def test_workbook_with_errors_in_befolkning_is_refused_before_fetching(fake_dst, run, tmp_path):
    rows = default_population_rows()
    rows[3] = [rows[3][0], rows[3][1], rows[3][2], "mange"]
    fil = build_workbook(tmp_path / "mappe.xlsx", {"tblBefolkning": rows})
    before = _sha(fil)
    res = run("befolkning", "--aar", 2024, "--fil", fil, url=fake_dst.url)
    _assert_refused(res, tmp_path, fil, before, "ark Befolkning, række 8")
    assert fake_dst.requests == []


def test_missing_file_is_refused(fake_dst, run, tmp_path):
    res = run("befolkning", "--aar", 2024, "--fil", tmp_path / "findes_ikke.xlsx",
              url=fake_dst.url)
    assert res.returncode == 1 and "findes ikke" in res.stderr
    assert fake_dst.requests == [] and _files(tmp_path) == []


def test_output_onto_the_input_is_refused(fake_dst, run, tmp_path):
    fil = _workbook(tmp_path)
    before = _sha(fil)
    res = run("befolkning", "--aar", 2024, "--fil", fil, "--ud", fil, url=fake_dst.url)
    _assert_refused(res, tmp_path, fil, before, "oven i indfilen")


def test_paying_municipalities_are_the_workbooks(fake_dst, run, tmp_path):
    rows = [r for r in default_population_rows() if r[0] in (101, 147)]
    fil = build_workbook(tmp_path / "to.xlsx", {"tblBefolkning": rows})
    res = run("befolkning", "--aar", 2024, "--fil", fil, url=fake_dst.url)
    assert res.returncode == 0, res.stderr
    params = dict(urllib.parse.parse_qsl(fake_dst.requests[0].partition("?")[2]))
    assert params["OMRÅDE"] == "101,147"
    assert "indeholdt også" in res.stderr  # the 27 others in the answer are not used
    population = _population(tmp_path / "to_befolkning_2024.xlsx")
    assert {p.municipality_code for p in population} == {101, 147}


@pytest.mark.parametrize("args, phrase", [
    (["--aar", "2007"], "fra 1. januar 2008"),
    (["--aar", str(date.today().year + 1)], "findes ikke endnu"),
    (["--aar", "2024", "--ventetid", "abc"], "ikke et tal"),
    (["--aar", "2024", "--ventetid", "0"], "positivt antal sekunder"),
    (["--aar", "2024", "--ud", "x.xlsx"], "--ud kræver --fil"),
    (["--aar", "2024", "--fil", "a.xlsx", "--ud", "b.xlsm"], ".xlsx"),
    ([], "mangler: --aar"),
])
def test_wrong_use_exits_2(fake_dst, run, tmp_path, args, phrase):
    res = run("befolkning", *args, url=fake_dst.url, cwd=tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    assert phrase in res.stderr
    assert fake_dst.requests == [] and _files(tmp_path) == []


def test_bad_base_url_is_a_message(run, tmp_path):
    res = run("befolkning", "--aar", 2024, url="ftp://example.invalid", cwd=tmp_path)
    assert res.returncode == 1 and "ugyldig" in res.stderr and "Traceback" not in res.stderr


def test_build_url_defaults_to_the_real_api(monkeypatch):
    monkeypatch.delenv(dst.URL_ENV, raising=False)
    url = dst.build_url([101, 147], 2025)
    assert url.startswith("https://api.statbank.dk/v1/data/FOLK1A/CSV?")
    params = dict(urllib.parse.parse_qsl(url.partition("?")[2]))
    assert params == {"OMRÅDE": "101,147", "KØN": "TOT", "ALDER": "IALT", "CIVILSTAND": "TOT",
                      "Tid": "2025K1", "valuePresentation": "Code", "lang": "da"}
    assert len(dst.default_codes()) == 29
