"""The .docx package's fixed parts and its zip: document properties, application name, member order.

What `publish/docx.py` needs around the document's content, without python-docx: the core and custom
properties as XML text, and the zip written with fixed member times and order, so the same document
always gives the same bytes (no clock, no author but ours).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Mapping
from xml.sax.saxutils import escape, quoteattr

__all__ = ["AUTHOR", "FIXED_TIME", "app_xml", "core_xml", "custom_xml", "zip_parts"]

# fixed package metadata: a document's bytes depend on its content only
FIXED_TIME = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
AUTHOR = "workbook_builder"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# python-docx's template says it was saved by "Microsoft Macintosh Word"; this one says what made it
_APP = ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"<Application>{AUTHOR}</Application><DocSecurity>0</DocSecurity></Properties>").encode()

_CORE = ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
         '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
         'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
         'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
         "<dc:title>{title}</dc:title><dc:creator>{author}</dc:creator><cp:lastModifiedBy>{author}</cp:lastModifiedBy>"
         "<cp:revision>1</cp:revision>"
         '<dcterms:created xsi:type="dcterms:W3CDTF">{time}</dcterms:created>'
         '<dcterms:modified xsi:type="dcterms:W3CDTF">{time}</dcterms:modified></cp:coreProperties>')


def app_xml() -> bytes:
    """docProps/app.xml: the application that made the file (ours, not python-docx's template's)."""
    return _APP


def core_xml(title: str) -> bytes:
    """docProps/core.xml: the title, and a fixed author and time (no clock: same input, same bytes)."""
    time = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    return _CORE.format(title=escape(title), author=AUTHOR, time=time).encode("utf-8")


def custom_xml(properties: Mapping[str, str]) -> bytes:
    """docProps/custom.xml: every document property as text (Word: 文件 › 属性 › 自定义)."""
    props = "".join(
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{pid}" name={quoteattr(name)}>'
        f"<vt:lpwstr>{escape(value)}</vt:lpwstr></property>"
        for pid, (name, value) in enumerate(properties.items(), start=2)
    )
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            f"{props}</Properties>").encode()


def zip_parts(parts: Mapping[str, bytes]) -> bytes:
    """The package with fixed member times and order: identical input, identical bytes."""
    first = {"[Content_Types].xml": 0, "_rels/.rels": 1}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in sorted(parts, key=lambda n: (first.get(n, 2), n)):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            dst.writestr(info, parts[name])
    return out.getvalue()
