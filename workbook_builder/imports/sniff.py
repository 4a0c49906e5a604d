"""What kind of file a published report is, told by its bytes alone (never by its name).

`sniff` looks at the head of a file (the whole file when the reader has it); `is_report_file` decides
for a folder walk whether a file is a published report to check. A folder of returns also holds notes
(README.txt), rosters (名单.csv) and our own outputs: text counts as a report only when it names
政府信息公开 and 年度报告/年报, read the way the reader would read it; a legacy .doc/.wps or an .ofd
always counts, so `check` says plainly that it cannot be read instead of skipping it silently.
"""

from __future__ import annotations

import io
import os
import re
import zipfile

from ..check.preflight.container import ZIP_ERRORS, check_directory
from ..check.preflight.ole import OLE_MAGIC, ole_reason
from ..check.preflight.problems import Limits, Refused
from ..check.preflight.sniff import decode_text
from ..outfile import SUMMARY_CSV_HEAD
from .limits import MAX_BYTES
from .tokens import flat

KINDS = ("xlsx", "text", "html", "docx", "pdf", "legacy-word", "ofd", "other")
HEAD = 64 * 1024  # what `is_report_file` reads of a text file, and inflates of a docx's body
_LIMITS = Limits()
# bytes a text file never holds: C0 controls other than tab, newlines, form feed; DEL
_JUNK = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_JUNK_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# a tag of a web page (a CMS fragment may start with a style sheet, a script or a bare <span>)
_HTML_TAG = re.compile(rb"<(?:!doctype\s+html|html|head|body|meta|title|table|p|div|span|font|br|center|style|script"
                       rb"|link|h[1-6]|strong|b)[\s>/]", re.I)
_LOCAL_HEADER = b"PK\x03\x04"
_TAG = re.compile(r"<[^>]*>")
_GENERATOR = re.compile(r"""<meta\s+name=["']?generator["']?\s+content=["']?workbook-builder""", re.I)


def _zip_names(data: bytes) -> list[str]:
    """The entry names of a zip: from its directory when `data` is the whole file (names only: the
    reader's preflight judges the package), else from the local headers found in the head (a cut-off
    head still names its first entries)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return zf.namelist()
    except ZIP_ERRORS:
        pass
    names: list[str] = []
    at = data.find(_LOCAL_HEADER)
    while 0 <= at and at + 30 <= len(data) and len(names) < 200:
        n = int.from_bytes(data[at + 26:at + 28], "little")
        names.append(data[at + 30:at + 30 + n].decode("utf-8", "replace"))
        at = data.find(_LOCAL_HEADER, at + 30 + n)
    return names


def zip_kind(names: list[str]) -> str:
    """A zip's kind from its entry names: xlsx, docx, ofd, or other."""
    lower = {n.lower() for n in names}
    # xl/workbook.xml: what the preflight and `sniff_path` call a workbook
    for marker, kind in (("xl/workbook.xml", "xlsx"), ("word/document.xml", "docx"), ("ofd.xml", "ofd")):
        if marker in lower:
            return kind
    return "other"


def sniff(head: bytes) -> str:
    """The kind of a file from its first bytes (or all of them): one of `KINDS`."""
    if head.startswith(OLE_MAGIC):
        # an encrypted OOXML package is OLE too: the workbook checker reports it ("encrypted"), as
        # it does a legacy .xls; only a Word/WPS text document is a published report here
        return "legacy-word" if ole_reason(head) == "document" else "other"
    if head.startswith(b"PK"):
        return zip_kind(_zip_names(head))
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM (Notepad's "Unicode")
        text = decode_text(head[:HEAD], complete=len(head) <= HEAD)
        if text is None or _JUNK_TEXT.search(text):
            return "other"
        start = text.lstrip("\ufeff \t\r\n")[:1024].encode("utf-8")
        return "html" if start.startswith(b"<") and _HTML_TAG.search(start) else "text"
    if _JUNK.search(head[:HEAD]):
        return "other"
    start = head[:2048].removeprefix(b"\xef\xbb\xbf").lstrip()
    if start.startswith(b"<?xml"):  # XHTML: a prolog, then the page
        start = start[start.find(b"?>") + 2:].lstrip() if b"?>" in start else start
    while start.startswith(b"<!--") and b"-->" in start:  # a CMS's leading comment
        start = start[start.find(b"-->") + 3:].lstrip()
    if start.startswith(b"<") and _HTML_TAG.search(start[:1024]):  # markup first, and a page's tag near the start
        return "html"
    return "text"  # even when it decodes as nothing known: the text reader then says which encoding failed


def mentions_report(text: str) -> bool:
    """Whether text names the annual report on government information disclosure (spacing and
    full-width forms ignored, as a PDF's extracted text may space every character)."""
    squashed = flat(text)
    return "政府信息公开" in squashed and ("年度报告" in squashed or "年报" in squashed)


def _docx_mentions(fh: io.BufferedReader) -> bool:
    """Whether the first `HEAD` × 4 bytes of a docx's body, tags removed, name the report (bounded
    inflating: a bomb costs no more). A package the preflight refuses, or a cut-off one, counts: the
    reader then gives it the finding a workbook would get, rather than the folder skipping it."""
    try:
        with zipfile.ZipFile(fh) as zf:
            infos = {i.filename.lower(): i for i in check_directory(zf, _LIMITS)}
            info = infos.get("word/document.xml")
            if info is None:
                return False
            with zf.open(info) as part:
                xml = part.read(HEAD * 4)
    except (Refused, *ZIP_ERRORS):
        return True
    return mentions_report(_TAG.sub("", xml.decode("utf-8", "ignore")))


def _pdf_mentions(path: str | os.PathLike[str]) -> bool:
    from .pdf import first_page_text  # lazy: pdfplumber is an optional extra

    text = first_page_text(path)
    return True if text is None else mentions_report(text)  # None: cannot tell; the reader says why


def is_report_file(path: str | os.PathLike[str]) -> bool:
    """Whether a file found in a folder is a published report to check: a web page, docx, PDF or text
    that names the annual report, or a legacy Word/WPS or OFD file (reported as unreadable)."""
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, 2)
            if size == 0 or size > MAX_BYTES:
                return False
            fh.seek(0)
            head = fh.read(HEAD)
            if head.startswith(OLE_MAGIC):
                head = _ole_directory(fh, head)
            kind = sniff(head) if not head.startswith(b"PK") else _zip_kind_of(fh, head)
            if kind in ("legacy-word", "ofd"):
                return True
            if kind == "docx":
                fh.seek(0)
                return _docx_mentions(fh)  # type: ignore[arg-type]
            if kind == "pdf":
                return _pdf_mentions(path)
            if kind in ("text", "html"):
                text = decode_text(head, complete=size <= HEAD)
                if text is None or _ours(text, kind):
                    return False
                return mentions_report(_TAG.sub("", text) if kind == "html" else text)
            return False
    except (OSError, Refused, *ZIP_ERRORS):
        return False


def _ole_directory(fh: io.BufferedReader, head: bytes) -> bytes:
    """A compound file's header followed by (up to `HEAD` bytes of) its directory, wherever the header
    says it starts, so `sniff` sees its stream names without the whole file being read (a .doc's
    directory often lies near its end)."""
    if len(head) < 512:
        return head
    shift = int.from_bytes(head[30:32], "little")
    first = int.from_bytes(head[48:52], "little")
    if shift not in (9, 12) or first >= 0xFFFFFFFA:  # not a sector size or a sector number: as it is
        return head
    fh.seek((first + 1) << shift)
    return head[:512] + fh.read(HEAD)


def _ours(text: str, kind: str) -> bool:
    """Our own outputs beside the returns name the report too: the `check --html` page (its generator
    meta), the CSV summary, JSON printed to a file. A published page of ours (publish) is a report."""
    if kind == "html":
        return bool(_GENERATOR.search(text[:4096]))
    start = text.lstrip("\ufeff \t\r\n")
    return start.startswith((SUMMARY_CSV_HEAD, "{", "["))


def _zip_kind_of(fh: io.BufferedReader, head: bytes) -> str:
    """A zip on disk: its kind from the directory (read by zipfile from the end of the file), or
    from the local headers in its head when the directory is cut off."""
    fh.seek(0)
    try:
        with zipfile.ZipFile(fh) as zf:
            return zip_kind(zf.namelist())
    except ZIP_ERRORS:
        return zip_kind(_zip_names(head))
