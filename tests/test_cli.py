"""The command line on the bundled example: in this process (`run_cli`), and as a user runs it
in a new process (`run_cli_process`) where the shell's view is the point: the JSON on stdout,
exit code 2 for wrong use, the files `skabelon` and `eksempel` write."""
import hashlib
import json

from openpyxl import load_workbook

from conftest import run_cli, run_cli_process


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_beregn_json_on_the_example(example_path, tmp_path):
    before = _sha(example_path)
    res = run_cli_process("beregn", example_path, "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["format"] == "xl-underskud/afregning@3"
    assert set(out) == {"format", "kilde", "aftaler", "fordeling", "efterregulering",
                        "kommuner", "tomgang", "fradrag", "advarsler"}
    assert out["efterregulering"] == []  # nothing settled yet (sheet Afregnet is empty)
    # the output names its input: the file and the SHA-256 of its bytes (SPEC rule 13)
    assert out["kilde"] == {"fil": example_path.name, "sha256": before}
    rows = {(r["aftale_id"], r["periode"]): r for r in out["aftaler"]}
    # A2 2023: place 2 paid to 30-04-2023 (notice), next stay from 01-07-2023:
    # May 31 + June 30 = 61 vacant days; 61 × 50 % × 4.326,00 kr = 131.943,00 kr
    assert rows[("A2", "2023")]["tomme_doegn"] == 61
    assert rows[("A2", "2023")]["beloeb_oere"] == 13_194_300
    # A3 2024: place 3 paid to 31-01-2024, next stay from 01-04-2024:
    # Feb 29 (leap year) + Mar 31 = 60 days; 60 × 50 % × 3.872,80 kr = 116.184,00 kr
    assert rows[("A3", "2024")]["tomme_doegn"] == 60
    assert rows[("A3", "2024")]["beloeb_oere"] == 11_618_400
    # A1 2023: place 3 paid to 28-02-2023, next from 01-06-2023: Mar+Apr+May = 92 days;
    # place 5 empty in January (31 days): 123 days × 50 % × 4.995,50 kr = 307.223,25 kr
    assert rows[("A1", "2023")]["tomme_doegn"] == 123
    assert rows[("A1", "2023")]["beloeb_oere"] == 30_722_325
    # A2 2022: six places, all occupied from their start dates (Feb 1 ×2, Apr 1, Jun 1,
    # Sep 1, Nov 1): 334 + 334 + 275 + 214 + 122 + 61 = 1.340 window days, none vacant
    assert rows[("A2", "2022")]["vinduesdoegn"] == 1340
    assert rows[("A2", "2022")]["tomme_doegn"] == 0
    for r in out["aftaler"]:
        assert r["vinduesdoegn"] == r["betalte_doegn"] + r["tomme_doegn"]
    keys = [(r["aftale_id"], r["periode"]) for r in out["aftaler"]]
    assert keys == sorted(keys)
    fkeys = [(r["aftale_id"], r["periode"], r["kommunekode"]) for r in out["fordeling"]]
    assert fkeys == sorted(fkeys)
    for (aid, period), r in rows.items():
        parts = [f["beloeb_oere"] for f in out["fordeling"]
                 if (f["aftale_id"], f["periode"]) == (aid, period)]
        assert sum(parts) == r["beloeb_oere"]
    total = sum(r["beloeb_oere"] for r in out["aftaler"])
    assert sum(k["betaler_oere"] for k in out["kommuner"]) == total
    assert sum(k["modtager_oere"] for k in out["kommuner"]) == total
    region = [k for k in out["kommuner"] if k["kommunekode"] == 1084]
    assert region and all(k["betaler_oere"] == 0 for k in region)
    # Gladsaxe operates A2 and also pays its population share: net = receives − pays
    glx = {k["periode"]: k for k in out["kommuner"] if k["kommunekode"] == 159}
    assert glx["2023"]["modtager_oere"] == 13_194_300
    assert glx["2023"]["netto_oere"] == glx["2023"]["modtager_oere"] - glx["2023"]["betaler_oere"]
    assert 0 < glx["2023"]["betaler_oere"] < total
    assert _sha(example_path) == before
    assert not list(tmp_path.glob("*afregning*")), "--json without --ud writes no report"


def test_beregn_writes_a_report_and_leaves_the_input_alone(example_path, tmp_path):
    before = _sha(example_path)
    report = tmp_path / "rapport.xlsx"
    res = run_cli("beregn", example_path, "--aar", "2023", "--ud", report)
    assert res.returncode == 0, res.stderr
    assert "I alt" in res.stdout
    assert _sha(example_path) == before
    wb = load_workbook(report)
    assert wb.sheetnames == ["Resultat", "Tomgang", "Fordeling", "Fordelingsnøgle",
                             "Kommuneoversigt", "Eksponering", "Takstkontrol", "Fejl"]
    ws = wb["Resultat"]
    periods = {ws.cell(r, 4).value for r in range(5, ws.max_row) if ws.cell(r, 1).value in
               ("A1", "A2", "A3")}
    assert periods == {"2023"}
    # 307.223,25 + 131.943,00 + 109.040,00 = 548.206,25 kr (see the JSON test for each)
    total_row = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "I alt"][0]
    amount_col = [c for c in range(1, ws.max_column + 1) if ws.cell(4, c).value == "Beløb"][0]
    assert round(ws.cell(total_row, amount_col).value, 2) == 548206.25
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".xl-underskud-")]


def test_beregn_with_aar_limits_the_periods(example_path):
    out = json.loads(run_cli("beregn", example_path, "--aar", "2024", "--json").stdout)
    assert {r["periode"] for r in out["aftaler"]} == {"2024"}
    assert {k["periode"] for k in out["kommuner"]} == {"2024"}


def test_valider_accepts_the_example(example_path):
    res = run_cli("valider", example_path)
    assert res.returncode == 0
    assert "Ingen fejl" in res.stdout


def test_report_may_not_overwrite_the_input(example_path):
    before = _sha(example_path)
    res = run_cli("beregn", example_path, "--ud", example_path)
    assert res.returncode == 1
    assert "indfilen" in res.stderr
    assert _sha(example_path) == before


def test_help_is_danish():
    res = run_cli("--help")
    assert res.returncode == 0
    assert "Brug:" in res.stdout and "beregn" in res.stdout and "kontrollér" in res.stdout
    res = run_cli_process("beregn")
    assert res.returncode == 2
    assert "mangler" in res.stderr


def test_skabelon_and_eksempel_write_files(tmp_path):
    assert run_cli_process("skabelon", "--ud", tmp_path / "s.xlsx").returncode == 0
    assert run_cli_process("eksempel", "--ud", tmp_path / "e.xlsx").returncode == 0
    assert load_workbook(tmp_path / "e.xlsx")["Aftaler"]["A5"].value == "A1"


def test_reader_warnings_reach_the_json(tmp_path):
    """A workbook without sheet Indstillinger still settles (the model's defaults) and says so."""
    from openpyxl import load_workbook as load

    from xl_underskud.xlsx.example import write_example

    path = write_example(tmp_path / "uden_indstillinger.xlsx")
    wb = load(path)
    del wb["Indstillinger"]
    wb.save(path)
    res = run_cli("beregn", path, "--aar", "2023", "--json")
    assert res.returncode == 0, res.stderr
    warnings = json.loads(res.stdout)["advarsler"]
    assert any(w["ark"] == "Indstillinger" and "standard" in w["besked"] for w in warnings)


def test_an_unwritable_report_gives_a_danish_message_not_a_traceback(example_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(example_path.parent / "r.xlsx"))

    monkeypatch.setattr("xl_underskud.xlsx.report.write_report", refuse)
    res = run_cli("beregn", example_path, "--ud", example_path.parent / "r.xlsx")
    assert res.returncode == 1
    assert "ingen adgang" in res.stderr and "Traceback" not in res.stderr
