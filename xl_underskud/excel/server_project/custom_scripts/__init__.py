# See custom_functions/__init__.py.
from xl_underskud.excel.scripts import (beregn, opdater_befolkning,  # noqa: F401
                                        opgoerelser, ryd_resultater, valider)
