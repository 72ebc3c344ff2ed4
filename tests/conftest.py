import os

# xlwings chooses the flavour of @xw.func when it is first imported: the tests run the
# functions as xlwings Server custom functions (still plain callables) and need the licence
# key for the remote engine. Classic (inert) decorators are checked in a subprocess.
os.environ["XLWINGS_ON_SERVER"] = "true"
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args, cwd=None):
    """Run `python -m xl_underskud …` as a user would, returning the CompletedProcess."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "xl_underskud", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


@pytest.fixture
def example_path(tmp_path):
    from xl_underskud.xlsx.example import write_example

    return write_example(tmp_path / "eksempel.xlsx")

