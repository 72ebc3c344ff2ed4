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


def test_readme_lists_exactly_the_served_functions_with_their_arguments():
    import inspect

    from xl_underskud.excel import functions
    from xl_underskud.excel.server import EXPECTED_FUNCTIONS

    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Excel: funktioner i cellerne")[1].split("\n## ")[0]
    listed = dict(re.findall(r"^\| `(UG_\w+)\(([^`]*)\)` \|", section, flags=re.M))
    assert set(listed) == EXPECTED_FUNCTIONS == {n.upper() for n in functions.__all__}
    for name, args in listed.items():
        parameters = inspect.signature(getattr(functions, name.lower())).parameters.values()
        shown = [a.strip() for a in args.split(";")]
        assert len(shown) == len(parameters), name
        assert [a.startswith("[") for a in shown] == [
            p.default is not inspect.Parameter.empty for p in parameters], name
