"""Where each finding goes: the workbook's worksheets, and the cell of each finding on them."""

from __future__ import annotations

from collections.abc import Sequence

from ...findings import Finding
from ...ooxml.package import Package
from ...ooxml.refs import address, split_cell_ref
from ...ooxml.xml import local_name, parse_xml
from .model import Sheet

__all__ = ["place", "sheets_of"]


def sheets_of(pkg: Package) -> list[Sheet]:
    """Worksheets in workbook order (chart and dialog sheets cannot carry cell comments)."""
    wb_part = pkg.workbook_part() or "xl/workbook.xml"
    root = parse_xml(pkg.get(wb_part) or b"", wb_part)
    by_id = {rid: (rel.type, rel.target) for rid, rel in pkg.rels(wb_part).items() if not rel.external}
    out = []
    for el in root.iter():
        if local_name(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
        typ, target = by_id.get(rid or "", ("", ""))
        part = pkg.name_of(target) if typ.endswith("/worksheet") else None
        if part is not None:
            out.append(Sheet(el.get("name") or "", part))
    return out


def place(findings: Sequence[Finding], sheets: list[Sheet]) -> None:
    """Put each finding on its sheet: on its cell (`marks`), else in a note on A1 (`notes`) of its
    sheet, or of the first sheet when it names none or one that is not there. A failed rule is also
    put on every cell it reads (both sides), so staff see where the figures to check are."""
    def lookup(name: str) -> Sheet | None:
        return next((s for s in sheets if s.name == name), None) or next(
            (s for s in sheets if s.name.casefold() == name.casefold()), None)

    def locate(ref: str) -> tuple[Sheet | None, tuple[int, int] | None]:
        """A reference's sheet (None when the file has no such sheet) and cell (None for a sheet)."""
        name, addr = split_cell_ref(ref)
        where = address(addr)
        if name is None and where is None:  # a bare sheet name
            name = addr
        return (lookup(name) if name is not None else sheets[0]), where

    for f in findings:
        sheet: Sheet | None = None
        where: tuple[int, int] | None = None
        if f.cell:
            sheet, where = locate(f.cell)
            if sheet is None:
                where = None
        target = sheet or sheets[0]
        if where is None:
            target.notes.setdefault((1, 1), []).append(f)
        else:
            target.marks.setdefault(where, []).append(f)
        if f.rule:
            for ref in f.cells:
                on, involved = locate(ref)
                if on is not None and involved is not None:
                    found = on.marks.setdefault(involved, [])
                    if f not in found:  # the rule's own cell may be one it reads (X-1: D6)
                        found.append(f)
