"""The safe, lazy part reader of a .docx: the main document part parsed, and its style sheet's
hidden-text rules — shared by the import of published reports and publish's read-back (one copy).

The zip is opened with the preflight's own limits (directory checks, bounded inflating, one budget of
inflated bytes for all parts read) and only the parts needed are inflated: the package relationships,
the main part (found through them, as Word does), its relationships and the style sheet. The XML is
parsed by `ooxml.xml.parse_xml` (defusedxml where a DOCTYPE appears).
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

from ..check.preflight.container import ZIP_ERRORS, check_directory, inflate
from ..check.preflight.problems import Limits, Refused, problem
from ..ooxml.package import Package, find_rel, part_for, rels_part
from ..ooxml.xml import XmlError, parse_xml
from .docx_styles import Hiding

LIMITS = Limits()
READ_ERRORS = (Refused, XmlError, *ZIP_ERRORS)


def docx_parts(data: bytes) -> tuple[ET.Element, Hiding]:
    """The parsed main document part of a .docx and its style sheet's hidden-text rules.

    Raises `Refused` carrying the preflight's own problem (a hostile or cut-off zip: the same code and
    reason the workbook checker reports), `XmlError` (a part that is not safe, well-formed XML), or
    `MissingPart` (a zip with no main document part)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except ZIP_ERRORS:
        raise Refused(problem("truncated")) from None
    with zf:
        infos = {i.filename: i for i in check_directory(zf, LIMITS)}
        parts: dict[str, bytes] = {}
        package = Package(parts, list(infos))

        def read(name: str | None) -> bytes | None:
            found = package.name_of(name) if name else None
            if found is None or found not in infos:
                return None
            if found not in parts:  # the parts read share one budget of inflated bytes
                budget = LIMITS.max_total_bytes - sum(len(b) for b in parts.values())
                parts[found] = inflate(zf, infos[found], LIMITS, budget)
            return parts[found]

        read("_rels/.rels")
        main = package.name_of(find_rel(package.rels(""), "officeDocument") or "word/document.xml")
        document = read(main)
        if main is None or document is None:
            raise MissingPart("word/document.xml")
        read(rels_part(main))
        styles_name = package.name_of(part_for(package.rels(main), "styles", "word/styles.xml") or "")
        hiding = _hiding(read(styles_name), styles_name or "")
        # each report's document is its own: kept in parse_xml's cache (for parts many files
        # share), a batch's trees would hold tens of MB
        return parse_xml(document, main, cache=False), hiding


class MissingPart(LookupError):
    """A zip that names no main document part: not a Word document after all."""


def read_parts(data: bytes) -> tuple[ET.Element, Hiding] | None:
    """`docx_parts`, or None when the file cannot be read safely (publish's read-back: a file it
    cannot read gives no tables and no paragraphs)."""
    try:
        return docx_parts(data)
    except (*READ_ERRORS, MissingPart):
        return None


_HIDINGS: dict[bytes, Hiding] = {}
_UTF8_START = (b"<", b"\xef\xbb\xbf<")


def _hiding(styles: bytes | None, name: str) -> Hiding:
    """The style sheet's hidden-text rules. A style sheet that never names hidden text (plain UTF-8
    without "vanish" in it: ours) hides nothing, without parsing its 350 kB; the rules of others are
    kept by content (a batch's reports share one style sheet)."""
    if styles is None:
        return Hiding(None)
    head = styles[:200].lower()
    plain = styles.startswith(_UTF8_START) and (b"encoding" not in head or b"utf-8" in head)
    if plain and b"anish" not in styles:  # w:vanish, w:specVanish
        return Hiding(None)
    found = _HIDINGS.get(styles)
    if found is None:
        if len(_HIDINGS) > 8:
            _HIDINGS.clear()
        found = _HIDINGS[styles] = Hiding(parse_xml(styles, name, cache=False))
    return found
