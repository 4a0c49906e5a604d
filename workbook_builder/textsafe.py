"""Text from outside (file names, unit names, cell values) made safe to show in any output.

Two dangers, one place:
- a file name that is not valid UTF-8 (GBK bytes left by unzipping a Windows zip on Linux) reaches
  Python as lone surrogates (PEP 383); any UTF-8 or GBK output of them raises `UnicodeEncodeError`;
- control characters (newline, tab, ESC, C1, bidi overrides) in a unit name or value can forge a line
  of a report ("甲\\n通过，错误 0 个") or drive the terminal.

`display_path` and `clean_text` turn both into visible escapes (`\\xb2`, `\\n`, `\\u202e`), so the
reader sees that something odd is there and no output can fail to encode it. Every renderer of the
package passes paths and file text through here.
"""

from __future__ import annotations

import os
import re

# C0 and DEL, C1, the soft hyphen, the Arabic letter mark, zero-width spaces and joiners, LRM/RLM,
# word joiner and invisible operators, line/paragraph separators, bidi embeddings and
# overrides, bidi isolates, the BOM / zero-width no-break space, and every surrogate (lone ones only
# exist in a str when they came from undecodable bytes or a broken escape).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\xad\u061c\u200b-\u200f\u2060-\u2064\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group(0)
    code = ord(ch)
    if ch in _NAMED:
        return _NAMED[ch]
    if 0xDC80 <= code <= 0xDCFF:  # a byte that did not decode (surrogateescape): show the byte
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def clean_text(value: object) -> str:
    """`value` as one line of printable text: every control character, bidi control and lone
    surrogate is replaced by a visible escape (`\\n`, `\\t`, `\\x1b`, `\\u202e`; an undecodable byte of
    a file name as `\\xb2`). `None` is the empty string. Backslashes are left alone (Windows paths)."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return _UNSAFE.sub(_escape, text)


def display_path(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """A path as text any output can carry: bytes that are not valid in the file system's encoding
    are shown as `\\xNN`, control characters escaped as in `clean_text`."""
    return clean_text(os.fsdecode(path))


def clean_lines(text: str) -> str:
    """Multi-line text of ours (lines joined by newlines) whose lines may hold file text: each line
    cleaned, the line breaks kept."""
    return "\n".join(clean_text(line) for line in text.split("\n"))


# ---------------------------------------------------------------- names shown for inputs

MAX_SHOWN = 200  # characters of a shown name: a browser may send a folder path of any length
_DRIVE = re.compile(r"^[A-Za-z]:")
_STRIP = re.compile(_UNSAFE.pattern)


def shown_name(raw: str, max_chars: int = MAX_SHOWN, default: str = "file") -> str:
    """A name from outside (an upload's relative path, a zip member's name) as a relative name to
    show and store: control characters, bidi controls and lone surrogates removed, `\\` read as `/`
    (Windows), empty, `.` and `..` parts and a drive or leading `/` dropped, at most `max_chars`
    characters (the middle of the last part cut, its extension kept). Never a path to open: the
    result only names a file in reports; `default` when nothing is left."""
    text = _STRIP.sub("", raw).replace("\\", "/")
    text = _DRIVE.sub("", text)
    parts = [p.strip() for p in text.split("/")]
    parts = [p for p in parts if p and p not in (".", "..")]
    name = "/".join(parts) or default
    if len(name) > max_chars:
        head, _, last = name.rpartition("/")
        stem, dot, ext = last.rpartition(".")
        ext = f".{ext}" if dot and stem and len(ext) <= 16 else ""
        keep = max(1, max_chars - len(ext) - 1)
        name = f"{name[:keep]}…{ext}" if not head or len(head) >= keep else f"{head}/{last[:keep - len(head) - 1]}…{ext}"
    return name


def numbered(name: str, taken: set[str], fold: bool = True) -> str:
    """`name`, or when it is `taken` (compared case-insensitively, as Windows and macOS folders do,
    unless not `fold`) `name（2）.ext`, `name（3）.ext` …; the result is added to `taken`."""
    key = str.casefold if fold else str
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or "/" in ext:
        stem, ext = name, ""
    else:
        ext = f".{ext}"
    out, n = name, 1
    while key(out) in taken:
        n += 1
        out = f"{stem}（{n}）{ext}"
    taken.add(key(out))
    return out
