"""The one door to defusedxml: parsing package parts safely, and sniffing their encoding.

XML safety: ``defusedxml`` is the hard safety dependency.  Its ElementTree parser is, however, the
*pure-Python* ``XMLParser`` (a Python call per element) and is 2-3x slower than the C parser.
Everything defusedxml forbids (entity declarations, external entities/DTDs) can only be introduced by
a ``<!DOCTYPE`` declaration.  So a part goes to the C parser only when it is provably free of one: it
is UTF-8 (no BOM other than UTF-8's, no encoding declaration other than UTF-8/ASCII) and the bytes
``<!DOCTYPE`` do not occur in it.  Every other part (another encoding, a DOCTYPE anywhere, even inside
a comment) is parsed by ``defusedxml.ElementTree.fromstring``.  Set ``ALWAYS_DEFUSEDXML = True`` to
send every part through defusedxml.
"""

from __future__ import annotations

import contextlib
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Collection, Iterator
from typing import Any

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from ..errors import WorkbookBuilderError

__all__ = [
    "ALWAYS_DEFUSEDXML",
    "XmlError",
    "declared_encoding",
    "decode_xml",
    "iter_part",
    "iterparse_xml",
    "local_name",
    "namespace_of",
    "parse_xml",
    "to_utf8",
]

#: Route every part through defusedxml's (slower, pure-Python) parser.
ALWAYS_DEFUSEDXML = False


class XmlError(WorkbookBuilderError):
    """A part that cannot be parsed. ``reason`` is a slug (``unsafe-xml``, ``malformed-xml``,
    ``unsupported-encoding``) and ``params`` its fields; the finding catalogue words it for people."""

    def __init__(self, reason: str, **params: str) -> None:
        super().__init__(f"{reason}: {params}")
        self.reason = reason
        self.params = params

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across processes
        return (_xml_error, (self.reason, self.params))


def _xml_error(reason: str, params: dict[str, str]) -> XmlError:
    return XmlError(reason, **params)


# ---------------------------------------------------------------------------
# Encodings
# ---------------------------------------------------------------------------

# The encoding pseudo-attribute of an XML declaration at the very start of a part.
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DECLARATION = re.compile(rb"^<\?xml[^>]*?\?>")
_UTF8_NAMES = frozenset({b"utf-8", b"utf8", b"us-ascii", b"ascii"})


def declared_encoding(data: bytes) -> bytes | None:
    """The encoding named by the XML declaration that opens ``data`` (as written), or None."""
    m = _DECLARED_ENCODING.match(data[:200])
    return m.group(1) if m else None


def to_utf8(data: bytes) -> bytes | None:
    """The part as UTF-8 bytes, or None when its encoding is not one OPC allows.

    OPC allows UTF-8 and UTF-16 only. A UTF-8 BOM is dropped. UTF-16 is recognised by its byte-order
    mark or, without one, by the NUL byte beside the first "<"; it is transcoded and its declaration
    rewritten, so that byte-level scans see the real text and no parser meets UTF-16. A declared
    GBK, Latin-1 … (not allowed in OPC, and its bytes would lie to byte-level scans), undecodable
    UTF-16, and UTF-32 or other NUL-padded text give None.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:2] in (b"<\0", b"\0<"):
        codec = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-16-le" if data[:1] == b"<" else "utf-16-be")
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            return None
        return _DECLARATION.sub(b'<?xml version="1.0" encoding="UTF-8"?>', text.lstrip("\ufeff").encode("utf-8"), count=1)
    declared = _DECLARED_ENCODING.match(data)
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        return None
    if b"\0" in data[:64]:
        return None
    return data


def decode_xml(data: bytes) -> tuple[str, Callable[[str], bytes]]:
    """Text of a part and the encoder that writes it back the way it came (BOM and encoding kept).

    Raises `XmlError` (``unsupported-encoding``) when the declared encoding is unknown or wrong.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), lambda t: b"\xef\xbb\xbf" + t.encode("utf-8", "xmlcharrefreplace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        bom, codec = data[:2], ("utf-16-le" if data[:2] == b"\xff\xfe" else "utf-16-be")
        return data[2:].decode(codec), lambda t: bom + t.encode(codec, "xmlcharrefreplace")
    declared = declared_encoding(data)
    codec = declared.decode("ascii") if declared else "utf-8"
    try:
        text = data.decode(codec)
    except (LookupError, UnicodeDecodeError) as exc:
        raise XmlError("unsupported-encoding", codec=codec, error=str(exc)) from None
    return text, lambda t: t.encode(codec, "xmlcharrefreplace")


def _is_plain_utf8_without_doctype(data: bytes) -> bool:
    """True when ``data`` is certainly parsed as UTF-8 (or ASCII) and
    contains no DOCTYPE, i.e. nothing defusedxml would have to forbid."""
    if b"<!DOCTYPE" in data:
        return False
    head = data[:3]
    if head == b"\xef\xbb\xbf":
        data = data[3:]
    elif head[:1] != b"<":
        # UTF-16/32 BOMs, NUL-padded encodings, EBCDIC, leading junk ...
        return False
    if data.startswith(b"<?xml"):
        declared = declared_encoding(data)
        if declared is not None and declared.lower() not in _UTF8_NAMES:
            return False
    return True


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------


def parse_xml(data: bytes, part: str, cache: bool = True) -> ET.Element:
    """Parse one package part safely; `XmlError` (``unsafe-xml`` or ``malformed-xml``) if unusable.

    The tree may be shared with other callers (see the cache below): read it, never change it.
    `cache=False` for a part that is one file's own content (a report's word/document.xml).
    """
    lower = part.lower()
    if (not cache or len(data) > _PARSED_LIMIT // 16 or lower.startswith("xl/worksheets/")
            or lower.endswith("sharedstrings.xml")):
        return _parse_uncached(data, part)
    root = _PARSED.get(data)
    if root is None:
        root = _parse_uncached(data, part)
        while _PARSED and _PARSED_SIZE[0] + len(data) > _PARSED_LIMIT:
            _PARSED_SIZE[0] -= len(_PARSED.pop(next(iter(_PARSED))))
        _PARSED[data] = root
        _PARSED_SIZE[0] += len(data)
    return root


# Workbooks made from one template share most parts byte for byte (workbook.xml with its defined
# names, styles, app.xml, rels, properties): in a batch, parse each distinct content once. Keyed by
# the exact bytes, bounded in size, and the trees are only ever read, so a hit is the same result.
# Sheets and shared strings hold each file's own figures and text, so they are never cached.
_PARSED: dict[bytes, ET.Element] = {}
_PARSED_LIMIT = 4 * 1024 * 1024  # bytes of cached part content, so memory stays flat in any batch
_PARSED_SIZE = [0]


@contextlib.contextmanager
def _parse_errors(part: str) -> Iterator[None]:
    """What parsing a part raises, as the `XmlError` the caller reports (whole or streamed alike)."""
    try:
        yield
    except DefusedXmlException as exc:  # entity declaration, external DTD/entity
        raise XmlError("unsafe-xml", part=part, error=str(exc)) from None
    except Exception as exc:  # ParseError (C or pure-Python flavour), ValueError ...
        raise XmlError("malformed-xml", part=part, error=str(exc)) from None


def _parse_uncached(data: bytes, part: str) -> ET.Element:
    with _parse_errors(part):
        if not ALWAYS_DEFUSEDXML and _is_plain_utf8_without_doctype(data):
            return ET.fromstring(data)
        root: ET.Element = DET.fromstring(data)
        return root


def iterparse_xml(data: bytes, part: str) -> Iterator[tuple[str, ET.Element]]:
    """Stream one package part as ``("start" | "end", element)`` pairs, with `parse_xml`'s safety and errors.

    For parts too large to hold as a tree (sheets, shared strings, styles): the caller handles
    each element at its "end" event and then removes it from its parent, so memory stays that of
    one row however many the part holds. `XmlError` (``unsafe-xml``/``malformed-xml``) is raised
    from the iteration, when the parser meets the problem.
    """
    source = io.BytesIO(data)
    with _parse_errors(part):
        if not ALWAYS_DEFUSEDXML and _is_plain_utf8_without_doctype(data):
            stream = ET.iterparse(source, ("start", "end"))
        else:
            stream = DET.iterparse(source, ("start", "end"))
        yield from stream


#: Parts up to this size are parsed whole (faster, and cached where `parse_xml` caches); larger ones
#: are streamed by `iter_part`, so their size never becomes a tree in memory.
STREAM_ABOVE = 1 << 20

Walk = Callable[[Collection[str]], Iterator[tuple[ET.Element, ET.Element]]]


def iter_part(data: bytes, part: str) -> tuple[ET.Element, Walk]:
    """The root element of a part, and a walk over its content in document order.

    ``walk(split)`` yields ``(parent, element)`` pairs, each element complete: the root's children
    (parent = the root), except that a child whose tag is in ``split`` (say ``sheetData``) gives
    its own children one by one instead (parent = that child), and is not itself yielded. A part
    over `STREAM_ABOVE` bytes is streamed, every yielded element dropped once the walk moves on,
    so memory holds one row of a sheet rather than the sheet; a smaller one is parsed whole with
    `parse_xml` (read elements only, never change them: the tree may be shared). Errors are
    `parse_xml`'s, raised from the walk when streaming.
    """
    if len(data) <= STREAM_ABOVE:
        root = parse_xml(data, part)

        def walk_tree(split: Collection[str]) -> Iterator[tuple[ET.Element, ET.Element]]:
            for child in root:
                if child.tag in split:
                    for grandchild in child:
                        yield child, grandchild
                else:
                    yield root, child

        return root, walk_tree

    events = iterparse_xml(data, part)
    _, top_root = next(events)

    def walk_stream(split: Collection[str]) -> Iterator[tuple[ET.Element, ET.Element]]:
        depth, top, splitting = 1, top_root, False
        for event, el in events:
            if event == "start":
                depth += 1
                if depth == 2:
                    top, splitting = el, el.tag in split
                continue
            depth -= 1
            if depth == 2 and splitting:  # a child of a split child of the root is complete
                yield top, el
                del top[:]
            elif depth == 1:  # a child of the root is complete
                if not splitting:
                    yield top_root, el
                del top_root[:]
                splitting = False

    return top_root, walk_stream


def namespace_of(tag: str) -> str:
    """'{ns}local' → 'ns'; '' for a tag without a namespace."""
    if tag[:1] == "{":
        return tag[1 : tag.index("}")]
    return ""


def local_name(tag: Any) -> str:
    """'{ns}local' → 'local'; '' for comments and processing instructions (their tag is a function)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]
