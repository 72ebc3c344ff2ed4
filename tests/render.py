"""Render workbooks with LibreOffice (headless) to PDF and text, as a user would see them."""
import atexit
import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice mangler i CI; .ci/run skal installere libreoffice-calc-nogui")
        pytest.skip("LibreOffice er ikke installeret")
    return exe


@functools.cache
def profile() -> str:
    """One LibreOffice user profile for the test run (a new profile costs about half a second
    per start); removed at exit. The tests start LibreOffice one at a time."""
    folder = tempfile.mkdtemp(prefix="lo-profile-")
    atexit.register(shutil.rmtree, folder, True)
    return f"-env:UserInstallation=file://{folder}"


def convert(files: list[Path], to: str, outdir: Path) -> None:
    """`soffice --convert-to TO` of every file in one start of LibreOffice."""
    subprocess.run([soffice(), profile(), "--headless", "--convert-to", to, "--outdir",
                    str(outdir), *map(str, files)], check=True, capture_output=True, timeout=240)


def to_pdfs(workbooks: dict[str, Path], outdir: Path) -> dict[str, Path]:
    """Each workbook (by a name of the caller's) rendered to `outdir/NAME.pdf`, in one start of
    LibreOffice: the workbooks are copied in as NAME first, as two files may share a stem."""
    sources = outdir / "kilder"
    sources.mkdir(parents=True, exist_ok=True)
    copies = [shutil.copy(path, sources / f"{name}{path.suffix}")
              for name, path in workbooks.items()]
    convert(copies, "pdf", outdir)
    pdfs = {name: outdir / f"{name}.pdf" for name in workbooks}
    for name, pdf in pdfs.items():
        assert pdf.exists(), f"LibreOffice skrev ingen PDF for {workbooks[name].name}"
    return pdfs


def pdf_text(pdf: Path) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext mangler i CI; .ci/run skal installere poppler-utils")
        pytest.skip("pdftotext er ikke installeret")
    return subprocess.run([exe, "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout


ERROR_VALUES = ("#NAME?", "#REF!", "#VALUE!", "#DIV/0!", "#N/A", "Err:5")
