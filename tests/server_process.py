"""`xl-underskud server` as a process of its own on 127.0.0.1, for tests and benchmarks."""
from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(log: Path | None = None, **env):
    """Start `python -m xl_underskud server` on 127.0.0.1 at a free port; yield its base URL.

    `env` adds environment variables (XL_UNDERSKUD_…) for the server. Its output goes to `log`,
    or to a temporary file (a pipe nobody reads could fill up and stop the server). RuntimeError,
    with that output, if the server does not answer within 60 s. Stopped on leaving.
    """
    port = free_port()
    with (open(log, "w+b") if log else tempfile.TemporaryFile()) as out:
        proc = subprocess.Popen([sys.executable, "-m", "xl_underskud", "server", "--host",
                                 "127.0.0.1", "--port", str(port)], stdout=out,
                                stderr=subprocess.STDOUT, env=dict(os.environ, **env))
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/xlwings/custom-functions-meta",
                                                timeout=2) as r:
                        json.loads(r.read())
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        out.seek(0)
                        raise RuntimeError("serveren startede ikke:\n"
                                           + out.read().decode(errors="replace")) from None
                    time.sleep(0.25)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=20)
