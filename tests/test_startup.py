"""Start-up is part of every command's time: a command imports only what it uses.

The bundled example is read, checked and settled in a few milliseconds; what a small workbook
waits for is Python importing libraries. pandas alone (≈ 0.1 s) would double `valider`, so
only the Excel shell may import it; the writers (XlsxWriter, fpdf2) load when something is
written, and `--help` loads no rule at all. Checked on the command as a user runs it,
`python -X importtime -m xl_underskud …`, which lists every module the process imported.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

WRITERS_AND_SHELLS = {"pandas", "xlsxwriter", "fpdf", "xlwings", "openpyxl"}


def imported(*args) -> set[str]:
    """The top-level packages `python -m xl_underskud ARGS` imports (the command must succeed)."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    res = subprocess.run([sys.executable, "-X", "importtime", "-m", "xl_underskud",
                          *map(str, args)], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    lines = [line for line in res.stderr.splitlines() if line.startswith("import time:")]
    assert lines, "no -X importtime output"
    names = {line.rsplit("|", 1)[1].strip() for line in lines[1:]}  # lines[0]: the header
    return {name.split(".")[0] for name in names} | {n for n in names if n.startswith("xl_")}


def test_help_imports_no_rule_and_no_library():
    names = imported("--help")
    assert names & (WRITERS_AND_SHELLS | {"numpy", "python_calamine"}) == set()
    assert {n for n in names if n.startswith("xl_underskud.core")} == set()


def test_valider_imports_no_pandas_and_no_writer(example_path):
    names = imported("valider", example_path)
    assert "xl_underskud.core.engine" in names  # it did check the workbook
    assert names & WRITERS_AND_SHELLS == set()


@pytest.mark.parametrize("output", ["--json", "--ud"])
def test_beregn_imports_no_pandas(example_path, output):
    args = ["--json"] if output == "--json" else ["--ud", example_path.with_name("r.xlsx")]
    names = imported("beregn", example_path, *args)
    assert "xl_underskud.core.rules.settlement" in names
    assert names & {"pandas", "fpdf", "xlwings", "openpyxl"} == set()
    assert ("xlsxwriter" in names) == (output == "--ud")  # loaded to write the report only
