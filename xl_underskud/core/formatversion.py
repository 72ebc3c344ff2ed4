"""The standard workbook's format version (declarations.FORMAT_VERSION): what a file's version
means to this program, as messages. Pure: the shells read the document property and say
whether the file is recognisably the standard workbook; nothing here opens a file."""
from __future__ import annotations

from xl_underskud.core.declarations import (FORMAT_VERSION, FORMAT_VERSION_MISSING,
                                            FORMAT_VERSION_PROPERTY)
from xl_underskud.core.records import Message, error, warning


def format_version(found: str | None, standard: bool,
                   name: str) -> tuple[int | None, list[Message]]:
    """(the file's format version, messages) from the property's text (None: no property).

    Newer than this program: an error (its layout may mean something this program does not
    know). Older, or our standard workbook without the property (version 1): a warning that
    tells the user to upgrade. A hand-made workbook with the right tables and no property is
    read as before: version None and no message.
    """
    if found is None:
        if not standard:
            return None, []
        version = FORMAT_VERSION_MISSING
    else:
        text = found.strip()
        if not text.isdigit() or int(text) < 1:
            return None, [warning(None, None, None,
                                  f"Dokumentegenskaben {FORMAT_VERSION_PROPERTY} i {name} er "
                                  f"\"{text[:20]}\", som ikke er en formatversion; filen læses "
                                  f"som formatversion {FORMAT_VERSION}.")]
        version = int(text)
    if version > FORMAT_VERSION:
        return version, [error(None, None, None,
                               f"{name} er lavet af en nyere udgave af xl-underskud "
                               f"(formatversion {version}; denne udgave kender op til "
                               f"formatversion {FORMAT_VERSION}). Opdatér programmet "
                               f"(python -m pip install --upgrade xl-underskud), og prøv igen.")]
    if version < FORMAT_VERSION:
        return version, [warning(None, None, None,
                                 f"{name} har formatversion {version}; denne udgave af "
                                 f"xl-underskud bruger formatversion {FORMAT_VERSION}. Kør "
                                 f"'xl-underskud opgrader {name} --ud NY{_suffix(name)}' for at "
                                 f"flytte tabellerne og indstillingerne over i den nye "
                                 f"skabelon.")]
    return version, []


def _suffix(name: str) -> str:
    return ".xlsm" if name.lower().endswith(".xlsm") else ".xlsx"
