"""Read the XML parts of an xlsx package into plain, frozen data.

The input is the mapping ``part name -> bytes`` of every XML/.rels part of
the package, already decompressed and already screened by the package-safety
module (no DOCTYPE, bounded sizes).  The output is an :class:`ExtractedWorkbook`
that the checks consume.  Nothing in the file is trusted: anything merely odd
(unknown cell types, bad numbers, dangling shared-string indexes, missing
optional parts, odd attribute values) is tolerated and passed on as found;
:class:`ReadError` is raised only when the package cannot be a workbook at all
(no workbook part, malformed XML, a sheet whose part is missing, ...).

Modules: `model` (the data), `cells` (sheets, shared strings, lock flags),
`formulas` (shared formulas, openpyxl's Translator), `validations`,
`properties` (document properties and who saved the file). Parts are parsed
through `ooxml.xml.parse_xml` (defusedxml, or the C parser when provably safe).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from ...ooxml.package import SPREADSHEETML, Package, Relationship, part_for
from ...ooxml.xml import XmlError, local_name, namespace_of, parse_xml
from .cells import MAIN_NAMESPACES, read_locks, read_shared_strings, read_sheet
from .common import is_true
from .model import CellData, ExtractedWorkbook, ReadError, SheetData, Validation
from .properties import read_app, read_core, read_custom, saved_by

__all__ = ["CellData", "ExtractedWorkbook", "ReadError", "SheetData", "Validation", "read_parts"]

_REL_ID_ATTRS = tuple(f"{{{ns}}}id" for ns in SPREADSHEETML.values())


def read_parts(parts: Mapping[str, bytes]) -> ExtractedWorkbook:
    """Read a package given as ``part name -> bytes`` (XML and .rels parts); `ReadError` if it
    cannot be a workbook."""
    try:
        return _read(parts)
    except XmlError as exc:  # malformed or unsafe XML in any part: the file is no workbook to us
        raise ReadError(exc.reason, **exc.params) from None


def _read(parts: Mapping[str, bytes]) -> ExtractedWorkbook:
    pkg = Package(parts)

    root_rels = pkg.rels("")
    wb_name = pkg.workbook_part()  # through _rels/.rels, else the usual name
    if wb_name is None:
        raise ReadError("no-workbook")
    wb = parse_xml(parts[wb_name], wb_name)
    ns = namespace_of(wb.tag)
    if ns not in MAIN_NAMESPACES or local_name(wb.tag) != "workbook":
        raise ReadError("not-a-workbook", part=wb_name, tag=str(wb.tag))
    q = f"{{{ns}}}"
    wb_rels = pkg.rels(wb_name)

    sheet_entries: list[tuple[str, str, str]] = []  # name, state, part
    defined_names: list[tuple[str, int | None, str]] = []
    workbook_protection: dict[str, str] = {}
    calc_props: dict[str, str] = {}
    file_version: dict[str, str] = {}
    date1904 = False
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
        elif tag == q + "workbookPr":
            # Excel for Mac (before 2011) and a workbook option anywhere: serials count from 1904-01-01
            date1904 = is_true(el.get("date1904"))

    if not sheet_entries:
        raise ReadError("no-sheets", part=wb_name)

    sst_name = part_for(wb_rels, "sharedStrings", "xl/sharedStrings.xml")
    sst = read_shared_strings(pkg.get(sst_name) if sst_name else None, sst_name or "")
    styles_name = part_for(wb_rels, "styles", "xl/styles.xml")
    locks = read_locks(pkg.get(styles_name) if styles_name else None, styles_name or "")

    sheets = tuple(read_sheet(name, state, parts[part], part, sst, locks) for name, state, part in sheet_entries)

    core_name = part_for(root_rels, "core-properties", "docProps/core.xml")
    app_name = part_for(root_rels, "extended-properties", "docProps/app.xml")
    custom_name = part_for(root_rels, "custom-properties", "docProps/custom.xml")
    core = read_core(pkg.get(core_name) if core_name else None, core_name or "")
    application, app_version = read_app(pkg.get(app_name) if app_name else None, app_name or "")
    custom = read_custom(pkg.get(custom_name) if custom_name else None, custom_name or "")

    return ExtractedWorkbook(
        sheets=sheets,
        defined_names=tuple(defined_names),
        custom_properties=custom,
        core_properties=core,
        application=application,
        app_version=app_version,
        saved_by=saved_by(application, app_version, custom, calc_props, file_version),
        workbook_protection=workbook_protection,
        calc_props=calc_props,
        date1904=date1904,
    )


def _sheet_entry(
    sh: ET.Element,
    wb_name: str,
    wb_rels: Mapping[str, Relationship],
    pkg: Package,
) -> tuple[str, str, str]:
    name = sh.get("name")
    rid = next((v for a in _REL_ID_ATTRS if (v := sh.get(a)) is not None), None)
    if not name or rid is None:
        raise ReadError("bad-sheet-entry", part=wb_name, sheet=name)
    rel = wb_rels.get(rid)
    if rel is None or rel.external:
        raise ReadError("sheet-relationship-missing", sheet=name, rid=rid)
    part = pkg.name_of(rel.target)
    if part is None:
        raise ReadError("sheet-part-missing", sheet=name, target=rel.target)
    return name, sh.get("state") or "visible", part
