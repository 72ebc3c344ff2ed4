"""The Excel channels: worksheet functions and button scripts (classic xlwings and xlwings Server).

Nothing here holds a rule; every function converts Excel values, calls the core and converts
the answer back.
"""
