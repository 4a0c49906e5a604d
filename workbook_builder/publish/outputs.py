"""Where a publish run's documents go, and writing them: one name per workbook, atomic writes, PDFs in batches.

`-o` is a document file (`.docx`, `.html`/`.htm`, `.pdf`: its suffix is the default format, its
stem names every other format's file) or a folder (documents named after each report's title,
made safe as a file name by `outfile.safe_name`, a second report of the same title numbered （2）, （3）…).
A file's suffix is always one of the formats written: `-o 甲.html --format docx` writes 甲.docx and 甲.html.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..outfile import Namer, describe_os_error, write_atomic
from ..textsafe import display_path
from .result import FORMATS, SUFFIXES

FILE_FORMATS = {".docx": "docx", ".html": "html", ".htm": "html", ".pdf": "pdf"}
FOLDER_FORMATS = ("docx",)


@dataclass(frozen=True)
class Target:
    """The output: a folder (`file` None) or one document file, and the formats to write."""

    folder: Path
    formats: tuple[str, ...]
    file: Path | None = None

    def path(self, stem: str, fmt: str) -> Path:
        """Where a format of a document goes: -o itself for its own format, else beside it by stem."""
        if self.file is not None:
            if FILE_FORMATS.get(self.file.suffix.lower()) == fmt:
                return self.file
            path = self.file.with_name(self.file.stem + SUFFIXES[fmt])
        else:
            path = self.folder / (stem + SUFFIXES[fmt])
        # defence in depth: a stem comes from `safe_name` (no separators, never “..”), so this never fires
        if path.parent != self.folder or path.name in ("", ".", ".."):
            raise ValueError(f"output {path} is outside {self.folder}")
        return path


def parse_formats(formats: Sequence[str] | str | None) -> tuple[str, ...] | None:
    """`docx,html` or a sequence → the formats in writing order; a misspelt one is a `UsageError`."""
    if formats is None:
        return None
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    wanted = {f.strip().lower() for f in items if f.strip()}
    unknown = sorted(wanted - set(FORMATS))
    if unknown or not wanted:
        raise UsageError(f"--format：未知的格式 {'、'.join(unknown) or '（空）'}；可用的格式：{','.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in wanted)


def plan(output: str | Path, formats: Sequence[str] | str | None, many: bool) -> Target:
    """The target of `-o`: a folder when it is one (or has no suffix), else a document file, whose
    suffix gives the default format. Several workbooks (or a folder of them) need a folder."""
    out = Path(output)
    chosen = parse_formats(formats)
    suffix = out.suffix.lower()
    if out.is_dir() or (not suffix and not out.is_file()):
        return Target(out, chosen or FOLDER_FORMATS)
    if suffix not in FILE_FORMATS:
        raise UsageError(f"-o {display_path(out)}：应为 .docx、.html 或 .pdf 文件，或一个文件夹")
    if many:
        raise UsageError(f"要生成报告的工作簿不止一个（或给的是文件夹），-o 应为一个文件夹，而不是文件 {display_path(out)}")
    own = FILE_FORMATS[suffix]  # the file named by -o is always written: its format joins the others
    return Target(out.parent, tuple(f for f in FORMATS if f in {own, *(chosen or ())}), out)


def namer() -> Namer:
    """The names of a publish run's documents: a repeated title numbered （2）, （3）…"""
    return Namer(suffix="（{n}）", default="报告")


def write(target: Path, content: bytes, inputs: set[Path]) -> str | None:
    """Write one document atomically; None, or why it could not be written (plain Chinese)."""
    try:
        if target.resolve() in inputs:
            return f"{display_path(target)} 是输入的文件之一：不会覆盖交回的文件"
        write_atomic(target, content)
    except OSError as exc:
        return f"无法写出 {display_path(target)}：{describe_os_error(exc)}"
    return None
