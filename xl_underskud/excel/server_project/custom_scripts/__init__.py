# See custom_functions/__init__.py.
from xl_underskud.excel.scripts import beregn, ryd_resultater, valider  # noqa: F401
