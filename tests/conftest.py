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


@pytest.fixture(scope="module")
def client():
    """xlwings Server serving the project's functions and scripts (FastAPI's TestClient)."""
    import warnings

    from xl_underskud.excel.server import app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    with TestClient(app()) as c:
        yield c


def call(client, func, *args):
    """A worksheet function through xlwings Server's custom-functions-call, as the add-in calls
    it: every argument a 2-D range (a scalar is one cell)."""
    import xlwings as xw

    body = {"client": "Office.js", "version": xw.__version__, "runtime": "1.4",
            "func_name": func, "args": [a if isinstance(a, list) else [[a]] for a in args],
            "culture_info_name": "da-DK"}
    res = client.post("/xlwings/custom-functions-call", json=body)
    assert res.status_code == 200, res.text
    return res.json()["result"]
