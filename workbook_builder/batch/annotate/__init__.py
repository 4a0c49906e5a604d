"""Feedback copies: a checked workbook with each finding shown on its cell.

    annotate_copy("returned.xlsx", report.findings, "returned-批注.xlsx")

Every cell a finding names gets a light-red fill on top of its own style and a comment (批注)
listing that cell's findings, one line each, prefixed 错误/警告/提示; a failed rule marks its check
cell and every cell it reads in orange, a colour the workbook never uses. Findings without a cell, or
naming only a sheet, go into a comment on A1 of that sheet (or of the first sheet).

The copy must check exactly like the original, so it is edited at the XML level, never loaded and
saved by a library (openpyxl drops cached values, custom properties and more on save):
- every zip entry is copied unchanged, in its order and with its compression, except the parts
  edited: xl/styles.xml (one fill, and a clone of each highlighted cell's xf with that fill; the
  clone keeps numFmtId, font, border, alignment and the `<protection>` lock flag), the sheets
  (`s=` of highlighted cells, a `<legacyDrawing>`), the sheets' rels and `[Content_Types].xml`;
- comments go in `xl/commentsN.xml` plus the legacy VML drawing Excel needs to show them; a sheet
  that already has comments (files from other tools) gets ours merged into its own parts;
- `docProps/custom.xml` gets the property that marks the copy as our output (`marker`), so a
  folder walk never checks it as a return;
- the edits are splices into the original text, so namespace prefixes, attribute order,
  `mc:Ignorable` declarations and everything else stay byte for byte. (Re-serialising with
  ElementTree renames prefixes to ns0: and drops namespace declarations that no element uses,
  which breaks `mc:Ignorable="x14ac"` in Excel's own files: Excel then refuses the file.)

Parts are parsed with defusedxml (well-formedness, no DTD) and the file first passes preflight:
a file preflight refuses is not copied. The input file is only read.

Modules: `place` (which sheet and cell each finding goes to), `highlight` (the fill and the
styles), `comments` (comments and their VML drawing); the package and the splicer live in `ooxml`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

from ...check.preflight import preflight_bytes
from ...findings import Code, Finding, reason_text
from ...ooxml.package import ContentTypes, EditablePackage
from ...ooxml.splice import Doc
from ...ooxml.xml import XmlError
from ...outfile import write_atomic
from .comments import comment, used_vml_blocks
from .highlight import FILL_RGB, base_styles, edit_styles, highlight
from .marker import mark_output
from .model import AnnotateError, Style
from .place import place, sheets_of

__all__ = ["AnnotateError", "FILL_RGB", "annotate_bytes", "annotate_copy"]


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
    pre = preflight_bytes(data)
    if pre.problem is not None or pre.parts is None:
        p = pre.problem
        raise AnnotateError(f"{p.sentence('zh')}（{p.reason}）" if p else "文件无法读取")
    try:
        return _annotate(EditablePackage(data, pre.parts), findings, lang)
    except XmlError as exc:  # a part that is malformed or in an unknown encoding: no copy
        raise AnnotateError(f"{reason_text(Code.UNREADABLE_FILE, exc.reason, exc.params)}（{exc.reason}）") from None


def _annotate(pkg: EditablePackage, findings: Sequence[Finding], lang: str) -> bytes:
    sheets = sheets_of(pkg)
    if not sheets:
        raise AnnotateError("the workbook has no worksheet")
    place(findings, sheets)
    docs = {s.part: Doc.parse(pkg.get(s.part) or b"", s.part) for s in sheets if s.marks or s.notes}
    # 1. which style each highlighted cell has now (a missing cell: its row's or column's style)
    targets: dict[str, dict[tuple[int, int], Style]] = {}
    for s in sheets:
        if s.marks:
            targets[s.part] = base_styles(docs[s.part], s.marks)
    bases = sorted({b for t in targets.values() for b in t.values()})
    # 2. one fill, and a clone of each of those styles with it
    mapping = edit_styles(pkg, bases) if bases else {}
    # 3. the sheets, their comments and drawings
    ctypes = ContentTypes(pkg)
    vml_blocks = used_vml_blocks(pkg)
    for s in sheets:
        if s.part not in docs:
            continue
        doc = docs[s.part]
        if s.part in targets:
            highlight(doc, {k: mapping[b] for k, b in targets[s.part].items()})
        comment(pkg, doc, s, lang, ctypes, vml_blocks)
        pkg.replace(s.part, doc.result())
    # ours: a copy written into the checked folder is not checked next time, while its sheets are as written
    mark_output(pkg, ctypes, [s.part for s in sheets])
    ctypes.save()
    buf = io.BytesIO()
    pkg.write(buf)
    return buf.getvalue()
