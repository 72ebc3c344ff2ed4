"""The layout is the architecture: the import contract in `.importlinter` holds, and it fails
when a core or output module imports what it must not (so the check itself can fail)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

CONFIG = REPO / ".importlinter"


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """Run lint-imports on the package found under `root` (a copy, or the repository)."""
    env = dict(os.environ, PYTHONPATH=str(root), PYTHONIOENCODING="utf-8")
    code = "import sys; from importlinter.cli import lint_imports_command; " \
           "sys.exit(lint_imports_command())"
    return subprocess.run([sys.executable, "-c", code, "--config", str(CONFIG), "--no-cache"],
                          capture_output=True, text=True, cwd=root, env=env, timeout=120)


def test_the_import_contract_holds():
    res = lint_imports(REPO)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "BROKEN" not in res.stdout and "5 kept, 0 broken" in res.stdout


@pytest.fixture
def package_copy(tmp_path):
    shutil.copytree(REPO / "xl_underskud", tmp_path / "xl_underskud",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


@pytest.mark.parametrize("module, line, contract", [
    # a rule that reaches for the network
    ("core/rules/amounts.py", "import urllib.request", "The core imports no Excel"),
    # a rule that writes Excel itself
    ("core/rules/vacancy.py", "import xlsxwriter", "The core imports no Excel"),
    # the core reaching up into a shell
    ("core/parse.py", "from xl_underskud.xlsx import reader", "Layers"),
    # a record reaching up into the rules
    ("core/parse.py", "from xl_underskud.core.rules import amounts", "Inside the core"),
    # a rule that builds a data frame (pandas belongs to the Excel shell: start-up time)
    ("core/rules/amounts.py", "import pandas", "Only the Excel shell imports pandas"),
    # a file writer that does
    ("xlsx/report.py", "import pandas", "Only the Excel shell imports pandas"),
    # outputs-as-data drawing with a renderer
    ("outputs/tables.py", "import fpdf", "Outputs are data"),
    # a lower shell importing a higher one
    ("xlsx/report.py", "from xl_underskud.excel import book", "Layers"),
])
def test_a_violating_import_breaks_the_contract(package_copy, module, line, contract):
    path = package_copy / "xl_underskud" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    res = lint_imports(package_copy)
    assert res.returncode != 0
    broken = [l for l in res.stdout.splitlines() if l.endswith("BROKEN")]
    assert any(l.startswith(contract) for l in broken), res.stdout
