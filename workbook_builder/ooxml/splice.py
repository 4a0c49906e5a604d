"""Byte-preserving edits of XML parts: splice new text into the original instead of re-serialising.

Re-serialising with ElementTree renames prefixes to ns0: and drops namespace declarations that no
element uses, which breaks `mc:Ignorable="x14ac"` in Excel's own files: Excel then refuses the file.
So a part is parsed safely first (`parse_xml`: well-formed, no DTD), then scanned once more for the
*positions* of its elements (`tree`), and edits are splices at those positions: namespace prefixes,
attribute order, `mc:Ignorable` declarations and everything else stay byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .xml import XmlError, decode_xml, parse_xml

__all__ = ["Doc", "El", "SHEET_ORDER", "STYLE_ORDER", "escape", "namespace", "position", "schema_key", "tree",
           "unescape"]

# CT_Worksheet and CT_Stylesheet children in schema order (ECMA-376 Part 1, §18.3.1.99, §18.8.39).
SHEET_ORDER = {n: i for i, n in enumerate((
    "sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection protectedRanges "
    "scenarios autoFilter sortState dataConsolidate customSheetViews mergeCells phoneticPr conditionalFormatting "
    "dataValidations hyperlinks printOptions pageMargins pageSetup headerFooter rowBreaks colBreaks "
    "customProperties cellWatches ignoredErrors smartTags drawing legacyDrawing legacyDrawingHF drawingHF "
    "picture oleObjects controls webPublishItems tableParts extLst").split())}
STYLE_ORDER = {n: i for i, n in enumerate(
    "numFmts fonts fills borders cellStyleXfs cellXfs cellStyles dxfs tableStyles colors extLst".split())}

# Markup tokens of a well-formed document (defusedxml has parsed it already, so text holds no '<'
# and attribute values hold no '<'; they may hold '>', which the quoted alternatives allow).
_TOKEN = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
    r"|<(/?)([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>",
    re.S,
)
_ATTR = re.compile(r"([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def unescape(raw: str) -> str:
    """Attribute or text content as written → its characters (the five named and numeric entities)."""
    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] == "#":
            return chr(int(e[2:], 16) if e[1] in "xX" else int(e[1:]))
        return _NAMED[e]
    return _ENTITY.sub(one, raw)


def escape(text: str, quote: bool = False) -> str:
    """Characters → XML text; `quote` also escapes '"' for an attribute value."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


class El:
    """An element's place in the text: [start, head_end) is its start tag, [close, end) its end tag."""

    __slots__ = ("name", "start", "head_end", "close", "end", "attrs", "children")

    def __init__(self, name: str, start: int, head_end: int) -> None:
        self.name = name
        self.start = start
        self.head_end = head_end
        self.close = head_end  # == head_end == end for an empty element (<a/>)
        self.end = head_end
        self.attrs: dict[str, tuple[str, int, int]] = {}  # name → (raw value, value start, value end)
        self.children: list[El] = []

    @property
    def local(self) -> str:
        return self.name.rpartition(":")[2]

    @property
    def prefix(self) -> str:
        """'x:' for <x:row>, '' for <row>."""
        return self.name[: len(self.name) - len(self.local)]

    @property
    def empty(self) -> bool:
        return self.head_end == self.end

    def get(self, name: str) -> str | None:
        a = self.attrs.get(name)
        return None if a is None else unescape(a[0])

    def kids(self, local: str) -> list[El]:
        return [c for c in self.children if c.local == local]

    def kid(self, local: str) -> El | None:
        return next((c for c in self.children if c.local == local), None)


def tree(text: str, part: str = "") -> El:
    """The element positions of a well-formed document's text; `XmlError` if its tags do not nest."""
    root: El | None = None
    stack: list[El] = []
    for m in _TOKEN.finditer(text):
        closing, name, attrs, empty = m.group(1, 2, 3, 4)
        if name is None:  # comment, CDATA, processing instruction
            continue
        if closing:
            el = stack.pop()
            el.close, el.end = m.start(), m.end()
            continue
        el = El(name, m.start(), m.end())
        base = m.start(3)
        for a in _ATTR.finditer(attrs):
            g = 2 if a.group(2) is not None else 3
            el.attrs[a.group(1)] = (a.group(g), base + a.start(g), base + a.end(g))
        if stack:
            stack[-1].children.append(el)
        elif root is None:
            root = el
        if not empty:
            stack.append(el)
    if root is None or stack:
        raise XmlError("malformed-xml", part=part, error="unbalanced tags")
    return root


@dataclass
class Doc:
    """One XML part being edited: its text, element tree and pending splices."""

    text: str
    encode: Callable[[str], bytes]
    root: El
    edits: list[tuple[int, int, str]] = field(default_factory=list)

    @classmethod
    def parse(cls, data: bytes, part: str) -> Doc:
        parse_xml(data, part)  # refuse anything unsafe or malformed before splicing text into it
        text, encode = decode_xml(data)
        return cls(text, encode, tree(text, part))

    def head(self, el: El, changes: dict[str, str], as_open: bool = False) -> str:
        """el's start tag with attribute values changed or added (values already escaped)."""
        tag = self.text[el.start: el.head_end]
        for name, (_, a, b) in sorted(el.attrs.items(), key=lambda kv: -kv[1][1]):
            if name in changes:
                tag = tag[: a - el.start] + changes[name] + tag[b - el.start:]
        added = "".join(f' {n}="{v}"' for n, v in changes.items() if n not in el.attrs)
        cut = 1 + len(el.name)
        tag = tag[:cut] + added + tag[cut:]
        if as_open and el.empty:
            tag = tag[:-2].rstrip() + ">"
        return tag

    def set_attrs(self, el: El, changes: dict[str, str]) -> None:
        self.edits.append((el.start, el.head_end, self.head(el, changes)))

    def insert(self, el: El, inserts: Iterable[tuple[int, str]], changes: dict[str, str] | None = None) -> None:
        """Insert text at positions inside el (a child's start, or el.close); an empty element is opened."""
        items = list(inserts)
        if el.empty:
            body = "".join(t for _, t in items)
            self.edits.append((el.start, el.end, self.head(el, changes or {}, as_open=True) + body + f"</{el.name}>"))
            return
        if changes:
            self.set_attrs(el, changes)
        for pos, t in items:
            self.edits.append((pos, pos, t))

    def result(self) -> bytes:
        out, last = [], 0
        for start, end, t in sorted(self.edits, key=lambda e: (e[0], e[1])):
            if start < last:
                raise AssertionError("overlapping edits")  # our bug, never the file's
            out += [self.text[last:start], t]
            last = end
        out.append(self.text[last:])
        return self.encode("".join(out))


def position(el: El, key: Callable[[El], float | None], value: float) -> int:
    """Where a child keyed `value` goes: before the first child with a greater key, else at the end."""
    for child in el.children:
        k = key(child)
        if k is not None and k > value:
            return child.start
    return el.close


def schema_key(order: dict[str, int]) -> Callable[[El], float | None]:
    """A child's place in its schema sequence; a wrapper (mc:AlternateContent) takes its content's."""
    def key(el: El) -> float | None:
        if el.local in order:
            return order[el.local]
        for child in el.children:
            k = key(child)
            if k is not None:
                return k
        return None
    return key


def namespace(el: El) -> str:
    """The namespace URI of an element, from the declarations on it (the root, for our uses)."""
    decl = el.get(f"xmlns:{el.prefix[:-1]}" if el.prefix else "xmlns")
    return decl or ""
