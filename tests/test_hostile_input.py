"""Hostile or unlucky input (issue 'No surprises'): every class found by fuzzing is a located
Danish error with exit 1, no traceback, nothing written and the input unchanged."""
from __future__ import annotations

import hashlib
import json
import time
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from conftest import run_cli
from test_malformed import HEADER_ROW, cell, edit_example, set_setting, setting_row
from xl_underskud.core.checks import _overlaps
from xl_underskud.core.records import Inputs, Stay


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _errors(res) -> list[dict]:
    return json.loads(res.stdout)["fejl"]


CASES = [
    # (id, edits, (sheet, Excel row, column), words in the message)
    ("garantiaar-1e9", [set_setting("Garantiaar", 1e9)],
     ("Indstillinger", setting_row("Garantiaar"), "Garantiperiode (år)"), "for stor"),
    ("garantiaar-9999", [set_setting("Garantiaar", 9999)],
     ("Indstillinger", setting_row("Garantiaar"), "Garantiperiode (år)"), "højst 10"),
    ("afregningsaar-1e308", [set_setting("Afregningsaar", 1e308)],
     ("Indstillinger", setting_row("Afregningsaar"), "Afregningsår (tom = alle år)"),
     "højst 2.100"),
    ("folketal-1e308", [cell("Befolkning", HEADER_ROW + 1, "Folketal", 1e308)],
     ("Befolkning", HEADER_ROW + 1, "Folketal"), "for stor"),
    ("doegntakst-1e308", [cell("Takster", HEADER_ROW + 1, "Døgntakst", 1e308)],
     ("Takster", HEADER_ROW + 1, "Døgntakst"), "for stor"),
    ("scenarie-belaegning-150", [set_setting("ScenarieBelaegning", 150)],
     ("Indstillinger", setting_row("ScenarieBelaegning"), "Eksponering: forventet belægning"),
     "over 100 %"),
    ("scenarie-belaegning-minus-5", [set_setting("ScenarieBelaegning", -0.05)],
     ("Indstillinger", setting_row("ScenarieBelaegning"), "Eksponering: forventet belægning"),
     "større end 0"),
    # 1,7 in a general cell: 170 % or 1,7 %? An error, not a guess (SPEC rule 12)
    ("belaegning-1-komma-7", [cell("Takster", HEADER_ROW + 1, "Belægningsprocent", 1.7)],
     ("Takster", HEADER_ROW + 1, "Belægningsprocent"), "to måder"),
    ("tilbud-3000-tegn", [cell("Aftaler", HEADER_ROW + 1, "Tilbud", "x" * 3000)],
     ("Aftaler", HEADER_ROW + 1, "Tilbud"), "højst være 200 tegn"),
    ("aftaleid-300-tegn", [cell("Aftaler", HEADER_ROW + 1, "AftaleID", "A" * 300)],
     ("Aftaler", HEADER_ROW + 1, "AftaleID"), "højst være 40 tegn"),
    # SPEC rule 2: the operator is a paying municipality or their region
    ("driftsherre-roskilde", [cell("Aftaler", HEADER_ROW + 1, "Driftsherre", "Roskilde Kommune")],
     ("Aftaler", HEADER_ROW + 1, "Driftsherre"), "hverken en af de betalende kommuner"),
]


@pytest.mark.parametrize("name, edits, where, words", CASES, ids=[c[0] for c in CASES])
def test_hostile_value_is_a_located_danish_error(tmp_path, name, edits, where, words):
    path = tmp_path / f"{name}.xlsx"
    edit_example(*edits)(path)
    before = _sha(path)
    t = time.monotonic()
    res = run_cli("beregn", path, "--json", "--ud", tmp_path / "rapport.xlsx")
    assert time.monotonic() - t < 30  # a hang guard, not a speed claim
    assert res.returncode == 1, res.stdout[-500:]
    assert "Traceback" not in res.stderr
    located = [(e["ark"], e["raekke"], e["kolonne"]) for e in _errors(res)]
    assert where in located, located
    assert any(words in e["besked"] for e in _errors(res)), _errors(res)
    assert not (tmp_path / "rapport.xlsx").exists()
    assert _sha(path) == before


def test_an_empty_workbook_says_nothing_is_filled_in(tmp_path):
    path = tmp_path / "tom.xlsx"
    assert run_cli("skabelon", "--ud", path).returncode == 0
    res = run_cli("valider", path, "--json")
    assert res.returncode == 0
    warnings = json.loads(res.stdout)["advarsler"]
    assert any("ikke udfyldt" in w["besked"] for w in warnings)


def test_year_options_have_a_range():
    res = run_cli("beregn", "x.xlsx", "--aar", "99999")
    assert res.returncode == 2 and "2000–2100" in res.stderr and "Traceback" not in res.stderr


def test_overlap_check_scales_with_many_overlapping_stays():
    # 200,000 stays on one place, each starting inside an open-ended earlier one: every stay
    # after the first overlaps the latest earlier stay that reaches furthest. Checked by
    # counting, and by naming the right partner, not by a timer.
    n = 200_000
    stays = tuple(Stay(f"O{i}", "A1", 1, None, date(2023, 1, 1) + timedelta(days=i // 1000),
                       None, None, row=i + 5) for i in range(n))
    messages = _overlaps(Inputs(stays=stays))
    assert len(messages) == n - 1
    # the first stay overlapped is O0's successor O1; it collides with O0 (row 5)
    first = min(messages, key=lambda m: m.source.row)
    assert first.source.row == 6 and "O0 (række 5)" in first.text
