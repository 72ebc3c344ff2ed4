"""Shell: statements rendered as PDF (fpdf2; no office suite needed).

May import: `xl_underskud.outputs`, `xl_underskud.core`, fpdf.
"""
