import os

# xlwings chooses the flavour of @xw.func when it is first imported: the tests run the
# functions as xlwings Server custom functions (still plain callables) and need the licence
# key for the remote engine. Classic (inert) decorators are checked in a subprocess.
os.environ["XLWINGS_ON_SERVER"] = "true"
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(**env):
    """`python -m xl_underskud server` on 127.0.0.1 at a free port; yields its base URL.

    `env` adds environment variables (XL_UNDERSKUD_…) for the server process. Its output goes
    to a temporary file (a pipe nobody reads could fill up and stop the server).
    """
    port = free_port()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([sys.executable, "-m", "xl_underskud", "server", "--host",
                                 "127.0.0.1", "--port", str(port)], stdout=log,
                                stderr=subprocess.STDOUT, env=dict(os.environ, **env))
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(240):
                try:
                    with urllib.request.urlopen(f"{base}/xlwings/custom-functions-meta",
                                                timeout=2) as r:
                        json.loads(r.read())
                    break
                except OSError:
                    if proc.poll() is not None:
                        log.seek(0)
                        pytest.fail(log.read().decode(errors="replace"))
                    time.sleep(0.25)
            else:
                pytest.fail("serveren startede ikke")
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=20)
