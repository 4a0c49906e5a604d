"""Feedback copies: a checked workbook with each finding shown on its cell.

    annotate_copy("returned.xlsx", report.findings, "returned-批注.xlsx")

Every cell a finding names gets a light-red fill on top of its own style and a comment (批注)
listing that cell's findings, one line each, prefixed 错误/警告/提示. Findings without a cell, or
naming only a sheet, go into a comment on A1 of that sheet (or of the first sheet).

The copy must check exactly like the original, so it is edited at the XML level, never loaded and
saved by a library (openpyxl drops cached values, custom properties and more on save):
- every zip entry is copied unchanged, in its order and with its compression, except the parts
  edited: xl/styles.xml (one fill, and a clone of each highlighted cell's xf with that fill; the
  clone keeps numFmtId, font, border, alignment and the `<protection>` lock flag), the sheets
  (`s=` of highlighted cells, a `<legacyDrawing>`), the sheets' rels and `[Content_Types].xml`;
- comments go in `xl/commentsN.xml` plus the legacy VML drawing Excel needs to show them; a sheet
  that already has comments (files from other tools) gets ours merged into its own parts;
- the edits are splices into the original text, so namespace prefixes, attribute order,
  `mc:Ignorable` declarations and everything else stay byte for byte. (Re-serialising with
  ElementTree renames prefixes to ns0: and drops namespace declarations that no element uses,
  which breaks `mc:Ignorable="x14ac"` in Excel's own files: Excel then refuses the file.)

Parts are parsed with defusedxml (well-formedness, no DTD) and the file first passes preflight:
a file preflight refuses is not copied. The input file is only read.
"""

from __future__ import annotations

import io
import math
import os
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from ..check.preflight import preflight_bytes
from ..check.reader import ReadError, parse_xml
from ..errors import UsageError
from ..findings import SEVERITY_ORDER, Finding
from ..ooxml.refs import column_index, column_letter
from ..outfile import write_atomic

__all__ = ["AnnotateError", "FILL_RGB", "annotate_bytes", "annotate_copy", "split_cell_ref"]

#: The highlight: Excel's own "light red fill" colour.
FILL_RGB = "FFFFC7CE"
AUTHOR = "workbook_builder"
SEVERITY_LABELS = {
    "zh": {"error": "错误", "warning": "警告", "info": "提示"},
    "en": {"error": "Error", "warning": "Warning", "info": "Info"},
}

_REL_NS = {
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main":
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/spreadsheetml/main": "http://purl.oclc.org/ooxml/officeDocument/relationships",
}
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
_COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
_VML_NS = {"v": "urn:schemas-microsoft-com:vml", "o": "urn:schemas-microsoft-com:office:office",
           "x": "urn:schemas-microsoft-com:office:excel"}
# CT_Worksheet and CT_Stylesheet children in schema order (ECMA-376 Part 1, §18.3.1.99, §18.8.39).
_SHEET_ORDER = {n: i for i, n in enumerate((
    "sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection protectedRanges "
    "scenarios autoFilter sortState dataConsolidate customSheetViews mergeCells phoneticPr conditionalFormatting "
    "dataValidations hyperlinks printOptions pageMargins pageSetup headerFooter rowBreaks colBreaks "
    "customProperties cellWatches ignoredErrors smartTags drawing legacyDrawing legacyDrawingHF drawingHF "
    "picture oleObjects controls webPublishItems tableParts extLst").split())}
_STYLE_ORDER = {n: i for i, n in enumerate(
    "numFmts fonts fills borders cellStyleXfs cellXfs cellStyles dxfs tableStyles colors extLst".split())}
_MAX_ROW, _MAX_COL = 1_048_576, 16_384


class AnnotateError(UsageError, ValueError):
    """The workbook cannot be annotated (unreadable, refused by preflight, or not a workbook)."""


# ---------------------------------------------------------------- cell references

_ADDRESS = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})(?::.*)?$")


def split_cell_ref(ref: str) -> tuple[str | None, str]:
    """`'Sheet'!A1` → ('Sheet', 'A1'); quotes inside a quoted name are doubled (`'O''Brien'`).

    `'Sheet'` → ('Sheet', ''); `Sheet!A1` → ('Sheet', 'A1'); `A1` → (None, 'A1').
    """
    s = ref.strip()
    if s.startswith("'"):
        name: list[str] = []
        i = 1
        while i < len(s):
            if s[i] == "'":
                if s[i + 1: i + 2] == "'":
                    name.append("'")
                    i += 2
                    continue
                break
            name.append(s[i])
            i += 1
        rest = s[i + 1:]
        return "".join(name), rest[1:] if rest.startswith("!") else rest.strip()
    if "!" in s:
        sheet, _, rest = s.rpartition("!")
        return sheet, rest
    return None, s


def _address(text: str) -> tuple[int, int] | None:
    """'B7', '$B$7', 'B7:C9' (its first cell) → (7, 2); None for anything else or off the grid."""
    m = _ADDRESS.match(text.strip())
    if not m:
        return None
    row, col = int(m.group(2)), column_index(m.group(1))
    return (row, col) if 1 <= row <= _MAX_ROW and 1 <= col <= _MAX_COL else None


# ---------------------------------------------------------------- text-level XML editing

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


def _unescape(raw: str) -> str:
    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] == "#":
            return chr(int(e[2:], 16) if e[1] in "xX" else int(e[1:]))
        return _NAMED[e]
    return _ENTITY.sub(one, raw)


def _esc(text: str, quote: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


class _El:
    """An element's place in the text: [start, head_end) is its start tag, [close, end) its end tag."""

    __slots__ = ("name", "start", "head_end", "close", "end", "attrs", "children")

    def __init__(self, name: str, start: int, head_end: int) -> None:
        self.name = name
        self.start = start
        self.head_end = head_end
        self.close = head_end  # == head_end == end for an empty element (<a/>)
        self.end = head_end
        self.attrs: dict[str, tuple[str, int, int]] = {}  # name → (raw value, value start, value end)
        self.children: list[_El] = []

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
        return None if a is None else _unescape(a[0])

    def kids(self, local: str) -> list[_El]:
        return [c for c in self.children if c.local == local]

    def kid(self, local: str) -> _El | None:
        return next((c for c in self.children if c.local == local), None)


def _tree(text: str) -> _El:
    root: _El | None = None
    stack: list[_El] = []
    for m in _TOKEN.finditer(text):
        closing, name, attrs, empty = m.group(1, 2, 3, 4)
        if name is None:  # comment, CDATA, processing instruction
            continue
        if closing:
            el = stack.pop()
            el.close, el.end = m.start(), m.end()
            continue
        el = _El(name, m.start(), m.end())
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
        raise AnnotateError("malformed XML part")
    return root


@dataclass
class _Doc:
    """One XML part being edited: its text, element tree and pending splices."""

    text: str
    encode: Callable[[str], bytes]
    root: _El
    edits: list[tuple[int, int, str]] = field(default_factory=list)

    @classmethod
    def parse(cls, data: bytes, part: str) -> _Doc:
        _et(data, part)  # refuse anything unsafe or malformed before splicing text into it
        text, encode = _decode(data)
        return cls(text, encode, _tree(text))

    def head(self, el: _El, changes: dict[str, str], as_open: bool = False) -> str:
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

    def set_attrs(self, el: _El, changes: dict[str, str]) -> None:
        self.edits.append((el.start, el.head_end, self.head(el, changes)))

    def insert(self, el: _El, inserts: Iterable[tuple[int, str]], changes: dict[str, str] | None = None) -> None:
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


_DECL_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _decode(data: bytes) -> tuple[str, Callable[[str], bytes]]:
    """Text and the encoder that writes it back the way it came (BOM and encoding kept)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), lambda t: b"\xef\xbb\xbf" + t.encode("utf-8", "xmlcharrefreplace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        bom, codec = data[:2], ("utf-16-le" if data[:2] == b"\xff\xfe" else "utf-16-be")
        return data[2:].decode(codec), lambda t: bom + t.encode(codec, "xmlcharrefreplace")
    m = _DECL_ENCODING.match(data[:200])
    codec = m.group(1).decode("ascii") if m else "utf-8"
    try:
        text = data.decode(codec)
    except (LookupError, UnicodeDecodeError) as exc:
        raise AnnotateError(f"unsupported XML encoding {codec!r} ({exc})") from None
    return text, lambda t: t.encode(codec, "xmlcharrefreplace")


def _position(el: _El, key: Callable[[_El], float | None], value: float) -> int:
    """Where a child keyed `value` goes: before the first child with a greater key, else at the end."""
    for child in el.children:
        k = key(child)
        if k is not None and k > value:
            return child.start
    return el.close


def _schema_key(order: dict[str, int]) -> Callable[[_El], float | None]:
    """A child's place in its schema sequence; a wrapper (mc:AlternateContent) takes its content's."""
    def key(el: _El) -> float | None:
        if el.local in order:
            return order[el.local]
        for child in el.children:
            k = key(child)
            if k is not None:
                return k
        return None
    return key


# ---------------------------------------------------------------- the package

@dataclass
class _Sheet:
    name: str
    part: str
    marks: dict[tuple[int, int], list[Finding]] = field(default_factory=dict)  # highlighted
    notes: dict[tuple[int, int], list[Finding]] = field(default_factory=dict)  # comment only (A1)

    def lines(self) -> dict[tuple[int, int], list[Finding]]:
        out: dict[tuple[int, int], list[Finding]] = {}
        for group in (self.marks, self.notes):
            for k, fs in group.items():
                out.setdefault(k, []).extend(fs)
        return out


class _Package:
    def __init__(self, data: bytes) -> None:
        pre = preflight_bytes(data)
        if pre.problem is not None or pre.parts is None:
            p = pre.problem
            raise AnnotateError(f"{p.detail_zh}（{p.reason}）" if p else "文件无法读取")
        self.zf = zipfile.ZipFile(io.BytesIO(data))
        self.infos = self.zf.infolist()
        self.xml = dict(pre.parts)
        self.folded = {i.filename.lower(): i.filename for i in self.infos}
        self.changed: dict[str, bytes] = {}
        self.added: list[tuple[str, bytes]] = []
        self.reserved: set[str] = set()  # lower-cased names content types already speak of

    def name_of(self, name: str) -> str | None:
        return self.folded.get(name.lstrip("/").lower())

    def get(self, name: str) -> bytes | None:
        real = self.name_of(name)
        return None if real is None else self.changed.get(real, self.xml.get(real))

    def add(self, name: str, data: bytes) -> None:
        self.added.append((name, data))
        self.folded[name.lower()] = name
        self.xml[name] = data

    def free_name(self, pattern: str) -> str:
        n = 1
        while self.name_of(pattern.format(n)) is not None or pattern.format(n).lower() in self.reserved:
            n += 1
        return pattern.format(n)

    def rels(self, source: str) -> tuple[str, list[tuple[str, str, str, bool]]]:
        """The rels part name of `source` and its (id, type, resolved target, external) entries."""
        d, b = posixpath.split(source)
        name = posixpath.join(d, "_rels", b + ".rels")
        data = self.get(name)
        out: list[tuple[str, str, str, bool]] = []
        if data is not None:
            for el in _et(data, name):
                if el.tag.rpartition("}")[2] != "Relationship":
                    continue
                external = (el.get("TargetMode") or "").lower() == "external"
                target = el.get("Target") or ""
                out.append((el.get("Id") or "", el.get("Type") or "", target if external else _resolve(d, target), external))
        return name, out

    def write(self, fh: BinaryIO) -> None:
        first = self.infos[0]
        with zipfile.ZipFile(fh, "w") as zout:
            for info in self.infos:
                zi = _entry(info.filename, info)
                zi.comment = info.comment
                zi.extra = _strip_zip64(info.extra)
                data = b"" if info.is_dir() else self.changed.get(info.filename) or self.zf.read(info)
                zout.writestr(zi, data)
            for name, data in self.added:
                zi = _entry(name, first)
                zi.compress_type = zipfile.ZIP_DEFLATED
                zout.writestr(zi, data)


def _entry(name: str, like: zipfile.ZipInfo) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(name, like.date_time)
    zi.compress_type = like.compress_type
    zi.external_attr = like.external_attr
    zi.create_system = like.create_system
    return zi


def _strip_zip64(extra: bytes) -> bytes:
    """Extra fields minus zip64 (0x0001), whose sizes zipfile recomputes: stale ones would lie."""
    out, i = b"", 0
    while i + 4 <= len(extra):
        tag, size = int.from_bytes(extra[i: i + 2], "little"), int.from_bytes(extra[i + 2: i + 4], "little")
        if tag != 1:
            out += extra[i: i + 4 + size]
        i += 4 + size
    return out


def _et(data: bytes, part: str) -> Element:
    try:
        return parse_xml(data, part)
    except ReadError as exc:
        raise AnnotateError(f"part {part} is not usable XML ({exc.detail_en})") from None


def _resolve(base_dir: str, target: str) -> str:
    target = unquote(target.replace("\\", "/"))
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(base_dir, target))


def _rel_target(source: str, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(source) or ".")


def _namespace(el: _El) -> str:
    """The namespace URI of an element, from the declarations on it (the root, for our uses)."""
    decl = el.get(f"xmlns:{el.prefix[:-1]}" if el.prefix else "xmlns")
    return decl or ""


# ---------------------------------------------------------------- public API

def annotate_copy(src: str | os.PathLike[str], findings: Sequence[Finding], out: str | os.PathLike[str],
                  lang: str = "zh") -> Path:
    """Write a copy of workbook `src` to `out` with each finding marked on its cell; returns `out`.

    Named cells get a light-red fill and a comment with their findings (one line each, prefixed by
    severity); findings without a cell go in a comment on A1. `src` is only read; `out` is written
    to a temporary file in its folder and renamed into place. Raises `AnnotateError` for a file
    that preflight refuses or that is not a workbook, and `ValueError` if `out` is `src`.
    """
    src, out = Path(src), Path(out)
    if out.resolve() == src.resolve() or (out.exists() and os.path.samefile(src, out)):
        raise ValueError("annotate_copy never overwrites its input: choose another output path")
    return write_atomic(out, annotate_bytes(src.read_bytes(), findings, lang))


def annotate_bytes(data: bytes, findings: Sequence[Finding], lang: str = "zh") -> bytes:
    """The annotated copy of a workbook given as bytes (see `annotate_copy`)."""
    pkg = _Package(data)
    sheets = _sheets(pkg)
    if not sheets:
        raise AnnotateError("the workbook has no worksheet")
    _place(findings, sheets)
    docs = {s.part: _Doc.parse(pkg.get(s.part) or b"", s.part) for s in sheets if s.marks or s.notes}
    # 1. which style each highlighted cell has now (a missing cell: its row's or column's style)
    targets: dict[str, dict[tuple[int, int], int]] = {}
    for s in sheets:
        if s.marks:
            targets[s.part] = _base_styles(docs[s.part], s.marks)
    bases = sorted({b for t in targets.values() for b in t.values()})
    # 2. one fill, and a clone of each of those styles with it
    mapping = _edit_styles(pkg, bases) if bases else {}
    # 3. the sheets, their comments and drawings
    ctypes = _ContentTypes(pkg)
    vml_blocks = _used_vml_blocks(pkg)
    for s in sheets:
        if s.part not in docs:
            continue
        doc = docs[s.part]
        if s.part in targets:
            _highlight(doc, {k: mapping[b] for k, b in targets[s.part].items()})
        _comment(pkg, doc, s, lang, ctypes, vml_blocks)
        pkg.changed[pkg.name_of(s.part) or s.part] = doc.result()
    ctypes.save()
    buf = io.BytesIO()
    pkg.write(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- placing findings

def _sheets(pkg: _Package) -> list[_Sheet]:
    """Worksheets in workbook order (chart and dialog sheets cannot carry cell comments)."""
    _, root_rels = pkg.rels("")
    wb_part = next((t for _, typ, t, ext in root_rels if typ.endswith("/officeDocument") and not ext), "xl/workbook.xml")
    wb_part = pkg.name_of(wb_part) or "xl/workbook.xml"
    root = _et(pkg.get(wb_part) or b"", wb_part)
    _, rels = pkg.rels(wb_part)
    by_id = {rid: (typ, t) for rid, typ, t, ext in rels if not ext}
    out = []
    for el in root.iter():
        if el.tag.rpartition("}")[2] != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
        typ, target = by_id.get(rid or "", ("", ""))
        part = pkg.name_of(target) if typ.endswith("/worksheet") else None
        if part is not None:
            out.append(_Sheet(el.get("name") or "", part))
    return out


def _place(findings: Sequence[Finding], sheets: list[_Sheet]) -> None:
    def lookup(name: str) -> _Sheet | None:
        return next((s for s in sheets if s.name == name), None) or next(
            (s for s in sheets if s.name.casefold() == name.casefold()), None)

    for f in findings:
        sheet: _Sheet | None = None
        where: tuple[int, int] | None = None
        if f.cell:
            name, addr = split_cell_ref(f.cell)
            where = _address(addr)
            if name is None and where is None:  # a bare sheet name
                name = addr
            sheet = lookup(name) if name is not None else sheets[0]
            if sheet is None:
                where = None
        target = sheet or sheets[0]
        if where is None:
            target.notes.setdefault((1, 1), []).append(f)
        else:
            target.marks.setdefault(where, []).append(f)


# ---------------------------------------------------------------- styles

def _cells(sheet_data: _El) -> tuple[dict[int, _El], dict[tuple[int, int], list[_El]]]:
    """Rows by number and cells by (row, col), positioned the way the reader does (a cell's own
    `r` wins over its row's; without one, a row or cell is the one after the previous)."""
    rows: dict[int, _El] = {}
    cells: dict[tuple[int, int], list[_El]] = {}
    row_no = 0
    for row in sheet_data.kids("row"):
        r = row.get("r")
        row_no = int(r) if r and r.isascii() and r.isdigit() else row_no + 1
        rows.setdefault(row_no, row)
        col_no = 0
        for c in row.kids("c"):
            ref = c.get("r")
            key = _address(ref) if ref and ":" not in ref else None
            if key is None:
                key = (row_no, col_no + 1)
            col_no = key[1]
            cells.setdefault(key, []).append(c)
    return rows, cells


def _style(value: str | None) -> int:
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true")


def _base_styles(doc: _Doc, marks: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    sheet_data = doc.root.kid("sheetData")
    rows, cells = _cells(sheet_data) if sheet_data is not None else ({}, {})
    cols = doc.root.kid("cols")
    out = {}
    for row_no, col_no in marks:
        found = cells.get((row_no, col_no))
        if found:
            out[(row_no, col_no)] = _style(found[0].get("s"))
            continue
        # An absent cell shows its row's style (customFormat) or its column's: keep that look and lock.
        row = rows.get(row_no)
        base = _style(row.get("s")) if row is not None and _truthy(row.get("customFormat")) else None
        if base is None and cols is not None:
            for col in cols.kids("col"):
                if _style(col.get("min")) <= col_no <= _style(col.get("max")):
                    base = _style(col.get("style"))
                    break
        out[(row_no, col_no)] = base or 0
    return out


def _edit_styles(pkg: _Package, bases: list[int]) -> dict[int, int]:
    """Add the highlight fill and one xf per base style; returns base style → highlighted style."""
    _, root_rels = pkg.rels("")
    wb_part = next((t for _, typ, t, ext in root_rels if typ.endswith("/officeDocument") and not ext), "xl/workbook.xml")
    _, rels = pkg.rels(pkg.name_of(wb_part) or wb_part)
    part = next((t for _, typ, t, ext in rels if typ.endswith("/styles") and not ext), "xl/styles.xml")
    real = pkg.name_of(part)
    if real is None:
        raise AnnotateError("the workbook has no styles part")
    doc = _Doc.parse(pkg.get(real) or b"", real)
    root, p = doc.root, doc.root.prefix
    key = _schema_key(_STYLE_ORDER)
    fill = (f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{FILL_RGB}"/>'
            f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>')
    fills = root.kid("fills")
    if fills is None:  # absent: fills 0 and 1 are Excel's reserved none and gray125
        fill_id = 2
        new = (f'<{p}fills count="3"><{p}fill><{p}patternFill patternType="none"/></{p}fill>'
               f'<{p}fill><{p}patternFill patternType="gray125"/></{p}fill>{fill}</{p}fills>')
        doc.insert(root, [(_position(root, key, _STYLE_ORDER["fills"]), new)])
    else:
        fill_id = len(fills.kids("fill"))
        count = {"count": str(fill_id + 1)} if "count" in fills.attrs else None
        doc.insert(fills, [(fills.close, fill)], count)
    xfs_el = root.kid("cellXfs")
    xfs = xfs_el.kids("xf") if xfs_el is not None else []
    clones, mapping = [], {}
    for i, base in enumerate(bases):
        mapping[base] = (len(xfs) if xfs_el is not None else 1) + i
        changes = {"fillId": str(fill_id), "applyFill": "1"}
        if 0 <= base < len(xfs):
            xf = xfs[base]
            tag = doc.head(xf, changes)
            clones.append(tag + doc.text[xf.head_end: xf.end])
        else:  # a dangling index reads as the default, locked style
            clones.append(f'<{p}xf numFmtId="0" fontId="0" fillId="{fill_id}" borderId="0" xfId="0" applyFill="1"/>')
    if xfs_el is None:
        new = (f'<{p}cellXfs count="{1 + len(clones)}"><{p}xf numFmtId="0" fontId="0" fillId="0" borderId="0"'
               f' xfId="0"/>{"".join(clones)}</{p}cellXfs>')
        doc.insert(root, [(_position(root, key, _STYLE_ORDER["cellXfs"]), new)])
    else:
        count = {"count": str(len(xfs) + len(clones))} if "count" in xfs_el.attrs else None
        doc.insert(xfs_el, [(xfs_el.close, "".join(clones))], count)
    pkg.changed[real] = doc.result()
    return mapping


# ---------------------------------------------------------------- sheets

def _highlight(doc: _Doc, styles: dict[tuple[int, int], int]) -> None:
    root, p = doc.root, doc.root.prefix
    sheet_data = root.kid("sheetData")
    if sheet_data is None:
        rows_text = "".join(f'<{p}row r="{r}">' + "".join(
            f'<{p}c r="{column_letter(c)}{r}" s="{s}"/>' for (rr, c), s in sorted(styles.items()) if rr == r) + f"</{p}row>"
            for r in sorted({r for r, _ in styles}))
        pos = _position(root, _schema_key(_SHEET_ORDER), _SHEET_ORDER["sheetData"])
        doc.insert(root, [(pos, f"<{p}sheetData>{rows_text}</{p}sheetData>")])
        return
    rows, cells = _cells(sheet_data)
    row_of = {id(el): n for n, el in rows.items()}
    col_of = {id(el): k[1] for k, els in cells.items() for el in els}
    new_cells: dict[int, list[tuple[int, int]]] = {}
    for (r, c), s in sorted(styles.items()):
        if (r, c) in cells:
            for el in cells[(r, c)]:
                doc.set_attrs(el, {"s": str(s)})
        else:
            new_cells.setdefault(r, []).append((c, s))
    new_rows: list[tuple[int, str]] = []
    for r, items in sorted(new_cells.items()):
        texts = [(c, f'<{p}c r="{column_letter(c)}{r}" s="{s}"/>') for c, s in items]
        row = rows.get(r)
        if row is None:
            body = "".join(t for _, t in texts)
            pos = _position(sheet_data, _key_by(row_of), r)
            new_rows.append((pos, f'<{p}row r="{r}">{body}</{p}row>'))
            continue
        inserts = [(_position(row, _key_by(col_of), c), t) for c, t in texts]
        doc.insert(row, inserts, _spans(row, [c for c, _ in items]))
    if new_rows:
        doc.insert(sheet_data, new_rows)


def _key_by(table: dict[int, int]) -> Callable[[_El], float | None]:
    """Order children by a number looked up by identity (row numbers, column numbers)."""
    return lambda el: table.get(id(el))


def _spans(row: _El, cols: list[int]) -> dict[str, str] | None:
    """Widen a row's `spans` hint ("1:10") to cover new cells."""
    spans = row.get("spans")
    m = re.fullmatch(r"\s*(\d+):(\d+)\s*", spans or "")
    if not m:
        return None
    lo, hi = int(m.group(1)), int(m.group(2))
    if min(cols) >= lo and max(cols) <= hi:
        return None
    return {"spans": f"{min(lo, *cols)}:{max(hi, *cols)}"}


# ---------------------------------------------------------------- comments

def _comment_text(findings: list[Finding], lang: str) -> str:
    labels = SEVERITY_LABELS.get(lang, SEVERITY_LABELS["zh"])
    sep = "：" if lang != "en" else ": "
    ordered = sorted(findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 9))
    text = "\n".join(f"{labels.get(f.severity, f.severity)}{sep}{f.message(lang)}" for f in ordered)
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", text)
    return re.sub(r"_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1", text)  # Excel would decode a literal _xHHHH_


def _run(text: str, p: str, lang: str) -> str:
    font = "宋体" if lang != "en" else "Tahoma"
    return (f'<{p}r><{p}rPr><{p}sz val="9"/><{p}color indexed="81"/><{p}rFont val="{font}"/><{p}charset val="134"/>'
            f'</{p}rPr><{p}t xml:space="preserve">{_esc(text)}</{p}t></{p}r>')


def _ref_key(ref: str | None) -> tuple[int, int] | None:
    return _address(ref.replace("$", "")) if ref else None


def _comment(pkg: _Package, doc: _Doc, sheet: _Sheet, lang: str, ctypes: _ContentTypes, vml_blocks: set[int]) -> None:
    lines = {k: _comment_text(fs, lang) for k, fs in sorted(sheet.lines().items())}
    main_ns = _namespace(doc.root)
    rel_ns = _REL_NS.get(main_ns, _REL_NS["http://schemas.openxmlformats.org/spreadsheetml/2006/main"])
    rels_name, rels = pkg.rels(sheet.part)
    rels_doc = _Doc.parse(pkg.get(rels_name) or b"", rels_name) if pkg.get(rels_name) is not None else None
    new_rels: list[tuple[str, str, str]] = []  # (id, type, target)
    used_ids = {rid for rid, *_ in rels}

    def add_rel(kind: str, target: str) -> str:
        n = len(used_ids) + 1
        while f"rId{n}" in used_ids:
            n += 1
        used_ids.add(f"rId{n}")
        new_rels.append((f"rId{n}", f"{rel_ns}/{kind}", _rel_target(sheet.part, target)))
        return f"rId{n}"

    # -- comments part: merge into the sheet's own if it has one
    comments_part = next((pkg.name_of(t) for _, typ, t, ext in rels if typ.endswith("/comments") and not ext
                          and pkg.name_of(t) is not None), None)
    if comments_part is not None:
        existing = _merge_comments(pkg, comments_part, lines, lang)
    else:
        existing = set()
        comments_part = pkg.free_name("xl/comments{}.xml")
        pkg.add(comments_part, _new_comments(main_ns, lines, lang))
        ctypes.override(comments_part, _COMMENTS_TYPE)
        add_rel("comments", comments_part)
    # -- legacy drawing: extend the sheet's own if it has one
    shapes = [k for k in lines if k not in existing]
    legacy = doc.root.kid("legacyDrawing")
    rid = next((v[0] for k, v in legacy.attrs.items() if k.rpartition(":")[2] == "id"), None) if legacy else None
    vml_part = next((pkg.name_of(t) for i, typ, t, ext in rels if i == rid and not ext), None) if rid else None
    if vml_part is not None:
        if shapes:
            pkg.changed[vml_part] = _extend_vml(pkg.get(vml_part) or b"", shapes, lines)
    else:
        vml_part = pkg.free_name("xl/drawings/vmlDrawing{}.vml")
        pkg.add(vml_part, _new_vml(shapes, lines, vml_blocks))
        ctypes.vml(vml_part)
        new_id = add_rel("vmlDrawing", vml_part)
        prefix = next((k[6:] + ":" for k, v in doc.root.attrs.items() if k.startswith("xmlns:") and _unescape(v[0]) == rel_ns),
                      None)
        decl = "" if prefix else f' xmlns:r="{rel_ns}"'
        element = f'<{doc.root.prefix}legacyDrawing{decl} {prefix or "r:"}id="{new_id}"/>'
        if legacy is not None:  # dangling r:id: replace it
            doc.edits.append((legacy.start, legacy.end, element))
        else:
            doc.insert(doc.root, [(_position(doc.root, _schema_key(_SHEET_ORDER), _SHEET_ORDER["legacyDrawing"]), element)])
    # -- relationships
    if new_rels:
        text = "".join(f'<{{p}}Relationship Id="{i}" Type="{t}" Target="{_esc(g, True)}"/>' for i, t, g in new_rels)
        if rels_doc is None:
            pkg.add(rels_name, ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                f'<Relationships xmlns="{_PKG_REL_NS}">{text.format(p="")}</Relationships>').encode())
        else:
            root = rels_doc.root
            rels_doc.insert(root, [(root.close, text.format(p=root.prefix))])
            pkg.changed[pkg.name_of(rels_name) or rels_name] = rels_doc.result()


def _new_comments(main_ns: str, lines: dict[tuple[int, int], str], lang: str) -> bytes:
    body = "".join(f'<comment ref="{column_letter(c)}{r}" authorId="0"><text>{_run(t, "", lang)}</text></comment>'
                   for (r, c), t in lines.items())
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<comments xmlns="{main_ns}"><authors><author>{AUTHOR}</author></authors>'
            f"<commentList>{body}</commentList></comments>").encode()


def _merge_comments(pkg: _Package, part: str, lines: dict[tuple[int, int], str], lang: str) -> set[tuple[int, int]]:
    """Add ours to another tool's comments part; a cell it already comments gets our lines appended.

    Returns the cells that already had a comment (and so already have a shape in the drawing).
    """
    doc = _Doc.parse(pkg.get(part) or b"", part)
    root, p = doc.root, doc.root.prefix
    authors = root.kid("authors")
    names = [_unescape(doc.text[a.head_end: a.close]) for a in authors.kids("author")] if authors else []
    if AUTHOR in names:
        author_id = names.index(AUTHOR)
    else:
        author_id = len(names)
        if authors is not None:
            doc.insert(authors, [(authors.close, f"<{p}author>{AUTHOR}</{p}author>")])
        else:
            doc.insert(root, [(root.children[0].start if root.children else root.close,
                               f"<{p}authors><{p}author>{AUTHOR}</{p}author></{p}authors>")])
    comment_list = root.kid("commentList")
    existing: dict[tuple[int, int], _El] = {}
    for el in comment_list.kids("comment") if comment_list else []:
        k = _ref_key(el.get("ref"))
        if k is not None:
            existing.setdefault(k, el)
    new = []
    for k, t in lines.items():
        old = existing.get(k)
        if old is not None and (text := old.kid("text")) is not None:
            runs = [c for c in text.children if c.local in ("t", "r")]
            pos = runs[-1].end if runs else text.close
            doc.insert(text, [(pos, _run("\n" + t, p, lang))])
        else:
            r, c = k
            new.append(f'<{p}comment ref="{column_letter(c)}{r}" authorId="{author_id}">'
                       f"<{p}text>{_run(t, p, lang)}</{p}text></{p}comment>")
    if comment_list is not None:
        doc.insert(comment_list, [(comment_list.close, "".join(new))])
    else:
        doc.insert(root, [(root.close, f"<{p}commentList>{''.join(new)}</{p}commentList>")])
    pkg.changed[part] = doc.result()
    return set(existing)


# ---------------------------------------------------------------- VML (Excel shows comments through it)

_SHAPETYPE = ('<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
              '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')
_DECLS = " ".join(f'xmlns:{k}="{v}"' for k, v in _VML_NS.items())


def _shape(spid: int, z: int, row: int, col: int, text: str, decls: str = "") -> str:
    """A hidden note box beside the cell; sized for the text (about 32 CJK characters a line)."""
    lines = sum(max(1, math.ceil(sum(2 if ord(ch) > 0x2E7F else 1 for ch in line) / 64)) for line in text.split("\n"))
    height = min(12 * lines + 8, 600)
    rows_down = max(3, math.ceil(height / 15))
    r0, c0 = row - 1, col - 1
    top = max(r0 - 1, 0)
    return (f'<v:shape{decls} id="_x0000_s{spid}" type="#_x0000_t202" style="position:absolute;'
            f"margin-left:{48 * (c0 + 1) + 11.25:g}pt;margin-top:{15 * top + 1.5:g}pt;width:288pt;height:{height}pt;"
            f'z-index:{z};visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{c0 + 1}, 15, {top}, {10 if r0 else 2}, {c0 + 7}, 15, {top + rows_down}, 4</x:Anchor>"
            f"<x:AutoFill>False</x:AutoFill><x:Row>{r0}</x:Row><x:Column>{c0}</x:Column></x:ClientData></v:shape>")


_IDMAP = re.compile(rb"""idmap[^>]*?data\s*=\s*["']([0-9,\s]*)["']""")


def _used_vml_blocks(pkg: _Package) -> set[int]:
    """Shape-id blocks (of 1024) the package's drawings claim: ours must not collide with them."""
    used: set[int] = set()
    for name, data in pkg.xml.items():
        if name.lower().endswith(".vml"):
            for m in _IDMAP.finditer(data):
                used.update(int(x) for x in m.group(1).replace(b" ", b"").split(b",") if x)
    return used


def _new_vml(shapes: list[tuple[int, int]], lines: dict[tuple[int, int], str], used: set[int]) -> bytes:
    need = max(1, math.ceil((len(shapes) + 1) / 1024))
    first = 1
    while any(b in used for b in range(first, first + need)):
        first += 1
    blocks = list(range(first, first + need))
    used.update(blocks)
    body = "".join(_shape(first * 1024 + 1 + i, i + 1, r, c, lines[(r, c)]) for i, (r, c) in enumerate(shapes))
    return (f'<xml {_DECLS}><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{",".join(map(str, blocks))}"/>'
            f"</o:shapelayout>{_SHAPETYPE}{body}</xml>").encode()


def _extend_vml(data: bytes, shapes: list[tuple[int, int]], lines: dict[tuple[int, int], str]) -> bytes:
    """Append note shapes to another tool's drawing. Its VML may not be well-formed (Excel writes
    bare <br>), so this is a text splice before the closing </xml>, not a parse."""
    text, encode = _decode(data)
    close = text.lower().rfind("</xml>")
    if close < 0:
        raise AnnotateError("the sheet's legacy drawing has no closing </xml>")
    head = text[: text.find(">", text.lower().find("<xml")) + 1] if "<xml" in text.lower() else ""
    decls = "" if all(f'xmlns:{k}="{v}"' in head or f"xmlns:{k}='{v}'" in head for k, v in _VML_NS.items()) else " " + _DECLS
    spid = max((int(n) for n in re.findall(r"_x0000_s(\d+)", text)), default=1024) + 1
    z = max((int(n) for n in re.findall(r"z-index:\s*(\d+)", text)), default=0) + 1
    body = "" if "_x0000_t202" in text else (_SHAPETYPE if not decls else _SHAPETYPE.replace(
        "<v:shapetype", f"<v:shapetype{decls}", 1))
    body += "".join(_shape(spid + i, z + i, r, c, lines[(r, c)], decls) for i, (r, c) in enumerate(shapes))
    return encode(text[:close] + body + text[close:])


# ---------------------------------------------------------------- [Content_Types].xml

class _ContentTypes:
    PART = "[Content_Types].xml"

    def __init__(self, pkg: _Package) -> None:
        self.pkg = pkg
        self.doc = _Doc.parse(pkg.get(self.PART) or b"", self.PART)
        root = _et(pkg.get(self.PART) or b"", self.PART)
        self.defaults = {(el.get("Extension") or "").lower(): el.get("ContentType") or ""
                         for el in root if el.tag.endswith("}Default")}
        # an Override left behind for a part that is gone must not be doubled by one of ours
        pkg.reserved.update((el.get("PartName") or "").lstrip("/").lower() for el in root if el.tag.endswith("}Override"))
        self.items: list[str] = []

    def override(self, part: str, content_type: str) -> None:
        self.items.append(f'<{{p}}Override PartName="/{_esc(part, True)}" ContentType="{content_type}"/>')

    def vml(self, part: str) -> None:
        have = self.defaults.get("vml")
        if have is None:
            self.defaults["vml"] = _VML_TYPE
            self.items.insert(0, f'<{{p}}Default Extension="vml" ContentType="{_VML_TYPE}"/>')
        elif have != _VML_TYPE:
            self.override(part, _VML_TYPE)

    def save(self) -> None:
        if not self.items:
            return
        root = self.doc.root
        # Defaults come before Overrides in CT_Types' choice list only by habit; either order is valid.
        self.doc.insert(root, [(root.close, "".join(i.format(p=root.prefix) for i in self.items))])
        self.pkg.changed[self.pkg.name_of(self.PART) or self.PART] = self.doc.result()
