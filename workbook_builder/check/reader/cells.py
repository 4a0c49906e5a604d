"""Worksheets: cells (values, formulas, lock flags), protection, merges; shared strings and styles.

Speed and memory: the floor is "unzip + XML parse". Sheets, shared strings and styles are read
through `ooxml.xml.iter_part`: parsed whole when small (the fast path of every honest file), streamed
when large, each row handled when it ends and then dropped, so a part's size never turns into a
tree in memory (a 5 MiB file of blank cells once took 1.6 GB that way).
`_Cells.cell` is the hot path of every check: keep it flat.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ...ooxml.package import SPREADSHEETML
from ...ooxml.refs import POSITIONS, cell_position
from ...ooxml.xml import iter_part, namespace_of
from .common import FALSE, TRUE, is_true
from .formulas import MAX_FORMULA_CHARS, SharedFormulas
from .model import CellData, ReadError, SheetData, Validation
from .validations import read_validations, read_x14_validations

__all__ = ["MAIN_NAMESPACES", "read_locks", "read_shared_strings", "read_sheet"]

#: SpreadsheetML main namespaces, transitional and strict
MAIN_NAMESPACES = frozenset(SPREADSHEETML)


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


def read_shared_strings(data: bytes | None, part: str) -> list[str]:
    """The shared-string table (streamed when large: one `<si>` in memory at a time)."""
    if data is None:
        return []
    root, walk = iter_part(data, part)
    ns = namespace_of(root.tag)
    si_tag, t_tag, r_tag = f"{{{ns}}}si", f"{{{ns}}}t", f"{{{ns}}}r"
    return [_string_item_text(si, t_tag, r_tag) for _, si in walk(()) if si.tag == si_tag]


def read_locks(data: bytes | None, part: str) -> list[bool]:
    """Lock flag per cellXfs index (streamed when large: one `<xf>` in memory at a time)."""
    if data is None:
        return []
    root, walk = iter_part(data, part)
    ns = namespace_of(root.tag)
    xfs_tag, xf_tag, prot_tag = f"{{{ns}}}cellXfs", f"{{{ns}}}xf", f"{{{ns}}}protection"
    locks: list[bool] = []
    first: ET.Element | None = None  # only the first <cellXfs> counts
    for parent, xf in walk((xfs_tag,)):
        if parent.tag != xfs_tag:
            continue
        if first is None:
            first = parent
        if parent is not first or xf.tag != xf_tag:
            continue
        locked = True
        prot = xf.find(prot_tag)
        if prot is not None:
            v = prot.get("locked")
            if v is not None and v.strip().lower() in FALSE:
                locked = False
        locks.append(locked)
    return locks


def read_sheet(
    name: str,
    state: str,
    data: bytes,
    part: str,
    sst: list[str],
    locks: list[bool],
) -> SheetData:
    """One worksheet. A large one is streamed: each row is read when it ends and then dropped, so
    memory holds what is kept (the cells) and one row of the tree, never the part's whole tree."""
    try:
        return _read_sheet(name, state, data, part, sst, locks)
    except ReadError as exc:
        if exc.reason == "too-complex" and not exc.params.get("part"):  # found in a row: say where
            raise ReadError("too-complex", part=part) from None
        raise


def _read_sheet(name: str, state: str, data: bytes, part: str, sst: list[str], locks: list[bool]) -> SheetData:
    root, walk = iter_part(data, part)
    ns = namespace_of(root.tag)
    if ns not in MAIN_NAMESPACES:
        raise ReadError("unknown-sheet-namespace", sheet=name, part=part, namespace=ns)
    q = f"{{{ns}}}"
    sheet_data_tag, row_tag = q + "sheetData", q + "row"
    merge_cells_tag, merge_tag, validations_tag = q + "mergeCells", q + "mergeCell", q + "dataValidations"
    cells: dict[tuple[int, int], CellData] = {}
    rows = _Cells(q, sst, locks, cells)
    protection: dict[str, str] = {}
    protected = False
    validations: list[Validation] = []
    x14_validations: list[Validation] = []
    merged: list[str] = []
    dimension: str | None = None

    for parent, el in walk((sheet_data_tag, merge_cells_tag, validations_tag)):
        tag = el.tag
        if parent is root:
            if tag == q + "dimension":
                dimension = el.get("ref")
            elif tag == q + "sheetProtection":
                protection = dict(el.attrib)
                protected = is_true(el.get("sheet"))
            elif tag == q + "extLst":
                x14_validations.extend(read_x14_validations(el))
        elif parent.tag == sheet_data_tag:
            if tag == row_tag:
                rows.start_row(el.get("r"))
                rows.row(el)
        elif parent.tag == merge_cells_tag:
            if tag == merge_tag and (ref := el.get("ref")):
                merged.append(ref)
        else:  # one <dataValidation>, held by a new parent (a tree from parse_xml is never changed)
            holder = ET.Element(validations_tag)
            holder.append(el)
            validations.extend(read_validations(holder, q))
    rows.finish()

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


class _Cells:
    """The cells of one sheet, read one `<c>` at a time as the stream completes it.

    The hot path: keep `cell` flat. CellData objects are made by filling the instance dict
    directly (3x cheaper than the frozen dataclass __init__; the result is an ordinary, equal
    CellData)."""

    def __init__(self, q: str, sst: list[str], locks: list[bool], cells: dict[tuple[int, int], CellData]) -> None:
        self.q, self.sst, self.locks, self.cells = q, sst, locks, cells
        self.shared = SharedFormulas()
        self.pending: list[tuple[int, int, str, CellData]] = []  # shared children before their anchor
        self.blanks: dict[str | None, CellData] = {}  # one instance per style for blank styled cells
        self.styles: dict[str | None, tuple[int, bool]] = {None: (0, locks[0] if locks else True)}
        self.row_no = 0
        self.col_no = 0

    def start_row(self, r_attr: str | None) -> None:
        """A `<row>` begins: its @r, or the next row along when @r is absent/invalid."""
        self.row_no = (int(r_attr) if r_attr is not None and r_attr.isdigit() and r_attr.isascii() and len(r_attr) <= 7
                       else self.row_no + 1)
        self.col_no = 0

    def row(self, row: ET.Element) -> None:
        """The cells of one complete `<row>` (opened by `start_row`)."""
        q = self.q
        c_tag, f_tag, v_tag, is_tag = q + "c", q + "f", q + "v", q + "is"
        t_tag, r_tag = q + "t", q + "r"
        sst, locks, cells, styles, shared = self.sst, self.locks, self.cells, self.styles, self.shared
        positions = POSITIONS
        new = object.__new__
        cell_cls = CellData
        n_sst = len(sst)
        for c in row:
            if c.tag != c_tag:
                continue
            # -- position: @r, or the next cell along when @r is absent/invalid
            ref = c.get("r")
            key = positions.get(ref) if ref else None  # the common case: no call
            if key is None and (not ref or (key := cell_position(ref)) is None):
                key = (self.row_no, self.col_no + 1)
            self.col_no = key[1]

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
                    blank = self.blanks.get(s)
                    if blank is None:
                        blank = self.blanks[s] = CellData(None, None, locked, style_id)
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
                    value = True if low in TRUE else False if low in FALSE else vt
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
                volatile = ca is not None and ca.strip().lower() in TRUE
                ftext = f_el.text
                if ftext is not None and len(ftext) > MAX_FORMULA_CHARS:
                    # Excel, WPS and LibreOffice write at most 8192 characters; longer text only
                    # costs every later step (comparing, tokenizing, reporting) time
                    raise ReadError("too-complex", part="")
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
                self.pending.append((key[0], key[1], si, cell))
            cells[key] = cell

    def finish(self) -> None:
        """Shared-formula children whose anchor came after them (or never)."""
        for rr, cc, si, cell in self.pending:
            text = self.shared.expand(si, rr, cc)
            self.cells[(rr, cc)] = CellData(
                cell.value, text if text is not None else "", cell.locked, cell.style_id, cell.is_error, cell.volatile
            )
