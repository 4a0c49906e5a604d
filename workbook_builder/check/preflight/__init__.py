"""Preflight: decide whether an uploaded file is a readable, safe .xlsx package.

This runs before anything else looks at a client's file.  It never trusts the
file: sizes in the zip directory may lie, XML may carry entity bombs, and the
package may carry active content (macros, ActiveX, OLE objects, DDE, external
links, data connections) that a government report must not contain.

Every failure is reported as a :class:`Problem`, never as an exception.  The
``reason`` values are stable and meant for machines; the catalogue
(``findings.catalogue``, PREFLIGHT_UNREADABLE and PREFLIGHT_UNSAFE) words each
as one sentence for the person who submitted the file.

Reasons, by code and in the order they are checked:

``unreadable-file``
    ``io-error``, ``empty``, ``too-large`` (file over ``max_file_bytes``),
    ``encrypted`` (OLE-wrapped encrypted package, or password-protected zip
    entries), ``legacy-xls``, ``document`` (an OLE .doc/.wps, a PDF),
    ``html-table``, ``xml-spreadsheet``, ``csv``, ``ods`` (also a flat .fods), ``not-zip``, ``truncated`` (the zip cannot be
    opened or a part fails to inflate: cut-off directories, CRC and zlib
    errors and size mismatches are all reported as ``truncated``; there is no
    separate ``bad-zip``), ``unsupported-compression`` (anything but stored or
    deflate, which is all OPC allows; other methods have no bounded-output
    decompression in :mod:`zipfile`), ``ods``, ``xlsb``, ``numbers``, ``document``
    (an .odt: a zip of another format, told by its parts, see ``sniff``), ``not-xlsx`` (any other zip
    without ``xl/workbook.xml`` or ``[Content_Types].xml``), ``bad-xml`` (a part is not well-formed XML),
    ``too-complex`` (more elements over all XML parts than ``max_elements``:
    the reader's reason, worded once in READER_UNREADABLE).

``unsafe-content``
    ``too-many-entries``, ``duplicate-part``, ``unsafe-path``, ``zip-bomb``
    (declared or actual sizes over the limits, actual size above the declared
    one, or overlapping entries), ``doctype``, then, after every XML part has
    been read: ``macro``, ``activex``, ``ole-object``, ``dde``,
    ``external-link``, ``data-connection``.

The package imports only the standard library and the catalogue: ``container``
(zip directory and inflate limits), ``ole`` (legacy and encrypted files),
``scan`` (the byte-level XML scans), ``sniff`` (what another kind of file is), ``problems``
(Problem, Limits); this
module is the entry point.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from types import MappingProxyType

from .container import XML_SUFFIXES, ZIP_ERRORS, check_directory, inflate
from .ole import OLE_MAGIC, ole_reason
from .problems import PASSIVE_REASONS, Limits, Preflight, Problem, Refused, problem, refuse, size
from .scan import element_count, name_reason, scan_xml
from .sniff import ODF_MIMETYPE, text_reason, zip_reason

__all__ = ["PASSIVE_REASONS", "Limits", "Preflight", "Problem", "preflight_bytes", "preflight_path"]

DEFAULT_LIMITS = Limits()

# Order in which active-content findings are reported when a file has several.
_CONTENT_REASONS = ("macro", "activex", "ole-object", "dde", "external-link", "data-connection")


def _check(data: bytes, limits: Limits) -> dict[str, bytes]:
    if not data:
        raise refuse("empty")
    if len(data) > limits.max_file_bytes:
        raise refuse("too-large", limit=size(limits.max_file_bytes))
    if data.startswith(OLE_MAGIC):
        raise refuse(ole_reason(data))
    if not data.startswith(b"PK"):
        raise refuse(text_reason(data) or "not-zip")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except ZIP_ERRORS:
        raise refuse("truncated") from None
    with zf:
        infos = check_directory(zf, limits)
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            odf = next((i for i in infos if i.filename == ODF_MIMETYPE and i.file_size < 1024), None)
            mimetype = inflate(zf, odf, limits, 1024) if odf is not None else None
            raise refuse(zip_reason(list(names), mimetype) or "not-xlsx")
        # Names first, so a problem points at the offending part itself rather
        # than at the content type or relationship that mentions it.
        findings: dict[str, str] = {}
        for info in infos:
            reason = name_reason(info.filename)
            if reason:
                findings.setdefault(reason, info.filename)
        parts: dict[str, bytes] = {}
        budget = limits.max_total_bytes
        elements = limits.max_elements
        for info in infos:
            if info.is_dir() or not info.filename.lower().endswith(XML_SUFFIXES):
                continue
            part = inflate(zf, info, limits, budget)
            budget -= len(part)
            elements -= element_count(part)
            if elements < 0:  # refused before any parser sees it: bounded time and memory
                raise refuse("too-complex", info.filename)
            parts[info.filename] = scan_xml(info.filename, part, findings)
    for reason in _CONTENT_REASONS:
        if reason in findings:
            refused = refuse(reason, findings[reason])
            if reason in PASSIVE_REASONS:
                refused.parts = parts
            raise refused
    return parts


def preflight_bytes(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Preflight:
    """Check an in-memory file; never raises for any input bytes."""
    try:
        parts = _check(data if isinstance(data, bytes) else bytes(data), limits)
    except Refused as refused:
        kept = refused.parts
        return Preflight(MappingProxyType(kept) if kept is not None else None, refused.problem)
    return Preflight(MappingProxyType(parts), None)


def preflight_path(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> Preflight:
    """Check a file on disk, opened read-only; nothing is ever written."""
    try:
        # O_NONBLOCK: opening a FIFO must not hang; fstat then refuses it.
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags)
    except (OSError, ValueError):  # ValueError: a NUL byte in the path
        return Preflight(None, problem("io-error"))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return Preflight(None, problem("io-error"))
        if info.st_size > limits.max_file_bytes:
            # Refuse before reading: a huge file must not be loaded at all.
            return Preflight(None, problem("too-large", limit=size(limits.max_file_bytes)))
        with open(fd, "rb", closefd=False) as file:
            # read(n) allocates n bytes up front, so ask for the actual size
            # (+1 notices growth) rather than for the limit.
            data = file.read(info.st_size + 1)
    except OSError:
        return Preflight(None, problem("io-error"))
    finally:
        os.close(fd)
    return preflight_bytes(data, limits)
