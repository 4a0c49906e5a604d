"""WordprocessingML for reading a .docx (publish's read-back, the import of a published report):
element names, and which text Word does not print.

Text can be in the XML and still not be on the page: `w:vanish` (hidden text) or `w:specVanish`
on a run, set directly or through the style sheet — the paragraph's style, the run's character
style, the table's style, each with its `w:basedOn` ancestors, and the document defaults
(`w:docDefaults/w:rPrDefault`). `Hiding` resolves that for each run (and for each paragraph mark,
whose hidden state joins a paragraph to the next one in print), so the reader reads only what prints.

Word and LibreOffice combine hidden text differently: Word treats it as a toggle in styles (a
paragraph style and a character style that both hide cancel out), LibreOffice lets the nearer
style win. A run here is hidden when EITHER way hides it — the read-back must never take text for
printed that some reader of the report does not see. Direct formatting on the run decides alone
(both agree). Conditional table-style formatting (`w:tblStylePr`: first row, banded rows) is not
read; our writer uses no table style.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

from ..findings import Code
from .limits import MAX_DEPTH
from .source import ReadProblem

# transitional and strict WordprocessingML: the same elements under two names
W_NAMESPACES = ("http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                "http://purl.oclc.org/ooxml/wordprocessingml/main")
_NAMES = ("body", "p", "tbl", "tr", "tc", "t", "tab", "br", "cr", "noBreakHyphen", "sdt", "sdtContent", "customXml",
          "tcPr", "trPr", "tblPr", "gridSpan", "vMerge", "hMerge", "tblHeader", "gridBefore", "tblCaption",
          "r", "rPr", "pPr", "pStyle", "rStyle", "tblStyle", "vanish", "specVanish",
          "style", "basedOn", "docDefaults", "rPrDefault")
# full tag → local name, for the WordprocessingML elements the reader looks at (a dict lookup per
# element: the reader walks every element of the body)
LOCAL = {f"{{{ns}}}{name}": name for ns in W_NAMESPACES for name in _NAMES}
_HIDES = ("vanish", "specVanish")
_OFF = frozenset({"0", "false", "off"})
MAX_CHAIN = 64  # basedOn steps followed (a loop or an absurd chain stops there)


def w(el: ET.Element) -> str:
    """The element's local name when it is one of the WordprocessingML elements read, else ''."""
    return LOCAL.get(el.tag, "")  # type: ignore[call-overload]


def attr(el: ET.Element, name: str) -> str | None:
    for ns in W_NAMESPACES:
        value = el.get(f"{{{ns}}}{name}")
        if value is not None:
            return value
    return None


def child(el: ET.Element | None, name: str) -> ET.Element | None:
    if el is None:
        return None
    for c in el:
        if w(c) == name:
            return c
    return None


def val(parent: ET.Element | None, name: str) -> str | None:
    """The w:val of property child `name` of `parent`; None when there is no such child or value.
    (An element without children is falsy: never write `child(...) or default`.)"""
    el = child(parent, name)
    return None if el is None else attr(el, "val")


def hides(rpr: ET.Element | None) -> bool | None:
    """What run properties say about hidden text: True, False (switched off explicitly) or None (silent).
    An on/off value that is not false counts as on, as an unknown value must not make text printed."""
    said: bool | None = None
    for name in _HIDES:
        el = child(rpr, name)
        if el is not None:
            on = (attr(el, "val") or "true").strip().lower() not in _OFF
            said = on or bool(said)
    return said


class Hiding:
    """The style sheet's say on hidden text; built from word/styles.xml (None: no style sheet)."""

    def __init__(self, styles: ET.Element | None) -> None:
        self._own: dict[str, bool | None] = {}  # style id → what its own rPr says
        self._based: dict[str, str] = {}
        self._defaults: dict[str, str] = {}  # style type → its default style's id
        self.default = False
        self._memo: dict[tuple[str | None, str | None, str | None], tuple[bool, bool]] = {}
        if styles is None:
            return
        defaults = child(child(styles, "docDefaults"), "rPrDefault")
        self.default = bool(hides(child(defaults, "rPr")))
        for el in styles:
            sid = attr(el, "styleId") if w(el) == "style" else None
            if sid is None or sid in self._own:
                continue
            self._own[sid] = hides(child(el, "rPr"))
            based = val(el, "basedOn")
            if based:
                self._based[sid] = based
            kind = attr(el, "type") or "paragraph"
            if (attr(el, "default") or "").strip().lower() in ("1", "true", "on"):
                self._defaults.setdefault(kind, sid)

    def style(self, kind: str, sid: str | None) -> str | None:
        """The style in effect: the named one when it exists, else the default style of its type."""
        return sid if sid is not None and sid in self._own else self._defaults.get(kind)

    def _chain(self, sid: str | None) -> bool | None:
        """A style's say, inherited along w:basedOn: the nearest style that says anything."""
        seen = 0
        while sid is not None and seen < MAX_CHAIN:
            said = self._own.get(sid)
            if said is not None:
                return said
            sid = self._based.get(sid)
            seen += 1
        return None

    def _inherited(self, table: str | None, paragraph: str | None, character: str | None) -> tuple[bool, bool]:
        """(nearer style wins, styles toggle) for a run of these styles without direct formatting."""
        key = (table, paragraph, character)
        if key not in self._memo:
            layered = toggled = self.default
            for sid in key:
                said = self._chain(sid)
                if said is not None:
                    layered = said
                    toggled ^= said
            self._memo[key] = (layered, toggled)
        return self._memo[key]

    def hidden(self, rpr: ET.Element | None, paragraph: str | None, table: str | None) -> bool:
        """Whether a run (or a paragraph mark) with run properties `rpr` is hidden, in a paragraph
        of style `paragraph` (resolved by `style`) inside a table of style `table` (None outside)."""
        direct = hides(rpr)
        if direct is not None:
            return direct
        character = self.style("character", val(rpr, "rStyle"))
        return any(self._inherited(table, paragraph, character))


# subtrees whose text is not the paragraph's own: text boxes and drawings float elsewhere, an
# AlternateContent's fallback repeats its choice, deleted text is gone, field codes are not shown
SKIP_TEXT = frozenset({f"{{{ns}}}{name}" for ns in W_NAMESPACES for name in ("txbxContent", "drawing", "pict", "object",
                                                                    "del", "delText", "instrText", "rPr", "pPr", "tbl")}
                      | {"{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"})


def _too_deep(depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ReadProblem(Code.IMPORT_LIMIT, "nesting", limit=MAX_DEPTH)


def children(parent: ET.Element, kinds: tuple[str, ...], depth: int = 0) -> Iterator[ET.Element]:
    """The children of these kinds (paragraphs and tables of a body or a cell, rows of a table, cells
    of a row) in order, seeing through content controls and custom XML; nested deeper than
    `MAX_DEPTH`: ReadProblem (import-limit nesting)."""
    _too_deep(depth)
    for el in parent:
        kind = w(el)
        if kind in kinds:
            yield el
        elif kind in ("sdt", "customXml"):
            content = child(el, "sdtContent") if kind == "sdt" else el
            if content is not None:
                yield from children(content, kinds, depth + 1)


def run_text(el: ET.Element, out: list[str], hiding: Hiding, style: str | None, table: str | None,
             hyphen: str = "-", depth: int = 0) -> None:
    """What a paragraph (or an element inside one) prints, appended to `out`: its runs' text, tabs as
    tab and line breaks as new lines, runs hidden (directly or by `style`, the paragraph's style, and
    `table`, its table's style) left out. `hyphen` is what a w:noBreakHyphen prints as: the import
    compares a plain "-", publish's read-back the U+2011 its writer wrote."""
    _too_deep(depth)
    for c in el:
        kind = LOCAL.get(c.tag, "")  # type: ignore[call-overload]
        if kind == "t":
            out.append(c.text or "")
        elif kind == "tab":
            out.append("\t")
        elif kind == "cr" or (kind == "br" and attr(c, "type") in (None, "textWrapping")):
            out.append("\n")
        elif kind == "noBreakHyphen":
            out.append(hyphen)
        elif kind == "r" and hiding.hidden(child(c, "rPr"), style, table):
            continue  # hidden text: in the file, not on the page
        elif c.tag not in SKIP_TEXT and len(c):
            run_text(c, out, hiding, style, table, hyphen, depth + 1)
