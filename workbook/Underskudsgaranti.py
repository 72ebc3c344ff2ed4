"""Called by the button in the classic workbook of the same name (xlwings RunPython)."""
from xl_underskud.excel.scripts import main  # noqa: F401
