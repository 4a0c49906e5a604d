"""Read the XML parts of an xlsx package into plain, frozen data.

The input is the mapping ``part name -> bytes`` of every XML/.rels part of
the package, already decompressed and already screened by the package-safety
module (no DOCTYPE, bounded sizes).  The output is an :class:`ExtractedWorkbook`
that the checks consume.  Nothing in the file is trusted: anything merely odd
(unknown cell types, bad numbers, dangling shared-string indexes, missing
optional parts, odd attribute values) is tolerated and passed on as found;
:class:`ReadError` is raised only when the package cannot be a workbook at all
(no workbook part, malformed XML, a sheet whose part is missing, ...).

Speed: the floor is "unzip + XML parse", so every part is parsed once into an
ElementTree and walked with plain loops; openpyxl is never loaded except its
formula ``Translator``, imported lazily the first time a shared formula has to
be expanded.

XML safety: ``defusedxml`` is the hard safety dependency.  Its ElementTree
parser is, however, the *pure-Python* ``XMLParser`` (a Python call per element)
and is 2-3x slower than the C parser.  Everything defusedxml forbids (entity
declarations, external entities/DTDs) can only be introduced by a
``<!DOCTYPE`` declaration.  So a part goes to the C parser only when it is
provably free of one: it is UTF-8 (no BOM other than UTF-8's, no encoding
declaration other than UTF-8/ASCII) and the bytes ``<!DOCTYPE`` do not occur in
it.  Every other part (another encoding, a DOCTYPE anywhere, even inside a
comment) is parsed by ``defusedxml.ElementTree.fromstring``.  Set
``ALWAYS_DEFUSEDXML = True`` to send every part through defusedxml.
"""

from __future__ import annotations

import math
import posixpath
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from ..errors import WorkbookBuilderError

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl.formula.translate import Translator

__all__ = [
    "ALWAYS_DEFUSEDXML",
    "CellData",
    "ExtractedWorkbook",
    "ReadError",
    "SheetData",
    "Validation",
    "read_parts",
]

#: Route every part through defusedxml's (slower, pure-Python) parser.
ALWAYS_DEFUSEDXML = False


# ---------------------------------------------------------------------------
# Public data model (other modules depend on these exactly)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CellData:
    #: constant value, or the cached result of a formula (None = no cached
    #: value); numbers as float; error values ('#DIV/0!') as str + is_error;
    #: t="d" as its ISO text; strings with _xHHHH_ escapes decoded; a number
    #: that is not an xsd:double ('nan', '1_0', 'abc') as its raw text
    value: str | float | bool | None
    #: formula text without the leading '=', entities decoded; shared
    #: formulas expanded to this cell's own text; array formulas: the text.
    #: '' when the cell has an <f> whose text cannot be known (empty element,
    #: shared formula whose anchor is missing or cannot be translated).
    formula: str | None
    #: effective lock flag (cellXfs[s]/protection/@locked, default True)
    locked: bool
    style_id: int
    is_error: bool = False
    #: ca="1" on the formula (WPS/Excel mark volatile formulas so)
    volatile: bool = False


@dataclass(frozen=True)
class Validation:
    sqref: tuple[str, ...]
    type: str | None
    operator: str | None
    formula1: str | None
    formula2: str | None
    allow_blank: bool
    show_error: bool
    error_title: str | None
    error: str | None
    prompt_title: str | None
    prompt: str | None


@dataclass(frozen=True)
class SheetData:
    name: str
    #: 'visible' | 'hidden' | 'veryHidden' (raw value of @state if it is
    #: something else; default 'visible')
    state: str
    #: (row, col) 1-based -> cell; cells with a value, a formula or a style
    #: other than 0 (a <v/> with nothing in it, or a shared-string index
    #: that points nowhere, is no value).  Cells without @r take the next
    #: position along the row.  A plain dict (picklable): treat as read-only.
    cells: Mapping[tuple[int, int], CellData]
    #: <sheetProtection> present AND @sheet is 1/true
    protected: bool
    #: raw attributes of <sheetProtection> (empty if none)
    protection: Mapping[str, str]
    #: <dataValidations> followed by x14 (extLst) validations
    validations: tuple[Validation, ...]
    merged: tuple[str, ...]
    dimension: str | None


@dataclass(frozen=True)
class ExtractedWorkbook:
    sheets: tuple[SheetData, ...]
    #: (name, localSheetId or None, text), in document order, duplicates kept
    defined_names: tuple[tuple[str, int | None, str], ...]
    custom_properties: Mapping[str, str | float | bool | int]
    core_properties: Mapping[str, str]
    application: str | None
    app_version: str | None
    #: 'wps' | 'excel' | 'libreoffice' | 'xlsxwriter' | 'unknown'
    saved_by: str
    workbook_protection: Mapping[str, str]
    calc_props: Mapping[str, str]

    @cached_property
    def _by_name(self) -> dict[str, SheetData]:
        # the checker looks a sheet up for every data point: index the names once
        return {s.name: s for s in reversed(self.sheets)}  # reversed: the first of equal names wins

    def sheet(self, name: str) -> SheetData | None:
        """The sheet called ``name`` (exact match first, then Excel's
        case-insensitive match), or None."""
        found = self._by_name.get(name)
        if found is not None:
            return found
        folded = name.casefold()
        for s in self.sheets:
            if s.name.casefold() == folded:
                return s
        return None


class ReadError(WorkbookBuilderError):
    """The package cannot be a workbook.  ``reason`` is a kebab-case slug;
    ``detail_zh`` / ``detail_en`` describe it for the finding."""

    def __init__(self, reason: str, detail_zh: str, detail_en: str) -> None:
        super().__init__(f"{reason}: {detail_en}")
        self.reason = reason
        self.detail_zh = detail_zh
        self.detail_en = detail_en

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across processes
        return (type(self), (self.reason, self.detail_zh, self.detail_en))


# ---------------------------------------------------------------------------
# Namespaces and helpers
# ---------------------------------------------------------------------------

_MAIN_NAMESPACES = frozenset(
    {
        "http://schemas.openxmlformats.org/spreadsheetml/2006/main",  # transitional
        "http://purl.oclc.org/ooxml/spreadsheetml/main",  # strict
    }
)
_REL_ID_ATTRS = (
    "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id",
    "{http://purl.oclc.org/ooxml/officeDocument/relationships}id",
)
_X14_NS = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
_XM_NS = "http://schemas.microsoft.com/office/excel/2006/main"

_TRUE = frozenset({"1", "true"})
_FALSE = frozenset({"0", "false"})

# First bytes of an XML declaration and its encoding pseudo-attribute.
_ENCODING_RE = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_UTF8_NAMES = frozenset({b"utf-8", b"utf8", b"us-ascii", b"ascii"})


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
        m = _ENCODING_RE.match(data[:200])
        if m is not None and m.group(1).lower() not in _UTF8_NAMES:
            return False
    return True


def parse_xml(data: bytes, part: str) -> ET.Element:
    """Parse one package part safely (the project's one door to defusedxml); `ReadError` if unusable."""
    return _parse(data, part)


# Workbooks made from one template share most parts byte for byte (workbook.xml with its defined
# names, styles, app.xml, rels, properties): in a batch, parse each distinct content once. Keyed by
# the exact bytes, bounded in size, and the trees are only ever read, so a hit is the same result.
# Sheets and shared strings hold each file's own figures and text, so they are never cached.
_PARSED: dict[bytes, ET.Element] = {}
_PARSED_LIMIT = 4 * 1024 * 1024  # bytes of cached part content, so memory stays flat in any batch
_PARSED_SIZE = [0]


def _parse(data: bytes, part: str) -> ET.Element:
    lower = part.lower()
    if len(data) > _PARSED_LIMIT // 16 or lower.startswith("xl/worksheets/") or lower.endswith("sharedstrings.xml"):
        return _parse_uncached(data, part)
    root = _PARSED.get(data)
    if root is None:
        root = _parse_uncached(data, part)
        while _PARSED and _PARSED_SIZE[0] + len(data) > _PARSED_LIMIT:
            _PARSED_SIZE[0] -= len(_PARSED.pop(next(iter(_PARSED))))
        _PARSED[data] = root
        _PARSED_SIZE[0] += len(data)
    return root


def _parse_uncached(data: bytes, part: str) -> ET.Element:
    try:
        if not ALWAYS_DEFUSEDXML and _is_plain_utf8_without_doctype(data):
            return ET.fromstring(data)
        root: ET.Element = DET.fromstring(data)
        return root
    except DefusedXmlException as exc:  # entity declaration, external DTD/entity
        raise ReadError(
            "unsafe-xml",
            f"部件 {part} 含有被禁止的 XML 结构（实体声明或外部引用）：{exc}",
            f"part {part} carries a forbidden XML construct (entity declaration or external reference): {exc}",
        ) from None
    except Exception as exc:  # ParseError (C or pure-Python flavour), ValueError ...
        raise ReadError(
            "malformed-xml",
            f"部件 {part} 不是格式正确的 XML（{exc}）",
            f"part {part} is not well-formed XML ({exc})",
        ) from None


def _ns_of(tag: str) -> str:
    if tag[:1] == "{":
        return tag[1 : tag.index("}")]
    return ""


def _local(tag: Any) -> str:
    if not isinstance(tag, str):  # comments / processing instructions
        return ""
    return tag.rsplit("}", 1)[-1]


def _is_true(v: str | None) -> bool:
    return v is not None and v.strip().lower() in _TRUE


_DIGITS = "0123456789"
_COL_CACHE: dict[str, int] = {}
#: cell reference -> (row, col); shared by all files (templates repeat the
#: same references), bounded
_REF_CACHE: dict[str, tuple[int, int]] = {}
_REF_CACHE_MAX = 65_536


def _col_index(letters: str) -> int:
    """'A' -> 1, 'AB' -> 28; 0 for anything that is not 1-3 ASCII letters."""
    n = _COL_CACHE.get(letters)
    if n is not None:
        return n
    n = 0
    if 0 < len(letters) <= 3 and letters.isascii() and letters.isalpha():
        for ch in letters.upper():
            n = n * 26 + ord(ch) - 64
    if len(_COL_CACHE) < 20000:
        _COL_CACHE[letters] = n
    return n


def _parse_ref(ref: str) -> tuple[int, int] | None:
    """'B7' -> (7, 2); None unless 1-3 letters followed by a row number > 0."""
    letters = ref.rstrip(_DIGITS)
    col = _COL_CACHE.get(letters)
    if col is None:
        col = _col_index(letters)
    digits = ref[len(letters) :]
    # Excel's last row is 1048576: longer digit strings are not references (and int() of a
    # 5000-digit string raises), so they are refused here rather than parsed
    if not col or not digits.strip("0") or len(digits) > 7 or not digits.isascii():
        return None
    return (int(digits), col)


def _col_letters(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _to_float(text: str) -> float | str:
    """Float for an xsd:double-looking number; the raw text otherwise
    (Python's float() also takes 'nan', 'inf' and '1_000')."""
    try:
        f = float(text)
    except ValueError:
        return text
    if "_" in text or not math.isfinite(f):
        return text
    return f


# ---------------------------------------------------------------------------
# Package navigation
# ---------------------------------------------------------------------------


class _Package:
    def __init__(self, parts: Mapping[str, bytes]) -> None:
        self._parts = parts
        self._folded: dict[str, str] | None = None

    def name_of(self, name: str) -> str | None:
        """The stored part name for ``name`` (OPC part names compare
        case-insensitively; targets may be percent-encoded)."""
        if name in self._parts:
            return name
        if self._folded is None:
            self._folded = {k.lstrip("/").lower(): k for k in self._parts}
        for candidate in (name, unquote(name), name.replace("\\", "/")):
            k = self._folded.get(candidate.lower())
            if k is not None:
                return k
        return None

    def get(self, name: str) -> bytes | None:
        k = self.name_of(name)
        return None if k is None else self._parts[k]

    def rels(self, source: str) -> dict[str, tuple[str, str, bool]]:
        """Relationships of part ``source`` ('' for the package):
        id -> (type, resolved target part name, external)."""
        d, b = posixpath.split(source)
        rels_name = posixpath.join(d, "_rels", b + ".rels")
        data = self.get(rels_name)
        out: dict[str, tuple[str, str, bool]] = {}
        if data is None:
            return out
        root = _parse(data, rels_name)
        for el in root:
            if _local(el.tag) != "Relationship":
                continue
            rid = el.get("Id")
            target = el.get("Target")
            if rid is None or target is None:
                continue
            external = (el.get("TargetMode") or "").lower() == "external"
            resolved = target if external else _resolve(d, target)
            out.setdefault(rid, (el.get("Type") or "", resolved, external))
        return out


def _resolve(base_dir: str, target: str) -> str:
    target = target.split("#", 1)[0]
    path = target[1:] if target.startswith("/") else posixpath.join(base_dir, target)
    path = posixpath.normpath(path) if path else path
    return path.lstrip("/")


def _find_rel(rels: Mapping[str, tuple[str, str, bool]], kind: str) -> str | None:
    """Target of the first internal relationship whose type ends in /kind
    (transitional and strict relationship types share their last segment)."""
    suffix = "/" + kind
    for rtype, target, external in rels.values():
        if not external and rtype.endswith(suffix):
            return target
    return None


def _part_for(rels: Mapping[str, tuple[str, str, bool]], kind: str, default: str) -> str | None:
    """The part a relationship of type ``kind`` points to.  Applications
    only load related parts, so an unrelated part with the usual name is
    ignored; the usual name is used only when there is no .rels file."""
    if rels:
        return _find_rel(rels, kind)
    return default


# ---------------------------------------------------------------------------
# Shared strings and styles
# ---------------------------------------------------------------------------


_XESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _xunescape_match(m: re.Match[str]) -> str:
    code = int(m.group(1), 16)
    if 0xD800 <= code <= 0xDFFF:  # a lone surrogate would break UTF-8 output later
        return m.group(0)
    return chr(code)


def _xunescape(text: str) -> str:
    """Decode ST_Xstring escapes: Excel stores characters XML cannot carry
    (CR, most C0 controls) as _xHHHH_, and a literal '_x' as _x005F_x."""
    if "_x" not in text:
        return text
    return _XESCAPE_RE.sub(_xunescape_match, text)


def _string_item_text(si: ET.Element, t_tag: str, r_tag: str) -> str:
    """Text of an <si>/<is>: its own <t> plus the <t> of rich-text runs;
    phonetic runs (<rPh>) and <phoneticPr> are ignored; _xHHHH_ decoded."""
    if len(si) == 1 and si[0].tag == t_tag:
        return _xunescape(si[0].text or "")
    parts: list[str] = []
    for ch in si:
        if ch.tag == t_tag:
            parts.append(ch.text or "")
        elif ch.tag == r_tag:
            for rt in ch:
                if rt.tag == t_tag:
                    parts.append(rt.text or "")
    return _xunescape("".join(parts))


def _read_shared_strings(data: bytes | None, part: str) -> list[str]:
    if data is None:
        return []
    root = _parse(data, part)
    ns = _ns_of(root.tag)
    si_tag, t_tag, r_tag = f"{{{ns}}}si", f"{{{ns}}}t", f"{{{ns}}}r"
    return [_string_item_text(si, t_tag, r_tag) for si in root if si.tag == si_tag]


def _read_locks(data: bytes | None, part: str) -> list[bool]:
    """Lock flag per cellXfs index."""
    if data is None:
        return []
    root = _parse(data, part)
    ns = _ns_of(root.tag)
    cell_xfs = root.find(f"{{{ns}}}cellXfs")
    if cell_xfs is None:
        return []
    xf_tag, prot_tag = f"{{{ns}}}xf", f"{{{ns}}}protection"
    locks: list[bool] = []
    for xf in cell_xfs:
        if xf.tag != xf_tag:
            continue
        locked = True
        prot = xf.find(prot_tag)
        if prot is not None:
            v = prot.get("locked")
            if v is not None and v.strip().lower() in _FALSE:
                locked = False
        locks.append(locked)
    return locks


# ---------------------------------------------------------------------------
# Worksheets
# ---------------------------------------------------------------------------


MAX_FORMULA_CHARS = 8192  # Excel's own limit on a formula's length
SHARED_FORMULA_BUDGET = 2_000_000  # characters of shared-formula text translated per sheet


class _SharedFormulas:
    """Anchors of shared formulas of one sheet, expanded with openpyxl's
    Translator (imported lazily, one Translator per anchor)."""

    def __init__(self) -> None:
        self.anchors: dict[str, tuple[str, int, int]] = {}
        self._translators: dict[str, Translator | None] = {}
        self.budget = SHARED_FORMULA_BUDGET

    def expand(self, si: str, row: int, col: int) -> str | None:
        anchor = self.anchors.get(si)
        if anchor is None:
            return None
        text, arow, acol = anchor
        if arow == row and acol == col:
            return text
        # Translating costs time in proportion to the anchor's length, once per child cell: a
        # small crafted file can ask for minutes of it. Excel writes formulas of at most 8192
        # characters; past that, or past a per-sheet budget, the file is refused as too complex.
        self.budget -= len(text)
        if len(text) > MAX_FORMULA_CHARS or self.budget < 0:
            raise ReadError(
                "too-complex",
                "工作表中的共享公式过长或过多，超出了可检查的范围",
                "the sheet's shared formulas are too long or too many to check",
            )
        if si not in self._translators:
            from openpyxl.formula.translate import Translator

            try:
                tr: Translator | None = Translator("=" + text, origin=f"{_col_letters(acol)}{arow}")
            except Exception:
                tr = None
            self._translators[si] = tr
        translator = self._translators[si]
        if translator is None:
            return ""
        try:
            out = translator.translate_formula(f"{_col_letters(col)}{row}")
        except Exception:  # reference pushed off the grid, odd tokens ...
            return ""
        return out[1:] if out.startswith("=") else out


def _read_sheet(
    name: str,
    state: str,
    data: bytes,
    part: str,
    sst: list[str],
    locks: list[bool],
) -> SheetData:
    root = _parse(data, part)
    ns = _ns_of(root.tag)
    if ns not in _MAIN_NAMESPACES:
        raise ReadError(
            "unknown-sheet-namespace",
            f"工作表 {name}（{part}）的根元素不属于 SpreadsheetML 命名空间：{ns or '（无）'}",
            f"sheet {name} ({part}) root element is not in a SpreadsheetML namespace: {ns or '(none)'}",
        )
    q = f"{{{ns}}}"
    sheet_data_tag = q + "sheetData"
    cells: dict[tuple[int, int], CellData] = {}
    protection: dict[str, str] = {}
    protected = False
    validations: list[Validation] = []
    x14_validations: list[Validation] = []
    merged: list[str] = []
    dimension: str | None = None

    for el in root:
        tag = el.tag
        if tag == sheet_data_tag:
            _read_cells(el, q, sst, locks, cells)
        elif tag == q + "dimension":
            dimension = el.get("ref")
        elif tag == q + "sheetProtection":
            protection = dict(el.attrib)
            protected = _is_true(el.get("sheet"))
        elif tag == q + "mergeCells":
            merge_tag = q + "mergeCell"
            merged.extend(ref for m in el if m.tag == merge_tag and (ref := m.get("ref")))
        elif tag == q + "dataValidations":
            validations.extend(_read_validations(el, q))
        elif tag == q + "extLst":
            x14_validations.extend(_read_x14_validations(el))

    return SheetData(
        name=name,
        state=state,
        cells=cells,
        protected=protected,
        protection=protection,
        validations=tuple(validations + x14_validations),
        merged=tuple(merged),
        dimension=dimension,
    )


def _read_cells(
    sheet_data: ET.Element,
    q: str,
    sst: list[str],
    locks: list[bool],
    cells: dict[tuple[int, int], CellData],
) -> None:
    """The hot loop: keep it flat.  CellData objects are made by filling the
    instance dict directly (3x cheaper than the frozen dataclass __init__;
    the result is an ordinary, equal CellData)."""
    row_tag, c_tag = q + "row", q + "c"
    f_tag, v_tag, is_tag = q + "f", q + "v", q + "is"
    t_tag, r_tag = q + "t", q + "r"
    n_sst = len(sst)
    shared = _SharedFormulas()
    pending: list[tuple[int, int, str, CellData]] = []  # shared children before their anchor
    blanks: dict[str | None, CellData] = {}  # one instance per style for blank styled cells
    styles: dict[str | None, tuple[int, bool]] = {None: (0, locks[0] if locks else True)}
    ref_cache = _REF_CACHE
    new = object.__new__
    cell_cls = CellData
    row_no = 0

    for row in sheet_data:
        if row.tag != row_tag:
            continue
        r_attr = row.get("r")
        row_no = (int(r_attr) if r_attr is not None and r_attr.isdigit() and r_attr.isascii() and len(r_attr) <= 7
                  else row_no + 1)
        col_no = 0
        for c in row:
            if c.tag != c_tag:
                continue
            # -- position: @r, or the next cell along when @r is absent/invalid
            ref = c.get("r")
            key = ref_cache.get(ref) if ref else None
            if key is None:
                if ref and (key := _parse_ref(ref)) is not None:
                    if len(ref_cache) < _REF_CACHE_MAX:
                        ref_cache[ref] = key
                else:
                    key = (row_no, col_no + 1)
            col_no = key[1]

            # -- style
            s = c.get("s")
            style = styles.get(s)
            if style is None:
                try:
                    sid = int(s)  # type: ignore[arg-type]
                except ValueError:
                    sid = 0
                style = styles[s] = (sid, locks[sid] if 0 <= sid < len(locks) else True)
            style_id, locked = style

            # -- children
            f_el = v_el = is_el = None
            n_children = len(c)
            if n_children == 0:
                if style_id != 0:
                    blank = blanks.get(s)
                    if blank is None:
                        blank = blanks[s] = CellData(None, None, locked, style_id)
                    cells[key] = blank
                continue
            if n_children == 1:
                ch = c[0]
                tag = ch.tag
                if tag == v_tag:
                    v_el = ch
                elif tag == f_tag:
                    f_el = ch
                elif tag == is_tag:
                    is_el = ch
            else:
                for ch in c:
                    tag = ch.tag
                    if tag == v_tag:
                        v_el = ch
                    elif tag == f_tag:
                        f_el = ch
                    elif tag == is_tag:
                        is_el = ch

            # -- value
            t = c.get("t")
            vt = v_el.text if v_el is not None else None
            value: str | float | bool | None = None
            is_error = False
            if t is None or t == "n":
                if vt:
                    try:
                        fv = float(vt)
                    except ValueError:
                        value = vt  # not a number: pass the text on
                    else:
                        # float() also takes 'nan', 'inf', '1_0': not xsd:double
                        value = fv if fv - fv == 0.0 and "_" not in vt else vt
            elif t == "s":
                if vt is not None:
                    try:
                        idx = int(vt)
                    except ValueError:
                        idx = -1
                    if 0 <= idx < n_sst:
                        value = sst[idx]
            elif t == "str":
                # WPS stores an empty-string result as <v/>: that is '', not None
                if v_el is not None:
                    value = _xunescape(vt) if vt else ""
            elif t == "inlineStr":
                if is_el is not None:
                    value = _string_item_text(is_el, t_tag, r_tag)
                elif v_el is not None:
                    value = _xunescape(vt) if vt else ""
            elif t == "b":
                if vt is not None:
                    low = vt.strip().lower()
                    value = True if low in _TRUE else False if low in _FALSE else vt
            elif t == "e":
                if v_el is not None:
                    value = vt or ""
                    is_error = True
            elif v_el is not None:  # 'd' (ISO 8601 text) and anything unknown: raw text
                value = vt or ""

            # -- formula
            formula: str | None = None
            volatile = False
            si: str | None = None
            if f_el is not None:
                ca = f_el.get("ca")
                volatile = ca is not None and ca.strip().lower() in _TRUE
                ftext = f_el.text
                if f_el.get("t") == "shared" and (si := f_el.get("si")) is not None:
                    if ftext:  # the anchor (or a writer that repeats the text)
                        formula = ftext
                        if f_el.get("ref") is not None:
                            shared.anchors[si] = (ftext, key[0], key[1])
                        else:
                            shared.anchors.setdefault(si, (ftext, key[0], key[1]))
                        si = None
                    else:
                        formula = shared.expand(si, key[0], key[1])
                        if formula is not None:
                            si = None
                else:
                    formula = ftext or ""
            elif value is None and style_id == 0:
                continue  # e.g. <c r="A1"><v/></c>: nothing there

            cell = new(cell_cls)
            cell.__dict__.update(
                value=value, formula=formula, locked=locked, style_id=style_id, is_error=is_error, volatile=volatile
            )
            if si is not None:  # child of a shared formula whose anchor comes later (or never)
                pending.append((key[0], key[1], si, cell))
            cells[key] = cell

    for rr, cc, si, cell in pending:
        text = shared.expand(si, rr, cc)
        cells[(rr, cc)] = CellData(
            cell.value, text if text is not None else "", cell.locked, cell.style_id, cell.is_error, cell.volatile
        )


def _text_or_none(el: ET.Element | None) -> str | None:
    if el is None:
        return None
    return el.text or ""


def _validation(attrs: Mapping[str, str], sqref: str | None, f1: str | None, f2: str | None) -> Validation:
    vtype = attrs.get("type")
    operator = attrs.get("operator")
    if operator is None and vtype is not None:
        operator = "between"
    return Validation(
        sqref=tuple((sqref or "").split()),
        type=vtype,
        operator=operator,
        formula1=f1,
        formula2=f2,
        allow_blank=_is_true(attrs.get("allowBlank")),
        show_error=_is_true(attrs.get("showErrorMessage")),
        error_title=attrs.get("errorTitle"),
        error=attrs.get("error"),
        prompt_title=attrs.get("promptTitle"),
        prompt=attrs.get("prompt"),
    )


def _read_validations(el: ET.Element, q: str) -> Iterable[Validation]:
    dv_tag, f1_tag, f2_tag = q + "dataValidation", q + "formula1", q + "formula2"
    for dv in el:
        if dv.tag != dv_tag:
            continue
        yield _validation(dv.attrib, dv.get("sqref"), _text_or_none(dv.find(f1_tag)), _text_or_none(dv.find(f2_tag)))


def _read_x14_validations(ext_lst: ET.Element) -> Iterable[Validation]:
    """x14:dataValidations inside <extLst><ext> (Excel puts list validations
    that refer to other sheets there).  Formulas are in <x14:formula1><xm:f>,
    the range in <xm:sqref>."""
    x14 = f"{{{_X14_NS}}}"
    xm = f"{{{_XM_NS}}}"
    for ext in ext_lst:
        for dvs in ext:
            if dvs.tag != x14 + "dataValidations":
                continue
            for dv in dvs:
                if dv.tag != x14 + "dataValidation":
                    continue
                f1 = f2 = sqref = None
                for ch in dv:
                    if ch.tag == x14 + "formula1":
                        f1 = _text_or_none(ch.find(xm + "f"))
                    elif ch.tag == x14 + "formula2":
                        f2 = _text_or_none(ch.find(xm + "f"))
                    elif ch.tag == xm + "sqref":
                        sqref = ch.text
                yield _validation(dv.attrib, sqref if sqref is not None else dv.get("sqref"), f1, f2)


# ---------------------------------------------------------------------------
# Document properties
# ---------------------------------------------------------------------------

_INT_TYPES = frozenset({"i1", "i2", "i4", "i8", "int", "ui1", "ui2", "ui4", "ui8", "uint"})
_FLOAT_TYPES = frozenset({"r4", "r8", "decimal"})


def _read_custom(data: bytes | None, part: str) -> dict[str, str | float | bool | int]:
    """vt:lpwstr/lpstr/bstr -> str, vt:i*/ui*/int -> int, vt:r4/r8/decimal ->
    float, vt:bool -> bool, vt:filetime and anything else -> str.  A value
    that does not parse as its declared type is kept as its text."""
    out: dict[str, str | float | bool | int] = {}
    if data is None:
        return out
    root = _parse(data, part)
    for prop in root:
        if _local(prop.tag) != "property":
            continue
        name = prop.get("name")
        if name is None:
            continue
        children = list(prop)
        if not children:
            out[name] = prop.text or ""
            continue
        vel = children[0]
        kind = _local(vel.tag)
        text = vel.text or ""
        value: str | float | bool | int = text
        if kind in _INT_TYPES:
            try:
                value = int(text.strip())
            except ValueError:
                value = text
        elif kind in _FLOAT_TYPES:
            value = _to_float(text.strip()) if text.strip() else text
        elif kind == "bool":
            low = text.strip().lower()
            value = True if low in _TRUE else False if low in _FALSE else text
        out[name] = value
    return out


def _read_core(data: bytes | None, part: str) -> dict[str, str]:
    out: dict[str, str] = {}
    if data is None:
        return out
    root = _parse(data, part)
    for el in root:
        key = _local(el.tag)
        if key:
            out[key] = el.text or ""
    return out


def _read_app(data: bytes | None, part: str) -> tuple[str | None, str | None]:
    if data is None:
        return None, None
    root = _parse(data, part)
    application = app_version = None
    for el in root:
        key = _local(el.tag)
        if key == "Application":
            application = (el.text or "").strip() or None
        elif key == "AppVersion":
            app_version = (el.text or "").strip() or None
    return application, app_version


# ---------------------------------------------------------------------------
# Which application saved the file last
# ---------------------------------------------------------------------------


def _saved_by(
    application: str | None,
    app_version: str | None,
    custom: Mapping[str, object],
    calc_props: Mapping[str, str],
    file_version: Mapping[str, str],
) -> str:
    """Fingerprint of the application that saved the package last, from the
    parts alone (the reader gets no zip dates).  Rules, first match wins:

    1. 'libreoffice' - Application names LibreOffice, or <fileVersion
       appName="Calc">.  Checked first because LibreOffice keeps foreign
       custom properties (a WPS file re-saved by LibreOffice still carries
       KSOProductBuildVer) but always stamps its own Application.
    2. 'wps' - custom property KSOProductBuildVer AND no AppVersion; or an
       Application starting with 'WPS' and no AppVersion.  WPS never writes
       AppVersion and often keeps Application 'Microsoft Excel' /
       'Microsoft Macintosh Excel' (even 'WPS 文字' for a spreadsheet), so
       Application alone is useless for it.  Excel keeps KSOProductBuildVer
       when it re-saves a WPS file but writes AppVersion: that is Excel.
    3. 'xlsxwriter' - Application 'Microsoft Excel', AppVersion '12.0000'
       and <calcPr fullCalcOnLoad="1">.  XlsxWriter copies Excel 2007's
       app.xml and calcId 124519 byte for byte, so those alone cannot tell it
       from a real Excel 2007 save (XlsxWriter's own comparison files are
       such saves); what separates them is fullCalcOnLoad, which XlsxWriter
       always writes (except in manual calc mode) and Excel does not write
       back when it saves (none of the 9 Excel saves in the client corpus,
       Excel 2007 to 365, carries it).
    4. 'excel' - Application contains 'Microsoft' and 'Excel', an
       AppVersion like '16.0300', no fullCalcOnLoad="1" (libraries that ask
       for a recalculation on load, e.g. openpyxl with its own Application,
       XlsxWriter in a newer AppVersion disguise) and not calcId 999999
       (PhpSpreadsheet's 'Microsoft Excel'/12.0000 imitation).
    5. 'unknown' - anything else (other libraries, stripped docProps).
    """
    app = application or ""
    if "libreoffice" in app.lower() or file_version.get("appName") == "Calc":
        return "libreoffice"
    if app_version is None and ("KSOProductBuildVer" in custom or app.upper().startswith("WPS")):
        return "wps"
    full_calc_on_load = _is_true(calc_props.get("fullCalcOnLoad"))
    if app == "Microsoft Excel" and app_version == "12.0000" and full_calc_on_load:
        return "xlsxwriter"
    if (
        "Microsoft" in app
        and "Excel" in app
        and app_version is not None
        and re.fullmatch(r"\d{1,2}\.\d{4}", app_version)
        and not full_calc_on_load
        and calc_props.get("calcId") != "999999"
    ):
        return "excel"
    return "unknown"


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def read_parts(parts: Mapping[str, bytes]) -> ExtractedWorkbook:
    """Read a package given as ``part name -> bytes`` (XML and .rels parts)."""
    pkg = _Package(parts)

    # -- the workbook part: through _rels/.rels, else the usual name
    root_rels = pkg.rels("")
    wb_name = None
    target = _find_rel(root_rels, "officeDocument")
    if target is not None:
        wb_name = pkg.name_of(target)
    if wb_name is None:
        wb_name = pkg.name_of("xl/workbook.xml")
    if wb_name is None:
        raise ReadError(
            "no-workbook",
            "压缩包中没有工作簿部件（xl/workbook.xml）",
            "the package has no workbook part (xl/workbook.xml)",
        )
    wb = _parse(parts[wb_name], wb_name)
    ns = _ns_of(wb.tag)
    if ns not in _MAIN_NAMESPACES or _local(wb.tag) != "workbook":
        raise ReadError(
            "not-a-workbook",
            f"{wb_name} 的根元素不是 SpreadsheetML 的 workbook：{wb.tag}",
            f"the root element of {wb_name} is not a SpreadsheetML workbook: {wb.tag}",
        )
    q = f"{{{ns}}}"
    wb_rels = pkg.rels(wb_name)

    sheet_entries: list[tuple[str, str, str]] = []  # name, state, part
    defined_names: list[tuple[str, int | None, str]] = []
    workbook_protection: dict[str, str] = {}
    calc_props: dict[str, str] = {}
    file_version: dict[str, str] = {}
    for el in wb:
        tag = el.tag
        if tag == q + "sheets":
            for sh in el:
                if sh.tag != q + "sheet":
                    continue
                sheet_entries.append(_sheet_entry(sh, wb_name, wb_rels, pkg))
        elif tag == q + "definedNames":
            for dn in el:
                if dn.tag != q + "definedName":
                    continue
                local = dn.get("localSheetId")
                local_id: int | None = None
                if local is not None:
                    try:
                        local_id = int(local)
                    except ValueError:
                        local_id = None
                defined_names.append((dn.get("name") or "", local_id, dn.text or ""))
        elif tag == q + "workbookProtection":
            workbook_protection = dict(el.attrib)
        elif tag == q + "calcPr":
            calc_props = dict(el.attrib)
        elif tag == q + "fileVersion":
            file_version = dict(el.attrib)

    if not sheet_entries:
        raise ReadError(
            "no-sheets",
            f"{wb_name} 中没有任何工作表",
            f"{wb_name} lists no sheets",
        )

    sst_name = _part_for(wb_rels, "sharedStrings", "xl/sharedStrings.xml")
    sst = _read_shared_strings(pkg.get(sst_name) if sst_name else None, sst_name or "")
    styles_name = _part_for(wb_rels, "styles", "xl/styles.xml")
    locks = _read_locks(pkg.get(styles_name) if styles_name else None, styles_name or "")

    sheets = tuple(_read_sheet(name, state, parts[part], part, sst, locks) for name, state, part in sheet_entries)

    core_name = _part_for(root_rels, "core-properties", "docProps/core.xml")
    app_name = _part_for(root_rels, "extended-properties", "docProps/app.xml")
    custom_name = _part_for(root_rels, "custom-properties", "docProps/custom.xml")
    core = _read_core(pkg.get(core_name) if core_name else None, core_name or "")
    application, app_version = _read_app(pkg.get(app_name) if app_name else None, app_name or "")
    custom = _read_custom(pkg.get(custom_name) if custom_name else None, custom_name or "")

    return ExtractedWorkbook(
        sheets=sheets,
        defined_names=tuple(defined_names),
        custom_properties=custom,
        core_properties=core,
        application=application,
        app_version=app_version,
        saved_by=_saved_by(application, app_version, custom, calc_props, file_version),
        workbook_protection=workbook_protection,
        calc_props=calc_props,
    )


def _sheet_entry(
    sh: ET.Element,
    wb_name: str,
    wb_rels: Mapping[str, tuple[str, str, bool]],
    pkg: _Package,
) -> tuple[str, str, str]:
    name = sh.get("name")
    rid = next((v for a in _REL_ID_ATTRS if (v := sh.get(a)) is not None), None)
    if not name or rid is None:
        raise ReadError(
            "bad-sheet-entry",
            f"{wb_name} 中有一个工作表缺少名称或关系 ID（name={name!r}）",
            f"a sheet in {wb_name} has no name or no relationship id (name={name!r})",
        )
    rel = wb_rels.get(rid)
    if rel is None or rel[2]:
        raise ReadError(
            "sheet-relationship-missing",
            f"工作表 {name} 的关系 {rid} 在工作簿关系文件中不存在",
            f"sheet {name}: relationship {rid} is not in the workbook relationships",
        )
    part = pkg.name_of(rel[1])
    if part is None:
        raise ReadError(
            "sheet-part-missing",
            f"工作表 {name} 指向的部件 {rel[1]} 不存在",
            f"sheet {name}: its part {rel[1]} is missing from the package",
        )
    return name, sh.get("state") or "visible", part
