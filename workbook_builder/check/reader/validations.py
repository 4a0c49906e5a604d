"""Data validations of a sheet: <dataValidations>, and Excel's x14 ones inside <extLst>."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping

from .common import is_true
from .model import Validation

__all__ = ["read_validations", "read_x14_validations"]

_X14_NS = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
_XM_NS = "http://schemas.microsoft.com/office/excel/2006/main"


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
        allow_blank=is_true(attrs.get("allowBlank")),
        show_error=is_true(attrs.get("showErrorMessage")),
        error_title=attrs.get("errorTitle"),
        error=attrs.get("error"),
        prompt_title=attrs.get("promptTitle"),
        prompt=attrs.get("prompt"),
    )


def read_validations(el: ET.Element, q: str) -> Iterable[Validation]:
    dv_tag, f1_tag, f2_tag = q + "dataValidation", q + "formula1", q + "formula2"
    for dv in el:
        if dv.tag != dv_tag:
            continue
        yield _validation(dv.attrib, dv.get("sqref"), _text_or_none(dv.find(f1_tag)), _text_or_none(dv.find(f2_tag)))


def read_x14_validations(ext_lst: ET.Element) -> Iterable[Validation]:
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
