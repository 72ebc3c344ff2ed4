"""Shell: the Office web extension part that opens the add-in's task pane with the workbook.

XlsxWriter cannot write this part, so `add_task_pane` adds it to a finished package (.xlsx or
.xlsm: every other part, vbaProject.bin included, is copied byte for byte, in the same order,
with the same zip metadata, so the result is reproducible).

What is written, and why (Microsoft Learn, "Automatically open a task pane with a document",
learn.microsoft.com/office/dev/add-ins/develop/automatically-open-a-task-pane-with-a-document,
section "Use Open XML to tag the document"; the element and attribute names are those of the
Open XML SDK's WebExtension / WebExTaskpanes parts, whose schemas `openxml-audit` carries and
validates in the tests):

- `xl/webextensions/taskpanes.xml` — `wetp:taskpanes/wetp:taskpane` (dockstate, visibility,
  width, row: all four required by the schema) with a `wetp:webextensionref r:id` pointing at
  `webextension1.xml` through `xl/webextensions/_rels/taskpanes.xml.rels`;
- `xl/webextensions/webextension1.xml` — `we:webextension` with `we:reference` (the add-in),
  an empty `we:alternateReferences`, `we:properties` holding
  `Office.AutoShowTaskpaneWithDocument` = true, empty `we:bindings` and `we:snapshot` (the
  sequence the schema requires);
- the package relationship of type `.../2011/relationships/webextensiontaskpanes` from
  `_rels/.rels` to taskpanes.xml, and the content types
  `application/vnd.ms-office.webextensiontaskpanes+xml` and
  `application/vnd.ms-office.webextension+xml`.

`we:reference`: the article's table of store types gives, for an add-in deployed by
Centralized Deployment in the Microsoft 365 admin centre (how a municipality installs this
add-in, README), storeType "EXCatalog", store "EXCatalog", id = the GUID in the manifest's
`<Id>`, version = the manifest's `<Version>`. ("OMEX" is AppSource, with an AppSource asset id;
"FileSystem" is a shared-folder catalog, with that folder's path as store; "Registry" with
store "developer" is a sideloaded manifest.) A sideloaded copy is listed as the alternate
reference, so a developer's machine matches too.

`visibility="0"` as in the article's example. The article explains the two values: with "0",
where the add-in is not yet installed the user installs it first (nothing opens by itself),
after which the pane opens with the document, and the add-in can turn this on or off through
Office.js (which our task pane does, see static/js/autoaabn.js); with "1" the pane opens the
first time the document is opened and the user is asked to trust the add-in, and Office.js can
no longer turn it off. The workbook goes to 29 municipalities, most without the add-in: "0". The task pane
the manifest opens is marked with `<TaskpaneId>Office.AutoShowTaskpaneWithDocument</TaskpaneId>`
(the same article, "Designate the task pane to be opened automatically").

The manifest's Id and Version are read from the files the server itself serves (one source:
`excel/server_project/pyproject.toml` `manifest_id_prod` and the manifest template).
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

SERVER_PROJECT = Path(__file__).resolve().parent.parent / "excel" / "server_project"

TASKPANES_PART = "xl/webextensions/taskpanes.xml"
TASKPANES_RELS = "xl/webextensions/_rels/taskpanes.xml.rels"
WEBEXTENSION_PART = "xl/webextensions/webextension1.xml"
REL_TASKPANES = "http://schemas.microsoft.com/office/2011/relationships/webextensiontaskpanes"
REL_WEBEXTENSION = "http://schemas.microsoft.com/office/2011/relationships/webextension"
CT_TASKPANES = "application/vnd.ms-office.webextensiontaskpanes+xml"
CT_WEBEXTENSION = "application/vnd.ms-office.webextension+xml"
AUTO_SHOW = "Office.AutoShowTaskpaneWithDocument"
STORE, STORE_TYPE = "EXCatalog", "EXCatalog"  # Centralized Deployment (see above)
ALT_STORE, ALT_STORE_TYPE = "developer", "Registry"  # a sideloaded manifest


def _manifest_id() -> str:
    text = (SERVER_PROJECT / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r'^manifest_id_prod\s*=\s*"([0-9a-f-]{36})"', text, re.M).group(1)


def _manifest_version() -> str:
    text = (SERVER_PROJECT / "templates" / "manifest.xml").read_text(encoding="utf-8")
    return re.search(r"<Version>([0-9.]+)</Version>", text).group(1)


ADDIN_ID = _manifest_id()  # the production manifest's <Id>
ADDIN_VERSION = _manifest_version()
# The web extension's id in the document: the article's example has "[ADD-IN ID PER MANIFEST]"
# here (files Office writes itself carry a GUID in braces; the manifest's is one).
WEBEXTENSION_ID = "{" + ADDIN_ID.upper() + "}"

_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

TASKPANES_XML = (
    _DECL
    + '<wetp:taskpanes xmlns:wetp="http://schemas.microsoft.com/office/webextensions/taskpanes/'
      '2010/11">'
      '<wetp:taskpane dockstate="right" visibility="0" width="350" row="4">'
      f'<wetp:webextensionref xmlns:r="{_R}" r:id="rId1"/>'
      "</wetp:taskpane></wetp:taskpanes>")

TASKPANES_RELS_XML = (
    _DECL
    + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
      f'<Relationship Id="rId1" Type="{REL_WEBEXTENSION}" Target="webextension1.xml"/>'
      "</Relationships>")

WEBEXTENSION_XML = (
    _DECL
    + '<we:webextension xmlns:we="http://schemas.microsoft.com/office/webextensions/webextension/'
      f'2010/11" id="{WEBEXTENSION_ID}">'
      f'<we:reference id="{ADDIN_ID}" version="{ADDIN_VERSION}" store="{STORE}" '
      f'storeType="{STORE_TYPE}"/>'
      "<we:alternateReferences>"
      f'<we:reference id="{ADDIN_ID}" version="{ADDIN_VERSION}" store="{ALT_STORE}" '
      f'storeType="{ALT_STORE_TYPE}"/>'
      "</we:alternateReferences>"
      f'<we:properties><we:property name="{AUTO_SHOW}" value="true"/></we:properties>'
      "<we:bindings/>"
      f'<we:snapshot xmlns:r="{_R}"/>'
      "</we:webextension>")


def add_task_pane(path: str | Path) -> Path:
    """Add the web extension parts to the package at `path` (rewritten in place)."""
    path = Path(path)
    with zipfile.ZipFile(path) as z:
        entries = [(info, z.read(info.filename)) for info in z.infolist()]
    names = {info.filename for info, _ in entries}
    if TASKPANES_PART in names:
        return path
    template = next(info for info, _ in entries if info.filename == "[Content_Types].xml")
    out: list[tuple[zipfile.ZipInfo, bytes]] = []
    for info, data in entries:
        if info.filename == "[Content_Types].xml":
            data = _with_content_types(data)
        elif info.filename == "_rels/.rels":
            data = _with_root_relationship(data)
        out.append((info, data))
    for name, text in ((TASKPANES_PART, TASKPANES_XML), (TASKPANES_RELS, TASKPANES_RELS_XML),
                       (WEBEXTENSION_PART, WEBEXTENSION_XML)):
        info = zipfile.ZipInfo(name, date_time=template.date_time)
        info.compress_type = template.compress_type
        info.external_attr = template.external_attr
        info.create_system = template.create_system
        out.append((info, text.encode("utf-8")))
    with zipfile.ZipFile(path, "w") as z:
        for info, data in out:
            z.writestr(info, data)
    return path


def _with_content_types(data: bytes) -> bytes:
    text = data.decode("utf-8")
    overrides = (f'<Override PartName="/{TASKPANES_PART}" ContentType="{CT_TASKPANES}"/>'
                 f'<Override PartName="/{WEBEXTENSION_PART}" ContentType="{CT_WEBEXTENSION}"/>')
    return text.replace("</Types>", overrides + "</Types>").encode("utf-8")


def _with_root_relationship(data: bytes) -> bytes:
    text = data.decode("utf-8")
    taken = set(re.findall(r'Id="(rId\d+)"', text))
    rid = next(f"rId{n}" for n in range(1, len(taken) + 2) if f"rId{n}" not in taken)
    rel = f'<Relationship Id="{rid}" Type="{REL_TASKPANES}" Target="{TASKPANES_PART}"/>'
    return text.replace("</Relationships>", rel + "</Relationships>").encode("utf-8")
