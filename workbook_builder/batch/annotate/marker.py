"""The custom document property that marks an annotated copy as ours (`outfile.OUTPUT_PROPERTY`).

A copy written into the checked folder would otherwise be checked as a return by the next run
(`batch.paths` skips marked files in folder walks). The property is spliced into the copy's
`docProps/custom.xml` (or a new one, with its relationship and content type, for a workbook that
has none); nothing the checker reads changes, so the copy still checks like its original.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable

from ...ooxml.package import ContentTypes, EditablePackage, find_rel, rels_part
from ...ooxml.splice import Doc, escape
from ...outfile import DIGEST_SEPARATOR, OUTPUT_ANNOTATED, OUTPUT_PROPERTY, sheets_digest

CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
# the format id every user-defined custom property carries (ECMA-376 part 1, 22.3.2.2)
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def _property(prefix: str, pid: int, value: str) -> str:
    return (f'<{prefix}property fmtid="{FMTID}" pid="{pid}" name="{escape(OUTPUT_PROPERTY, True)}">'
            f'<vt:lpwstr xmlns:vt="{VT_NS}">{escape(value)}</vt:lpwstr></{prefix}property>')


def mark_output(pkg: EditablePackage, ctypes: ContentTypes, sheet_parts: Iterable[str]) -> None:
    """Add the marker property to the copy, with the digest of its sheets (`sheet_parts`) as written:
    the copy stays ours only while its sheets are unchanged. A copy of a copy gets the new digest."""
    value = OUTPUT_ANNOTATED + DIGEST_SEPARATOR + sheets_digest(
        (name, zlib.crc32(data)) for name in sheet_parts if (data := pkg.get(name)) is not None)
    target = find_rel(pkg.rels(""), "custom-properties")
    part = pkg.name_of(target) if target is not None else None
    data = pkg.get(part) if part is not None else None
    if part is not None and data is not None:
        doc = Doc.parse(data, part)
        root = doc.root
        old = [el for el in root.kids("property") if el.get("name") == OUTPUT_PROPERTY]
        pids = [int(p) for el in root.kids("property") if re.fullmatch(r"\d+", p := el.get("pid") or "")]
        for el in old:  # a copy of a copy: its sheets changed, so does the digest
            doc.edits.append((el.start, el.end, ""))
        doc.insert(root, [(root.close, _property(root.prefix, max(pids + [1]) + 1, value))])
        pkg.replace(part, doc.result())
        return
    # no custom properties yet: a new part, its relationship from the package, its content type
    part = "docProps/custom.xml" if pkg.name_of("docProps/custom.xml") is None else pkg.free_name("docProps/custom{}.xml")
    pkg.add(part, ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   f'<Properties xmlns="{CUSTOM_NS}">{_property("", 2, value)}</Properties>').encode())
    ctypes.override(part, CUSTOM_TYPE)
    name = rels_part("")
    rels = pkg.get(name)
    if rels is None:  # preflight requires a workbook, so a package without _rels/.rels is unusual
        return
    doc = Doc.parse(rels, name)
    used = {el.get("Id") for el in doc.root.kids("Relationship")}
    n = 1
    while f"rId{n}" in used:
        n += 1
    root = doc.root
    rel = f'<{root.prefix}Relationship Id="rId{n}" Type="{CUSTOM_REL}" Target="{escape(part, True)}"/>'
    doc.insert(root, [(root.close, rel)])
    pkg.replace(name, doc.result())
