"""xl_underskud: underskudsgarantien for nye pladser (KKR Hovedstaden) — regler og regneark."""

__version__ = "0.1.0"
