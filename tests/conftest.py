import os

# xlwings chooses the flavour of @xw.func when it is first imported: the tests run the
# functions as xlwings Server custom functions (still plain callables) and need the licence
# key for the remote engine. Classic (inert) decorators are checked in a subprocess.
os.environ["XLWINGS_ON_SERVER"] = "true"
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import contextlib
import functools
import gc
import io
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# The library makes hundreds of thousands of small records that form no cycles; the command
# line raises the cyclic collector's threshold for that, and so do the tests, which run the
# library in this process (about 10 % less CPU). run_cli keeps it as it finds it.
from xl_underskud.cli.main import tune_garbage_collector  # noqa: E402

tune_garbage_collector()


class CliResult:
    """What a run of the command gave: like subprocess.CompletedProcess (returncode, stdout,
    stderr)."""

    def __init__(self, args, returncode, stdout, stderr):
        self.args, self.returncode, self.stdout, self.stderr = args, returncode, stdout, stderr

    def __repr__(self):
        return f"CliResult(args={self.args!r}, returncode={self.returncode!r})"


def run_cli(*args, cwd=None):
    """`xl-underskud …` in this process: `xl_underskud.cli.main.main(argv)` with its output
    captured. The exit code is what the shell would see: main()'s return value, argparse's
    sys.exit, or 1 and the traceback on stderr for an uncaught exception (as Python does).

    Where the process boundary itself is under test (exit codes as the shell sees them, stdout
    encoding, a closed pipe, environment variables read at import), use run_cli_process.
    """
    from xl_underskud.cli.main import main

    argv = [str(a) for a in args]
    # these two set XLWINGS_… variables (and xlwings' flavour) for the rest of the process
    assert argv[:1] not in (["server"], ["manifest"]), "use run_cli_process"
    out, err = io.StringIO(), io.StringIO()
    threshold = gc.get_threshold()  # main() tunes the collector for a process of its own
    here = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse: --help, --version, wrong use
                code = exc.code
                if code is not None and not isinstance(code, int):
                    print(code, file=sys.stderr)
                    code = 1
            except Exception:
                traceback.print_exc()
                code = 1
    finally:
        os.chdir(here)
        gc.set_threshold(*threshold)
    return CliResult(argv, 0 if code is None else code, out.getvalue(), err.getvalue())


def run_cli_process(*args, cwd=None, env=None):
    """`python -m xl_underskud …` in a new process, as a user runs it (the CompletedProcess).
    `env` adds environment variables to this process's; a value None removes one."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8", **(env or {}))
    env = {name: value for name, value in env.items() if value is not None}
    return subprocess.run([sys.executable, "-m", "xl_underskud", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


@functools.cache
def example_bytes() -> bytes:
    """The example workbook as `write_example` writes it, built once (bytes: nobody can change
    them); tests work on copies."""
    from xl_underskud.xlsx.example import write_example

    with tempfile.TemporaryDirectory() as folder:
        return write_example(Path(folder) / "eksempel.xlsx").read_bytes()


def copy_of_example(path: Path) -> Path:
    """`write_example(path)`, from the bytes built once."""
    path.write_bytes(example_bytes())
    return path


@pytest.fixture
def example_path(tmp_path):
    """A fresh copy of the example in the test's own folder (the test may change it)."""
    return copy_of_example(tmp_path / "eksempel.xlsx")


@pytest.fixture(scope="session")
def statements_2023(tmp_path_factory):
    """`afregning --aar 2023 --mappe UD` on the example, run once: (result, UD). Tests only read
    the folder."""
    example = copy_of_example(tmp_path_factory.mktemp("eks") / "eksempel.xlsx")
    out = tmp_path_factory.mktemp("afregning") / "UD"
    res = run_cli("afregning", example, "--aar", "2023", "--mappe", out)
    assert res.returncode == 0, res.stderr
    return res, out


@pytest.fixture(scope="session")
def rendering(tmp_path_factory, statements_2023):
    """LibreOffice rendering the template ("standard"), the classic workbook ("klassisk"), the
    example ("eksempel"), a report of 2023 ("rapport") and the statements' summary
    ("oversigt") to PDF: one start, in the background."""
    from render import Rendering

    folder = tmp_path_factory.mktemp("render")
    report = folder / "rapport.xlsx"
    res = run_cli("beregn", copy_of_example(folder / "eksempel.xlsx"), "--aar", "2023",
                  "--ud", report)
    assert res.returncode == 0, res.stderr
    rendering = Rendering({"standard": REPO / "workbook" / "Underskudsgaranti.xlsx",
                           "klassisk": REPO / "workbook" / "Underskudsgaranti.xlsm",
                           "eksempel": REPO / "workbook" / "Underskudsgaranti_eksempel.xlsx",
                           "rapport": report,
                           "oversigt": statements_2023[1] / "Samlet_oversigt_2023.xlsx"},
                          folder / "pdf")
    yield rendering
    rendering.stop()


@pytest.hookimpl(tryfirst=True)  # before xdist's worker reads the groups
def pytest_collection_modifyitems(config, items):
    """With pytest-xdist (pyproject's addopts run the suite on every core), the tests that read
    the session's `afregning` run (`statements_2023`, and `rendered`, which renders its
    summary) form one group (`--dist loadgroup`): one worker runs it and starts LibreOffice
    once for them, instead of every worker making the same files."""
    for item in items:
        if "statements_2023" in item.fixturenames:
            item.add_marker(pytest.mark.xdist_group("afregning_2023"))


def _in_an_xdist_worker(config) -> bool:
    return hasattr(config, "workerinput")


@pytest.fixture(scope="session", autouse=True)
def _render_in_the_background(request):
    """When a selected test reads `rendered`, LibreOffice starts at the session's start and
    renders while the other tests run. A problem here (no LibreOffice, a failing command) is
    left to the tests that read `rendered`: they get it from the fixture.

    In an xdist worker every worker has collected every test, and which worker runs the
    `rendered` group is not known yet: there the fixture starts when that group's first test
    asks for it, while the other workers run the rest."""
    if _in_an_xdist_worker(request.config):
        return
    if any("rendered" in item.fixturenames for item in request.session.items):
        try:
            request.getfixturevalue("rendering")
        except (Exception, pytest.skip.Exception, pytest.fail.Exception):
            pass


@pytest.fixture(scope="session")
def rendered(rendering):
    """Name → the text of the PDF (see `rendering`)."""
    from render import pdf_text

    return {name: pdf_text(pdf) for name, pdf in rendering.pdfs().items()}


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
