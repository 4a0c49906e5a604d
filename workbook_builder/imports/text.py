"""Plain-text reports: the bytes decoded honestly, then one paragraph per line.

Encodings, in order: a BOM decides (UTF-8, or UTF-16 as Notepad's "Unicode" saves it); else UTF-8 when
the whole file decodes strictly as UTF-8; else GB18030 strictly (GBK and GB2312 are subsets of it:
what Chinese Windows and WPS save). Nothing is ever decoded with replacement characters: a file that is
none of these is refused (`import-unsupported`/`encoding`), since a guessed character may be a digit.
"""

from __future__ import annotations

import re

from ..findings import Code
from .source import Para, ReadProblem, Source, Where

_NEWLINE = re.compile(r"\r\n|\r|\n")  # not str.splitlines: a form feed or U+2028 is not a new line in a report


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """The text and the encoding it was decoded from; ReadProblem when it is none of the known ones.
    `declared` (a web page's <meta> charset, already mapped to a codec) is tried first after a BOM."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    else:
        candidates = tuple(dict.fromkeys([declared or "utf-8", "utf-8", "gb18030"]))
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ReadProblem(Code.IMPORT_UNSUPPORTED, "encoding")


def lines(text: str) -> list[str]:
    """The lines of a text: CRLF, CR and LF all end a line; the empty line after a final newline is
    not a line (an empty line inside is kept: in a one-cell-per-line file it is a blank cell)."""
    out = _NEWLINE.split(text)
    if out and out[-1] == "":
        out.pop()
    return out


def read_text(data: bytes) -> Source:
    """A text file as paragraphs, one per line, numbered from 1; tabs and spaces kept as written."""
    text, encoding = decode(data)
    blocks = tuple(Para(line, Where(line=n)) for n, line in enumerate(lines(text), 1))
    return Source("text", blocks, encoding=encoding)
