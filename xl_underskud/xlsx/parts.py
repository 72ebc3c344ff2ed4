"""What the reader and the in-place writer both need to find their way in an xlsx package:
the namespaces, column letters, part paths and the custom document properties (where the
format version and the ledger's seal live), and how a new part is registered in the package's
content types and root relationships. Nothing here opens a file for writing."""
from __future__ import annotations

import re
import zipfile
from xml.etree import ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
CUSTOM_TYPE = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
               "custom-properties")


def column_index(letters: str) -> int:
    """A → 0, Z → 25, AA → 26 (the inverse of `core.grid.column_letter`)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def normalise(path: str) -> str:
    """A zip path with '..' segments resolved (xl/worksheets/../tables/t1.xml → xl/tables/…)."""
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part and part != ".":
            parts.append(part)
    return "/".join(parts)


def target(folder: str, relative: str) -> str:
    """The part a relationship's Target names, seen from the part's folder."""
    return relative.lstrip("/") if relative.startswith("/") else normalise(f"{folder}/{relative}")


def custom_part(z: zipfile.ZipFile) -> str | None:
    """The path of the custom document properties part, or None."""
    names = set(z.namelist())
    if "_rels/.rels" not in names:
        return None
    for rel in ET.fromstring(z.read("_rels/.rels")).findall("rel:Relationship", NS):
        if rel.get("Type") == CUSTOM_TYPE:
            path = target("", rel.get("Target", ""))
            return path if path in names else None
    return None


def read_custom_properties(z: zipfile.ZipFile) -> dict[str, str]:
    """name → value (as text) of the package's custom document properties; {} without any."""
    path = custom_part(z)
    if path is None:
        return {}
    root = ET.fromstring(z.read(path))
    out = {}
    for prop in root:
        name = prop.get("name")
        if name is not None and len(prop):
            out[name] = (prop[0].text or "").strip()
    return out


def with_override(content_types: bytes, part: str, content_type: str) -> bytes:
    """[Content_Types].xml with an Override for `part` (unchanged when it has one)."""
    if f'PartName="/{part}"'.encode() in content_types:
        return content_types
    override = f'<Override PartName="/{part}" ContentType="{content_type}"/>'.encode()
    return content_types.replace(b"</Types>", override + b"</Types>", 1)


def with_root_relationship(root_rels: bytes, rel_type: str, part: str) -> bytes:
    """_rels/.rels with a relationship of `rel_type` to `part`, under the next free rId."""
    ids = {int(i) for i in re.findall(rb'\bId="rId(\d+)"', root_rels)}
    rel = f'<Relationship Id="rId{max(ids, default=0) + 1}" Type="{rel_type}" Target="{part}"/>'
    return root_rels.replace(b"</Relationships>", rel.encode() + b"</Relationships>", 1)
