"""Shell: the command line `xl-underskud` (Danish help and messages), in `main.py`.

The outermost layer: may import every other folder of the package. Holds no rule.
"""
