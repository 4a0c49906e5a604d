"""One published report's bytes → a `Source`, by content: the size cap first, then the reader its
kind needs. Every refusal is a `ReadProblem` with a catalogue code; no other exception escapes for any
input. The file is opened read-only and never written.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..findings import Code
from .limits import MAX_BYTES, MAX_CHARS, MiB
from .sniff import sniff
from .source import Para, ReadProblem, Source


def _too_large(size: int) -> ReadProblem:
    """Sizes in MB, as people see them in a file manager (one decimal: 30.1 MB over 30 MB shows)."""
    return ReadProblem(Code.IMPORT_LIMIT, "size", size=round(size / MiB, 1), limit=round(MAX_BYTES / MiB, 1))


def _bytes(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes, refused before reading when it is over the size cap (nothing is loaded)."""
    try:
        # O_NONBLOCK: opening a FIFO must not hang; fstat then refuses it
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except (OSError, ValueError):  # ValueError: a NUL byte in the path
        raise ReadProblem(Code.UNREADABLE_FILE, "io-error", actual="io-error") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ReadProblem(Code.UNREADABLE_FILE, "io-error", actual="io-error")
        if info.st_size > MAX_BYTES:
            raise _too_large(info.st_size)
        with open(fd, "rb", closefd=False) as fh:
            data = fh.read(info.st_size + 1)  # +1 notices a file growing while read
    except OSError:
        raise ReadProblem(Code.UNREADABLE_FILE, "io-error", actual="io-error") from None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise _too_large(len(data))
    return data


def read_source(path: str | Path) -> Source:
    """`_read`, then the text cap: matching time grows with the text, so an absurd amount of text (a
    hostile file just under the size cap) is refused rather than matched for minutes."""
    source = _read(path)
    chars = sum(len(b.text) if isinstance(b, Para) else sum(len(c.text) for c in b.cells) for b in source.blocks)
    if chars > MAX_CHARS:
        raise ReadProblem(Code.IMPORT_LIMIT, "chars", count=chars, limit=MAX_CHARS)
    return source


def _read(path: str | Path) -> Source:
    """Read a published report (text, HTML, docx or PDF, told by content) into paragraphs and tables.

    Raises ReadProblem — `import-unsupported` (a legacy .doc/.wps, an OFD, an unknown encoding, a
    damaged or encrypted file, PDF without the extra, anything else), `import-no-text` (a scan),
    `import-limit` (size, pages, time, nesting, cells), or the preflight's `unreadable-file` /
    `unsafe-content` for a .docx package it refuses — and never anything else for bad input."""
    data = _bytes(path)
    kind = sniff(data)
    try:
        if kind == "text":
            from .text import read_text

            return read_text(data)
        if kind == "html":
            from .html import read_html

            return read_html(data)
        if kind == "docx":
            from .docx import read_docx

            return read_docx(data)
        if kind == "pdf":
            from .pdf import read_pdf

            return read_pdf(path)
    except RecursionError:  # a nesting no cap foresaw: refused like any other absurd nesting
        from .limits import MAX_DEPTH

        raise ReadProblem(Code.IMPORT_LIMIT, "nesting", limit=MAX_DEPTH) from None
    if kind == "legacy-word":
        raise ReadProblem(Code.IMPORT_UNSUPPORTED, "legacy-word")
    if kind == "ofd":
        raise ReadProblem(Code.IMPORT_UNSUPPORTED, "ofd")
    if data.startswith(bytes.fromhex("D0CF11E0A1B11AE1")):
        from ..check.preflight.ole import ole_is_encrypted

        if ole_is_encrypted(data):
            raise ReadProblem(Code.IMPORT_UNSUPPORTED, "encrypted")
    raise ReadProblem(Code.IMPORT_UNSUPPORTED, "other")
