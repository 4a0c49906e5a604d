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



MAX_CELL_CHARS = 32767  # Excel's limit on one cell; a crafted file (or a name escaped) can carry more


def fit_cell(text: str) -> str:
    """Text cut to what one spreadsheet cell holds, an ellipsis saying it was cut."""
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 1] + "…"


# ---------------------------------------------------------------- display width and wrapping
# A terminal gives an East Asian Wide or Fullwidth character (汉字, ，。（）) two columns; `len()` counts
# one, so text measured with it (click's help, a progress line) comes out up to twice too wide and
# wraps in the middle of a line. “Ambiguous” characters (“ ” █ ─) are one column on a UTF-8 terminal
# and two on a Chinese Windows console (GBK): callers that cannot tell pass `ambiguous=2`.

# no line starts with these (Chinese typesetting: closing marks stay with what they close) …
_CLOSING = set("，。、；：！？）》」』】〕〉］”’…·,.;:!?)]}%")
# … and no line ends with these
_OPENING = set("（《「『【〔〈［“‘([{")
_QUOTES = set("“”‘’")  # ambiguous width, but Chinese quotation marks: breakable like the Chinese around them


def _columns(ch: str, ambiguous: int) -> int:
    import unicodedata

    if unicodedata.combining(ch) or ch in "\u200b\u200d":
        return 0
    kind = unicodedata.east_asian_width(ch)
    return 2 if kind in ("W", "F") else ambiguous if kind == "A" else 1


def display_width(text: str, ambiguous: int = 1) -> int:
    """Columns `text` takes on a terminal: East Asian Wide and Fullwidth characters 2, combining marks
    0, East Asian Ambiguous ones `ambiguous`, the rest 1."""
    return sum(_columns(ch, ambiguous) for ch in text)


def clip_display(text: str, width: int, ambiguous: int = 1) -> str:
    """`text` cut to at most `width` columns (a wide character that would straddle the edge left out)."""
    used, out = 0, []
    for ch in text:
        used += _columns(ch, ambiguous)
        if used > width:
            break
        out.append(ch)
    return "".join(out)


def _wide(ch: str) -> bool:
    import unicodedata

    return ch in _QUOTES or unicodedata.east_asian_width(ch) in ("W", "F")


def _may_break(before: str, after: str) -> bool:
    """Whether a line may break between two characters that have no space between them: between two
    Chinese characters, but not before a closing mark nor after an opening one; never inside a run
    of Latin letters, digits and signs (an option name, a path, `年报.sqlite`)."""
    if after in _CLOSING or before in _OPENING:
        return False
    if before in _CLOSING and _wide(before):
        return True  # after “，” or “）”, even before Latin text: `gkb2021，|2019 格式`
    if after in _OPENING and _wide(after):
        return True
    return _wide(before) and _wide(after)


# a path or file name: a slash, or a dot before a Latin letter (`年报.sqlite`, `交回/甲镇.xlsx`)
_PATHLIKE = re.compile(r"[/\\]|\.[A-Za-z]")


def _path_spans(word: str) -> list[tuple[int, int]]:
    """Where a word holds a path: the stretch between Chinese punctuation marks around a `.`+letter
    or a slash, Chinese letters included (`年报.sqlite` must not break after 年)."""
    spans, start = [], 0
    for j, ch in enumerate([*word, "，"]):
        if j == len(word) or ((ch in _CLOSING or ch in _OPENING) and _wide(ch)):
            if _PATHLIKE.search(word[start:j]):
                spans.append((start, j))
            start = j + 1
    return spans


def _atoms(paragraph: str) -> list[tuple[bool, str]]:
    """The unbreakable pieces of a paragraph, each with whether a space stood before it."""
    atoms: list[tuple[bool, str]] = []
    for i, word in enumerate(paragraph.split()):
        start = 0
        spans = _path_spans(word)
        for j in range(1, len(word)):
            if any(a < j < b for a, b in spans):
                continue
            if _may_break(word[j - 1], word[j]):
                atoms.append((i > 0 and start == 0, word[start:j]))
                start = j
        atoms.append((i > 0 and start == 0, word[start:]))
    return atoms


def wrap_display(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "",
                 ambiguous: int = 1) -> list[str]:
    """One paragraph wrapped into lines of at most `width` display columns (indents included), runs of
    whitespace read as one space. Breaks at spaces and between Chinese characters (never before
    ，。、）》” nor after （《“), never inside an option name or path; a piece wider than a whole line
    (a very long path) is cut by columns, as the last resort."""
    lines: list[str] = []
    line, used, indent = initial_indent, display_width(initial_indent, ambiguous), initial_indent
    fresh = True  # nothing but the indent on the line yet
    for spaced, atom in _atoms(text):
        size = display_width(atom, ambiguous)
        gap = 1 if spaced and not fresh else 0
        if not fresh and used + gap + size > width:
            lines.append(line)
            indent = subsequent_indent
            line, used, fresh, gap = indent, display_width(indent, ambiguous), True, 0
        while fresh and used + size > width and width - used > 0:  # too long for any line: cut it
            part = clip_display(atom, width - used, ambiguous) or atom[0]
            lines.append(line + part)
            atom = atom[len(part):]
            size = display_width(atom, ambiguous)
            line, used = subsequent_indent, display_width(subsequent_indent, ambiguous)
            if not atom:
                break
        if not atom:
            continue
        line += " " * gap + atom
        used += gap + size
        fresh = False
    if not fresh or not lines:
        lines.append(line)
    return lines
