"""Byte-level scans of the XML parts: DTDs refused, active or linked content found.

A scan for exactly the constructs we refuse, rather than a full parse: the reader parses every
part it uses with defusedxml (DTDs forbidden, malformed XML refused), so a second tree here would
only double the cost of every check.
"""

from __future__ import annotations

import re

from ...ooxml.xml import to_utf8
from .problems import refuse

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def _declares_doctype(data: bytes) -> bool:
    """Look for a DTD or entity declaration near the start of an XML part.

    This refuses entity bombs without handing them to any parser; `scan_xml` also looks for
    a declaration pushed further down by comments, anywhere in the part.
    """
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:2] in (b"<\0", b"\0<"):
        encoding = "utf-16-be" if head.startswith(b"\xfe\xff") or head[:1] == b"\0" else "utf-16-le"
    else:
        encoding = "latin-1"  # bytewise: any ASCII-compatible encoding reads the same here
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    text = _XML_DECL.sub("", head.decode(encoding, errors="replace"), count=1)[:1024].upper()
    return "<!DOCTYPE" in text or "<!ENTITY" in text


# Elements whose text is a formula; DDE hides in any of them.
_FORMULA_TAGS = frozenset({"f", "definedName", "formula", "formula1", "formula2"})
# String literals, quoted sheet names and [bracketed] parts (structured and
# external-book references) may legitimately contain "|"; scanned left to right.
_QUOTED = re.compile(r"\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*'|\[[^\]]*\]")
_DDE_FUNCTION = re.compile(r"\bDDE(?:AUTO)?\s*\(", re.IGNORECASE)

# Last segment of a relationship type (lower case) -> reason.
_RELATIONSHIP_REASONS = {
    "vbaproject": "macro",
    "xlmacrosheet": "macro",
    "xlintlmacrosheet": "macro",
    "control": "activex",
    "activexcontrolbinary": "activex",
    "oleobject": "ole-object",
    "package": "ole-object",
    "externallink": "external-link",
    "externallinkpath": "external-link",
    "connections": "data-connection",
}
# Fragment of a content type (lower case) -> reason.
_CONTENT_TYPE_REASONS = {
    "macroenabled": "macro",
    "vbaproject": "macro",
    "macrosheet": "macro",
    "activex": "activex",
    "oleobject": "ole-object",
    "spreadsheetml.externallink": "external-link",
    "spreadsheetml.connections": "data-connection",
}
_ELEMENT_REASONS = {
    "ddeLink": "dde",
    "externalReferences": "external-link",
    "externalBook": "external-link",
}


def _is_dde_formula(formula: str) -> bool:
    """DDE: ``app|topic!item`` (e.g. ``cmd|' /C calc'!A0``) or a DDE() call.

    Excel formulas have no ``|`` operator, so a ``|`` outside string
    literals, quoted names and brackets can only be a DDE reference.
    """
    bare = _QUOTED.sub(" ", formula)
    return "|" in bare or _DDE_FUNCTION.search(bare) is not None


_ELEMENT_RE = re.compile(rb"<(?:[\w.-]+:)?(ddeLink|externalReferences|externalBook)\b")
_REL_TYPE_RE = re.compile(rb"<(?:[\w.-]+:)?Relationship\b[^>]*?\bType\s*=\s*[\"']([^\"']*)[\"']")
_CONTENT_TYPE_RE = re.compile(rb"<(?:[\w.-]+:)?(?:Default|Override)\b[^>]*>")
_ATTR_RE = re.compile(rb"\b(ContentType|PartName)\s*=\s*[\"']([^\"']*)[\"']")
_FORMULA_OPEN = re.compile(rb"<((?:[\w.-]+:)?(?:f|definedName|formula|formula1|formula2))\b[^>]*?(?<!/)>")
_DDE_CALL = re.compile(rb"dde(?:auto)?\s*\(", re.IGNORECASE)
_ENTITIES = {"&quot;": '"', "&apos;": "'", "&lt;": "<", "&gt;": ">"}


def _unescape(text: str) -> str:
    text = text.replace("<![CDATA[", "").replace("]]>", "")
    for entity, char in _ENTITIES.items():
        text = text.replace(entity, char)
    return re.sub(r"&#(x?)([0-9a-fA-F]+);", lambda m: chr(int(m.group(2), 16 if m.group(1) else 10)), text).replace(
        "&amp;", "&"
    )


def _as_utf8(name: str, data: bytes) -> bytes:
    """The part as UTF-8 bytes, the only form scanned and handed on (`ooxml.xml.to_utf8`: OPC allows
    UTF-8 and UTF-16 only); GBK, Latin-1, undecodable UTF-16 or NUL-padded text is refused."""
    out = to_utf8(data)
    if out is None:
        raise refuse("bad-xml", name)
    return out


def scan_xml(name: str, data: bytes, findings: dict[str, str]) -> bytes:
    """Refuse DTDs; record active or linked content in ``findings``.

    A byte-level scan for exactly the constructs we refuse, rather than a full parse: the reader
    parses every part it uses with defusedxml (DTDs forbidden, malformed XML refused), so a
    second tree here would only double the cost of every check. Comments that merely mention
    such a construct are refused too; that errs on the safe side. Returns the part as UTF-8.
    """
    data = _as_utf8(name, data)
    # XML text cannot hold a bare "<", so these bytes can only be a DTD (or sit in a comment or
    # CDATA, which we refuse too rather than parse): wherever they appear, no parser sees them.
    if _declares_doctype(data) or b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise refuse("doctype", name)
    lower = name.lower()
    if b"externalReferences" in data or b"ddeLink" in data or b"externalBook" in data:
        for m in _ELEMENT_RE.finditer(data):
            findings.setdefault(_ELEMENT_REASONS[m.group(1).decode()], name)
    if lower.endswith(".rels"):
        for m in _REL_TYPE_RE.finditer(data):
            kind = m.group(1).decode("utf-8", "replace").rpartition("/")[2].lower()
            if kind in _RELATIONSHIP_REASONS:
                findings.setdefault(_RELATIONSHIP_REASONS[kind], name)
    elif lower == "[content_types].xml":
        for m in _CONTENT_TYPE_RE.finditer(data):
            attrs = {k.decode(): v.decode("utf-8", "replace") for k, v in _ATTR_RE.findall(m.group(0))}
            content_type = attrs.get("ContentType", "").lower()
            for fragment, reason in _CONTENT_TYPE_REASONS.items():
                if fragment in content_type:
                    findings.setdefault(reason, attrs.get("PartName", "").lstrip("/") or name)
    # Most parts hold neither "|" nor a DDE( / DDEAUTO( call: cheap scans skip the formula regex
    # for them ("dde" alone would match every `hidden` attribute).
    # (case-insensitive search, not data.lower(): that would copy a part of up to max_part_bytes)
    if (b"|" in data or _DDE_CALL.search(data)) and _has_dde_formula(data):
        findings.setdefault("dde", name)
    return data


def _has_dde_formula(data: bytes) -> bool:
    """Any formula element whose text is a DDE reference; linear in the size of the part.

    Each opening tag is matched with the next closing tag of its name, and the scan goes on from
    there (formula elements hold text only), so unclosed tags cannot make it quadratic.
    """
    pos = 0
    while (m := _FORMULA_OPEN.search(data, pos)) is not None:
        close = data.find(b"</" + m.group(1), m.end())
        if close < 0:
            return False
        if _is_dde_formula(_unescape(data[m.end() : close].decode("utf-8", "replace"))):
            return True
        pos = close + 2
    return False


def element_count(data: bytes) -> int:
    """An upper bound of the elements in a part, at memchr speed: its start tags, plus any "<"
    inside comments, CDATA and processing instructions (counting those too errs on the safe
    side). End tags "</" are not elements."""
    return data.count(b"<") - data.count(b"</")


def name_reason(name: str) -> str | None:
    """Active content recognised by its conventional part name."""
    lower = name.lower()
    base = lower.rpartition("/")[2]
    if base.startswith("vbaproject") or lower.startswith("xl/macrosheets/"):
        return "macro"
    if lower.startswith("xl/activex/"):
        return "activex"
    if lower.startswith("xl/embeddings/"):
        return "ole-object"
    if lower.startswith("xl/externallinks/"):
        return "external-link"
    if lower == "xl/connections.xml":
        return "data-connection"
    return None
