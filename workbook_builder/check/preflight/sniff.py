"""What a file that is not an .xlsx package is, told by its content rather than its name.

The preflight names such a file in plain words (an .ods, an .xlsb, a CSV, a Word document …) instead
of "not a zip" or a missing part, and a folder walk uses `sniff_path` to decide whether a file
with an unknown or missing suffix is a return to report on. Only a few bytes, the zip directory and
at most one small part (ODF's `mimetype`, or the custom properties that mark our own outputs)
are ever read.
"""

from __future__ import annotations

import codecs
import os
import re
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from ...outfile import (
    DETAIL_CSV_HEAD,
    DIGEST_SEPARATOR,
    FEEDBACK_CSV_HEAD,
    FEEDBACK_TEXT_HEAD,
    OUTPUT_FEEDBACK,
    OUTPUT_PROPERTY,
    OUTPUT_SUMMARY,
    SUMMARY_CSV_HEAD,
    sheets_digest,
)
from .container import ZIP_ERRORS, check_directory, inflate
from .ole import OLE_MAGIC, ole_reason
from .problems import Limits, Refused

ODF_MIMETYPE = "mimetype"
_ODF_SPREADSHEET = b"application/vnd.oasis.opendocument.spreadsheet"  # also ...-template
_ODF = b"application/vnd.oasis.opendocument."
# zip entries (lower case) that tell another package format apart
_ZIP_MARKERS = (
    ("xl/workbook.bin", "xlsb"),
    ("index/document.iwa", "numbers"),
)  # a .docx or .pptx stays `not-xlsx`: "a package without a workbook" says it well enough
_TEXT_HEAD = 64 * 1024
# text that a table exported as text never holds: C0 controls other than tab, newlines and form feed
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# reasons that are a table in another format (a return, to be saved as .xlsx) rather than a document
TABLE_REASONS = frozenset({"legacy-xls", "encrypted", "ods", "xlsb", "numbers", "xml-spreadsheet", "html-table", "csv"})
DEFAULT = Limits()
# Suffixes of spreadsheets and of tables in other formats: a file so named is a return (a workbook, or a
# table to save as .xlsx), whatever its content; a published report is told by content among the rest.
TABLE_SUFFIXES = frozenset({
    ".xlsx", ".xlsm", ".xltx", ".xltm", ".xlsb", ".xls", ".xlt", ".et", ".ett",
    ".ods", ".ots", ".fods", ".numbers", ".csv", ".tsv",
})


def zip_reason(names: list[str], mimetype: bytes | None) -> str | None:
    """The reason for a zip package that holds no Excel workbook, from its entry names and the
    first bytes of its ODF `mimetype` entry (None when it has none); None when unknown."""
    if mimetype is not None:
        if mimetype.startswith(_ODF_SPREADSHEET):
            return "ods"
        if mimetype.startswith(_ODF):
            return "document"  # .odt text, .odp slides
    lower = {n.lower() for n in names}
    return next((reason for marker, reason in _ZIP_MARKERS if marker in lower), None)


def text_reason(data: bytes) -> str | None:
    """The reason for a file that is neither zip nor OLE: a PDF, an HTML or XML table, a CSV or
    tab-separated text; None when the bytes are none of these."""
    if data.startswith(b"%PDF"):
        return "document"
    text = decode_text(data[:_TEXT_HEAD], complete=len(data) <= _TEXT_HEAD)
    if text is None or _BINARY.search(text):
        return None
    low = text.lstrip().lower()
    if low.startswith("<"):
        if "opendocument.spreadsheet" in low:
            return "ods"  # a flat ODF spreadsheet (.fods)
        if "urn:schemas-microsoft-com:office:spreadsheet" in low:
            return "xml-spreadsheet"
        if "<html" in low or "<table" in low:
            return "html-table"  # "Excel" exports of web systems, often named .xls
        return None
    first = next((line for line in low.splitlines() if line.strip()), "")
    return "csv" if any(sep in first for sep in ",\t;") else None


def decode_text(head: bytes, complete: bool = True) -> str | None:
    """The text in UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode text"), or
    GB18030 (what Excel and WPS save on Chinese Windows); None when it is none of these. With
    `complete` False (the head of a longer file), a character cut at the end is dropped."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
        except UnicodeDecodeError:
            continue
    return None


@dataclass(frozen=True)
class Sniffed:
    """What a folder walk needs to know about a file: is it a table, and is it one of our outputs."""

    table: bool  # an Excel workbook, or a table in another binary format (never text: any text could pass)
    output: str | None = None  # the kind of our own output (OUTPUT_PROPERTY's value), or None


_OUTPUT_VALUE = re.compile(
    rb'name="' + re.escape(OUTPUT_PROPERTY.encode()) + rb'"[^>]*>\s*<(?:\w+:)?lpwstr\b[^>]*>([^<]{1,40})</')


# our text outputs known by their first words: the summary CSV, the feedback pack's CSV and 反馈单
_FEEDBACK_HEADS = (FEEDBACK_CSV_HEAD, FEEDBACK_TEXT_HEAD)
_TEXT_HEAD_BYTES = max(len(h.encode("utf-8-sig")) for h in (SUMMARY_CSV_HEAD, DETAIL_CSV_HEAD, *_FEEDBACK_HEADS)) + 8


def sniff_path(path: str | os.PathLike[str], limits: Limits = DEFAULT) -> Sniffed:
    """Look at a file found in a folder: a few bytes, a zip's directory and at most one small part.
    Anything that cannot be read, or a file over the size limit, is not a table."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
            size = fh.seek(0, 2)
            if size > limits.max_file_bytes or not head:
                return Sniffed(False)
            fh.seek(0)
            if head.startswith(OLE_MAGIC):
                return Sniffed(ole_reason(fh.read(size)) in TABLE_REASONS)
            if not head.startswith(b"PK"):
                # text is never a table by its content alone (a web page, a note, our HTML report):
                # an .xls that is HTML or a .csv is checked for its suffix; only our CSVs (the summary, the
                # detail table, the mail merge) and 反馈单 are known
                text = decode_text(fh.read(_TEXT_HEAD_BYTES), complete=False) or ""
                if text.startswith((SUMMARY_CSV_HEAD, DETAIL_CSV_HEAD)):
                    return Sniffed(False, OUTPUT_SUMMARY)
                return Sniffed(False, OUTPUT_FEEDBACK if text.startswith(_FEEDBACK_HEADS) else None)
            return _sniff_zip(fh, limits)
    except (Refused, *ZIP_ERRORS):
        return Sniffed(False)


def _ours(value: str, infos: list[zipfile.ZipInfo]) -> str | None:
    """The kind of our output the marker names; None when it carries a digest of its sheets that no
    longer matches (staff corrected their annotated copy and sent it back: a return again)."""
    kind, _, digest = value.partition(DIGEST_SEPARATOR)
    if digest and digest != sheets_digest((i.filename, i.CRC) for i in infos):
        return None
    return kind


def _sniff_zip(fh: BinaryIO, limits: Limits) -> Sniffed:
    with zipfile.ZipFile(fh) as zf:
        infos = check_directory(zf, limits)
        by_name = {i.filename.lower(): i for i in infos}
        if "xl/workbook.xml" in by_name:
            custom = by_name.get("docprops/custom.xml")
            data = inflate(zf, custom, limits, limits.max_total_bytes) if custom is not None else b""
            found = _OUTPUT_VALUE.search(data)
            return Sniffed(True, _ours(found.group(1).decode("utf-8", "replace"), infos) if found else None)
        odf = by_name.get(ODF_MIMETYPE)
        mimetype = inflate(zf, odf, limits, 1024) if odf is not None and odf.file_size < 1024 else None
        return Sniffed(zip_reason(list(by_name), mimetype) in TABLE_REASONS)
