"""The README's two commands are the ones that work; CI runs the test command verbatim."""
import re

from conftest import REPO


def _commands():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```\n(.+?)\n```", text)[:2]


def test_ci_runs_the_readme_test_command_exactly():
    run_command, test_command = _commands()
    assert "pytest" in test_command
    assert test_command in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_readme_example_command_uses_the_bundled_example():
    run_command, _ = _commands()
    assert "xl-underskud beregn workbook/Underskudsgaranti_eksempel.xlsx" in run_command
    assert (REPO / "workbook" / "Underskudsgaranti_eksempel.xlsx").exists()
