"""PDF reports with a text layer, read with pdfplumber (the only pdfplumber user; the optional `[pdf]`
extra, imported lazily so the package works without it).

Each page's text lines, in the order pdfplumber gives them (`extract_text`: its layout of words into
lines, top to bottom), become paragraphs placed by page and line. A PDF without text on any page is a
scan (`import-no-text`); one that needs a password, or that pdfminer cannot parse (cut off, damaged),
is `import-unsupported`. Pages are capped, and the time per file is checked between pages (one page
cannot be interrupted: a hostile page costs at most one page's time over the budget).
"""

from __future__ import annotations

import os
import re
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..findings import Code
from .limits import MAX_PAGES, MAX_SECONDS, MAX_STREAM_BYTES, MiB
from .source import Para, ReadProblem, Source, Where

_UNSAFE = re.compile(r"[\x00-\x1f\x7f]+")


class _BoundedInflate:
    """A decompressor that stops at `MAX_STREAM_BYTES`, as a drop-in for the `zlib` module pdfminer's
    stream decoder uses: pdfminer inflates each stream whole, so a small PDF holding a deflate bomb
    would fill memory before any page or time cap could stop it."""

    error = zlib.error

    def decompress(self, data: bytes, *args: Any) -> bytes:
        d = zlib.decompressobj()
        out = d.decompress(data, MAX_STREAM_BYTES)
        if d.unconsumed_tail:
            raise _inflated()
        if not d.eof:
            raise zlib.error("incomplete or truncated stream")  # what zlib.decompress says
        return out

    def decompressobj(self, *args: Any, **kwargs: Any) -> _BoundedStream:
        return _BoundedStream(zlib.decompressobj(*args, **kwargs))


class _BoundedStream:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.total = 0

    def decompress(self, data: bytes, *args: Any) -> bytes:
        out: bytes = self.inner.decompress(data, MAX_STREAM_BYTES - self.total + 1)
        self.total += len(out)
        if self.total > MAX_STREAM_BYTES or self.inner.unconsumed_tail:
            raise _inflated()
        return out


def _inflated() -> ReadProblem:
    return ReadProblem(Code.IMPORT_LIMIT, "inflated", limit=MAX_STREAM_BYTES // MiB)


@contextmanager
def _bounded() -> Iterator[None]:
    """pdfminer's streams inflated with the bound, for the time of one read."""
    import pdfminer.pdftypes

    saved = pdfminer.pdftypes.zlib
    pdfminer.pdftypes.zlib = _BoundedInflate()  # type: ignore[assignment]
    try:
        yield
    finally:
        pdfminer.pdftypes.zlib = saved


def _pdfplumber() -> Any:
    try:
        import pdfplumber
    except ImportError:
        raise ReadProblem(Code.IMPORT_UNSUPPORTED, "pdf-extra") from None
    return pdfplumber


def _problem(exc: BaseException) -> ReadProblem:
    """What a pdfminer failure means for the person who gave the file: a password, or damage (the
    exception's name and first words, the only description pdfminer has)."""
    cause = exc.args[0] if type(exc).__name__ == "PdfminerException" and exc.args else exc
    if isinstance(cause, ReadProblem):  # a bound hit inside pdfminer
        return cause
    name = type(cause).__name__
    if name in ("PDFPasswordIncorrect", "PDFEncryptionError", "PDFEncryptionWarning"):
        return ReadProblem(Code.IMPORT_UNSUPPORTED, "encrypted")
    said = _UNSAFE.sub(" ", str(cause)).strip()[:80]
    return ReadProblem(Code.IMPORT_UNSUPPORTED, "broken", detail_text=f"PDF {name}" + (f": {said}" if said else ""))


def _page_count(pdf: Any) -> int:
    """The page count the document's page tree declares (read before any page is built), else the
    pages pdfplumber finds."""
    from pdfminer.pdftypes import resolve1

    try:
        count = resolve1(resolve1(pdf.doc.catalog.get("Pages")).get("Count"))
        if isinstance(count, int) and count >= 0:
            return count
    except Exception:  # noqa: BLE001 - a damaged page tree: count the pages instead
        pass
    return len(pdf.pages)


def _open(path: str | os.PathLike[str]) -> Any:
    pdfplumber = _pdfplumber()
    try:
        return pdfplumber.open(path)  # opens the file read-only ("rb")
    except Exception as exc:  # noqa: BLE001 - pdfminer raises anything on a damaged file
        raise _problem(exc) from None


def read_pdf(path: str | os.PathLike[str]) -> Source:
    """A PDF's text, one paragraph per line, placed by page and line; ReadProblem for a scan, a
    password, damage, or a cap exceeded (pages, time, a stream inflating beyond bound)."""
    _pdfplumber()  # the missing extra is said first
    with _bounded():
        return _read(path)


def _read(path: str | os.PathLike[str]) -> Source:
    start = time.monotonic()
    pdf = _open(path)
    blocks: list[Para] = []
    try:
        with pdf:
            count = _page_count(pdf)
            if count > MAX_PAGES:
                raise ReadProblem(Code.IMPORT_LIMIT, "pages", count=count, limit=MAX_PAGES)
            pages = 0
            for number, page in enumerate(pdf.pages, 1):
                if number > MAX_PAGES:
                    raise ReadProblem(Code.IMPORT_LIMIT, "pages", count=len(pdf.pages), limit=MAX_PAGES)
                if time.monotonic() - start > MAX_SECONDS:
                    raise ReadProblem(Code.IMPORT_LIMIT, "time", limit=int(MAX_SECONDS))
                pages = number
                text = (_FIRST_PAGES.pop(_file_key(path), None) if number == 1 else None) or page.extract_text() or ""
                page.close()  # pdfplumber caches each page's objects: a long PDF would keep them all
                blocks.extend(Para(line, Where(page=number, line=n)) for n, line in enumerate(text.split("\n"), 1)
                              if line.strip())
    except ReadProblem:
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer raises anything on a damaged file
        raise _problem(exc) from None
    if not blocks:
        raise ReadProblem(Code.IMPORT_NO_TEXT, "scan", pages=pages)
    return Source("pdf", tuple(blocks), pages=pages)


# `check` of a folder reads each PDF's first page in the parent process (`first_page_text`, to tell a
# report from another PDF) before the workers fork: they inherit that text here and start reading at
# page 2, instead of parsing page 1 again (a third of a three-page report). Keyed by the file's
# path, size and time of change, so a file changed in between is read again; bounded.
_FIRST_PAGES: dict[tuple[str, int, int], str] = {}
_FIRST_PAGES_MAX = 10_000


def _file_key(path: str | os.PathLike[str]) -> tuple[str, int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return ("", -1, -1)
    return (os.path.abspath(path), st.st_size, st.st_mtime_ns)


def first_page_text(path: str | os.PathLike[str]) -> str | None:
    """The first page's text, for telling a published report from another PDF in a folder; None when
    it cannot be told (no pdfplumber, a damaged or locked file, or no text: a scan), so that the
    reader then says why."""
    try:
        _pdfplumber()
        with _bounded(), _open(path) as pdf:
            if not pdf.pages:
                return None
            text = pdf.pages[0].extract_text() or ""
        if text and len(_FIRST_PAGES) < _FIRST_PAGES_MAX:
            _FIRST_PAGES[_file_key(path)] = text
    except ReadProblem:
        return None
    except Exception:  # noqa: BLE001 - pdfminer raises anything on a damaged file
        return None
    return text if text.strip() else None
