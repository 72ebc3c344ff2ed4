# xlwings Server imports `custom_functions` from XLWINGS_PROJECT_DIR. `xl-underskud server`
# injects the module directly (no silent fallback); this file serves a plain
# `uvicorn xlwings_server.main:main_app` started with XLWINGS_PROJECT_DIR set to this folder.
from xl_underskud.excel.functions import *  # noqa: F401,F403
