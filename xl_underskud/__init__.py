"""xl_underskud: underskudsgarantien for nye pladser (KKR Hovedstaden) — regler og regneark.

Layers, innermost first (enforced by `lint-imports`, see `.importlinter` in the repository):
`core/` (records, declarations, parsing and checks, `core/rules/`, the engine) ←
`outputs/` (what is shown, as data) ← the shells `xlsx/`, `pdf/`, `dst/` ← `excel/` ← `cli/`.
"""

__version__ = "0.1.0"
