"""Every output is an audit record (SPEC rule 13): the same input gives byte-identical report,
statements (xlsx and PDF), summary and JSON — no clock inside — and each names the SHA-256 of
the input it was computed from."""
from __future__ import annotations

import hashlib
import time
import zipfile

import pytest

from conftest import copy_of_example, run_cli


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _outputs(example_path, folder):
    folder.mkdir()
    report = folder / "rapport.xlsx"
    json_res = run_cli("beregn", example_path, "--aar", "2023", "--ud", report, "--json")
    assert json_res.returncode == 0, json_res.stderr
    res = run_cli("afregning", example_path, "--aar", "2023", "--mappe", folder / "UD")
    assert res.returncode == 0, res.stderr
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
             if p.is_file()}
    return json_res.stdout, files


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """The outputs of one run on a copy of the example: (input, JSON, files, their folder,
    when it ended). Both tests read it; the second run is made in the test itself."""
    example = copy_of_example(tmp_path_factory.mktemp("eks") / "eksempel.xlsx")
    folder = tmp_path_factory.mktemp("run") / "a"
    json_out, files = _outputs(example, folder)
    return example, json_out, files, folder, time.monotonic()


def test_the_same_input_gives_byte_identical_outputs(first_run, tmp_path):
    example_path, first_json, first, _, ended = first_run
    # a clock inside any file would now read differently
    time.sleep(max(0.0, 1.1 - (time.monotonic() - ended)))
    second_json, second = _outputs(example_path, tmp_path / "b")
    assert first_json == second_json
    assert sorted(first) == sorted(second)
    assert len([n for n in first if n.endswith(".pdf")]) == 30
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def test_every_output_names_the_input_checksum(first_run):
    example_path, json_out, files, folder, _ = first_run
    digest = _sha(example_path)
    assert f'"sha256": "{digest}"' in json_out
    for name, data in files.items():
        if name.endswith("_afregnet_2023.xlsx"):
            # the ledger copy is the next run's input, not a report: a copy of the master with
            # the rows settled (each with its Kontrol); the in-place writer keeps every other
            # part of the master byte for byte, so nothing of this run may be stamped on it
            continue
        if name.endswith(".xlsx"):
            with zipfile.ZipFile(folder / name) as z:
                text = b" ".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))
            assert digest.encode() in text, name
        elif name.endswith(".pdf"):
            from test_statements import pdf_text

            assert digest in pdf_text(folder / name).replace("\n", ""), name
