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


def _profile(outdir: Path) -> str:
    return f"-env:UserInstallation=file://{outdir / 'lo-profile'}"


def convert(files: list[Path], to: str, outdir: Path) -> None:
    """`soffice --convert-to TO` of every file in one start of LibreOffice."""
    subprocess.run([soffice(), _profile(outdir), "--headless", "--convert-to", to, "--outdir",
                    str(outdir), *map(str, files)], check=True, capture_output=True, timeout=240)


class Rendering:
    """Each workbook (by a name of the caller's) being rendered to `outdir/NAME.pdf` by one
    start of LibreOffice in the background (its own profile); `pdfs()` waits for it. The
    workbooks are copied in as NAME first, as two files may share a stem."""

    def __init__(self, workbooks: dict[str, Path], outdir: Path):
        sources = outdir / "kilder"
        sources.mkdir(parents=True, exist_ok=True)
        self.workbooks = workbooks
        self.outdir = outdir
        copies = [shutil.copy(path, sources / f"{name}{path.suffix}")
                  for name, path in workbooks.items()]
        self.process = subprocess.Popen(
            [soffice(), _profile(outdir), "--headless", "--convert-to", "pdf", "--outdir",
             str(outdir), *map(str, copies)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def pdfs(self) -> dict[str, Path]:
        _, err = self.process.communicate(timeout=240)
        assert self.process.returncode == 0, err.decode(errors="replace")
        pdfs = {name: self.outdir / f"{name}.pdf" for name in self.workbooks}
        for name, pdf in pdfs.items():
            assert pdf.exists(), f"LibreOffice skrev ingen PDF for {self.workbooks[name].name}"
        return pdfs

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()


def pdf_text(pdf: Path) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext mangler i CI; .ci/run skal installere poppler-utils")
        pytest.skip("pdftotext er ikke installeret")
    return subprocess.run([exe, "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout


ERROR_VALUES = ("#NAME?", "#REF!", "#VALUE!", "#DIV/0!", "#N/A", "Err:5")
