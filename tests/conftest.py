import os
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
    from xl_underskud.example import write_example

    return write_example(tmp_path / "eksempel.xlsx")
