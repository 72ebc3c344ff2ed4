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


# --- xlwings Server: the app in a test client, and a custom function called as Excel calls it

@pytest.fixture(scope="module")
def client():
    import warnings

    from xl_underskud.excel.server import app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    with TestClient(app()) as c:
        yield c


def call(client, func, *args):
    """POST a custom-function call as the add-in does (a scalar becomes a 1×1 range)."""
    import xlwings as xw

    body = {"client": "Office.js", "version": xw.__version__, "runtime": "1.4",
            "func_name": func, "args": [a if isinstance(a, list) else [[a]] for a in args],
            "culture_info_name": "da-DK"}
    res = client.post("/xlwings/custom-functions-call", json=body)
    assert res.status_code == 200, res.text
    return res.json()["result"]
