"""No data loss and no surprises from the command line: nothing replaces a file or mixes two
settlements without --overskriv, the input is never written, an input that is not a regular
file is refused at once, and every message is Danish and names the file the user gave.

The commands run in this process (`run_cli`); a new process (`run_cli_process`, or Popen for
the closed pipe) where the shell's view is the point: a refusal's exit code, a FIFO or a device
as the input, the reader going away."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time

import pytest

from conftest import run_cli, run_cli_process


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("command", [
    ["skabelon", "--ud", "{out}"],
    ["eksempel", "--ud", "{out}"],
    ["beregn", "{example}", "--ud", "{out}"],
    ["eksponering", "{example}", "--ud", "{out}"],
])
def test_an_existing_file_is_not_replaced_without_overskriv(example_path, tmp_path, command):
    out = tmp_path / "findes.xlsx"
    out.write_bytes(b"a finance officer's own file")
    args = [a.format(out=out, example=example_path) for a in command]
    res = run_cli(*args)
    assert res.returncode == 1
    assert "findes allerede" in res.stderr and "--overskriv" in res.stderr
    assert out.read_bytes() == b"a finance officer's own file"
    res = run_cli(*args, "--overskriv")
    assert res.returncode == 0, res.stderr
    assert out.read_bytes()[:2] == b"PK"  # now a workbook


def test_skabelon_xlsm_also_protects_its_python_module(tmp_path):
    module = tmp_path / "Mappe.py"
    module.write_text("# mine", encoding="utf-8")
    res = run_cli("skabelon", "--ud", tmp_path / "Mappe.xlsm")
    assert res.returncode == 1 and "Mappe.py findes allerede" in res.stderr
    assert module.read_text(encoding="utf-8") == "# mine"
    assert not (tmp_path / "Mappe.xlsm").exists()


def test_the_input_is_never_the_output(example_path):
    before = _sha(example_path)
    for args in (["beregn", example_path, "--ud", example_path, "--overskriv"],
                 ["eksponering", example_path, "--ud", example_path, "--overskriv"]):
        res = run_cli(*args)
        assert res.returncode == 1 and "indfilen" in res.stderr
    assert _sha(example_path) == before


def test_afregning_puts_the_year_in_the_folder_and_refuses_a_filled_one(example_path):
    res = run_cli("afregning", example_path, "--aar", "2023")
    assert res.returncode == 0, res.stderr
    folder = example_path.with_name(f"{example_path.stem}_opgoerelser_2023")
    files = sorted(p.name for p in folder.iterdir())
    assert "Samlet_oversigt_2023.xlsx" in files
    stamp = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    res = run_cli_process("afregning", example_path, "--aar", "2023")
    assert res.returncode == 1 and "ikke tom" in res.stderr
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == stamp
    res = run_cli("afregning", example_path, "--aar", "2024", "--mappe", folder)
    assert res.returncode == 1  # 2024 is not mixed into the 2023 folder
    assert sorted(p.name for p in folder.iterdir()) == files
    assert run_cli("afregning", example_path, "--aar", "2023", "--overskriv").returncode == 0


def test_afregning_of_a_year_with_nothing_to_settle_writes_nothing(example_path, tmp_path):
    # the example's places are guaranteed 2022–2025; 2030 has no guaranteed day
    res = run_cli("afregning", example_path, "--aar", "2030", "--mappe", tmp_path / "ud",
                  "--dato", "2031-02-01")
    assert res.returncode == 1
    assert "Ingen garanterede døgn i 2030" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "ud").exists()
    assert not list(example_path.parent.glob("*opgoerelser*"))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
def test_a_fifo_or_a_device_is_refused_at_once(tmp_path):
    fifo = tmp_path / "ind.xlsx"
    os.mkfifo(fifo)
    for path in (fifo, "/dev/zero"):
        t = time.monotonic()
        res = run_cli_process("valider", path)
        assert time.monotonic() - t < 5  # generous: well under, never a hang
        assert res.returncode == 1 and "ikke en almindelig fil" in res.stderr


def test_a_closed_pipe_ends_quietly(example_path):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "xl_underskud", "beregn", str(example_path),
                             "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    proc.stdout.read(20)  # like `… | head -c 20`
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8")
    assert proc.wait(timeout=120) == 0
    assert "Broken pipe" not in err and "Traceback" not in err


def test_an_unwritable_target_is_named_in_danish_not_a_temporary_file(example_path, tmp_path):
    locked = tmp_path / "laast"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who may write anywhere")
        res = run_cli("beregn", example_path, "--ud", locked / "r.xlsx")
        assert res.returncode == 1
        assert "r.xlsx" in res.stderr and ".xl-underskud-" not in res.stderr
        assert "Permission denied" not in res.stderr and "ingen adgang" in res.stderr
    finally:
        locked.chmod(0o700)


def test_a_missing_folder_is_named_in_danish(example_path, tmp_path):
    res = run_cli("beregn", example_path, "--ud", tmp_path / "nej" / "r.xlsx")
    assert res.returncode == 1 and "findes ikke" in res.stderr
    res = run_cli("skabelon", "--ud", "/dev/null/x.xlsx")
    assert res.returncode == 1 and "er ikke en mappe" in res.stderr
    assert "Not a directory" not in res.stderr


def test_usage_errors_are_danish():
    res = run_cli("afregn")
    assert res.returncode == 2
    assert "ukendt valg" in res.stderr and "vælg mellem" in res.stderr
    assert "choose from" not in res.stderr and "invalid" not in res.stderr
    res = run_cli("beregn", "x.xlsx", "--aar", "tyve")
    assert res.returncode == 2 and "ikke et heltal" in res.stderr
