"""Document properties (custom, core, app) and the fingerprint of the application that saved last."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ...ooxml.xml import local_name, parse_xml
from .common import FALSE, TRUE, is_true, to_float

__all__ = ["read_app", "read_core", "read_custom", "saved_by"]

_INT_TYPES = frozenset({"i1", "i2", "i4", "i8", "int", "ui1", "ui2", "ui4", "ui8", "uint"})
_FLOAT_TYPES = frozenset({"r4", "r8", "decimal"})


def read_custom(data: bytes | None, part: str) -> dict[str, str | float | bool | int]:
    """vt:lpwstr/lpstr/bstr -> str, vt:i*/ui*/int -> int, vt:r4/r8/decimal ->
    float, vt:bool -> bool, vt:filetime and anything else -> str.  A value
    that does not parse as its declared type is kept as its text."""
    out: dict[str, str | float | bool | int] = {}
    if data is None:
        return out
    root = parse_xml(data, part)
    for prop in root:
        if local_name(prop.tag) != "property":
            continue
        name = prop.get("name")
        if name is None:
            continue
        children = list(prop)
        if not children:
            out[name] = prop.text or ""
            continue
        vel = children[0]
        kind = local_name(vel.tag)
        text = vel.text or ""
        value: str | float | bool | int = text
        if kind in _INT_TYPES:
            try:
                value = int(text.strip())
            except ValueError:
                value = text
        elif kind in _FLOAT_TYPES:
            value = to_float(text.strip()) if text.strip() else text
        elif kind == "bool":
            low = text.strip().lower()
            value = True if low in TRUE else False if low in FALSE else text
        out[name] = value
    return out


def read_core(data: bytes | None, part: str) -> dict[str, str]:
    out: dict[str, str] = {}
    if data is None:
        return out
    root = parse_xml(data, part)
    for el in root:
        key = local_name(el.tag)
        if key:
            out[key] = el.text or ""
    return out


def read_app(data: bytes | None, part: str) -> tuple[str | None, str | None]:
    if data is None:
        return None, None
    root = parse_xml(data, part)
    application = app_version = None
    for el in root:
        key = local_name(el.tag)
        if key == "Application":
            application = (el.text or "").strip() or None
        elif key == "AppVersion":
            app_version = (el.text or "").strip() or None
    return application, app_version


# ---------------------------------------------------------------------------
# Which application saved the file last
# ---------------------------------------------------------------------------


def saved_by(
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
    full_calc_on_load = is_true(calc_props.get("fullCalcOnLoad"))
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
