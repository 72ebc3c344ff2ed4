"""Render workbooks with LibreOffice (headless) to PDF and text, as a user would see them."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice mangler i CI; .ci/run skal installere libreoffice-calc-nogui")
        pytest.skip("LibreOffice er ikke installeret")
    return exe


def to_pdf(xlsx: Path, outdir: Path) -> Path:
    profile = outdir / "lo-profile"
    subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(outdir), str(xlsx)],
                   check=True, capture_output=True, timeout=240)
    pdf = outdir / (xlsx.stem + ".pdf")
    assert pdf.exists(), f"LibreOffice skrev ingen PDF for {xlsx.name}"
    return pdf


def pdf_text(pdf: Path) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext mangler i CI; .ci/run skal installere poppler-utils")
        pytest.skip("pdftotext er ikke installeret")
    return subprocess.run([exe, "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout


ERROR_VALUES = ("#NAME?", "#REF!", "#VALUE!", "#DIV/0!", "#N/A", "Err:5")
