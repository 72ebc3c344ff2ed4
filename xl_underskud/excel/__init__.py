"""Shell: the Excel channels — worksheet functions (`functions.py`) and button scripts
(`scripts.py`), one module each for classic xlwings and the xlwings Server add-in (`server.py`).

`server.py` builds the add-in's server; `guard.py` puts our call routes in it (time budget,
body limit, JSON only) and `workers.py` runs every call in a worker process, off the event loop.

`frames.py` turns function arguments, `book.py` an open workbook, into the same core inputs the
file reader gives, through the same `core.grid.read_table`; `cells.py` turns what xlwings hands
over for one cell (error values included) into the core's plain value. Nothing here holds a
rule; every function converts Excel values, calls the core and converts the answer back.

May import: `xl_underskud.outputs`, `xl_underskud.core`, `xl_underskud.dst`, xlwings (and
xlwings Server, FastAPI and uvicorn in `server.py` and `guard.py`).
"""
