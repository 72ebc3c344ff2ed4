"""Shell: Danmarks Statistik (the population key from table FOLK1A, over the network).

`folk1a.py` fetches the figures for 1 January of a year, checks that they are complete and
plausible, and merges them into the rows of tblBefolkning.

May import: `xl_underskud.core`, the standard library's network modules. Never a renderer.
"""
