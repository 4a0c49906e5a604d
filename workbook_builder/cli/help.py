"""Help text measured in display columns (a Chinese character takes two) and headed in the user's
language: the formatter, context and command class every command uses."""

from __future__ import annotations

import re
from collections.abc import Sequence

import click

from ..textsafe import display_width, wrap_display
from .words import ui_language

# click measures text with len(): a Chinese character counts one column and takes two, so its help
# came out up to twice too wide and wrapped mid-line on an 80-column console. This formatter wraps
# by display width (textsafe.wrap_display). “ ” and the like count two columns: a Chinese Windows
# console (GBK) draws them that wide.
_AMBIGUOUS = 2


_HEADINGS_ZH = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}


# what click adds after an option's help: "  [default: text]", "  [required]", "[default: 8765; 1<=x<=65535]"
_EXTRA = re.compile(r"\s+\[([^\[\]]*)\]$")


_EXTRA_ZH = (("default: ", "默认："), ("required", "必填"), ("env var: ", "环境变量："), ("; ", "；"))



def _extra_zh(help_text: str) -> str:
    """click's bracketed note after an option's help in Chinese: “［默认：text］”, “［必填］”."""
    found = _EXTRA.search(help_text)
    if found is None:
        return help_text
    note = found.group(1)
    for english, chinese in _EXTRA_ZH:
        note = note.replace(english, chinese)
    head = help_text[:found.start()]
    return f"{head}{'' if head and display_width(head[-1]) == 2 else ' '}［{note}］"  # no space after “。”



def _join_lines(lines: list[str]) -> str:
    """A docstring paragraph's lines as one line: joined by a space between Latin words, but with none
    where either side is Chinese (a space after “，” or between two characters is a stray gap)."""
    out = ""
    for line in (line.strip() for line in lines):
        if out and line and display_width(out[-1]) < 2 and display_width(line[0]) < 2:
            out += " "
        out += line
    return out



class _Formatter(click.HelpFormatter):
    """click's help formatter, measuring in display columns, with its words in Chinese where the
    user reads Chinese (用法：, 选项：, 命令：)."""

    def __init__(self, indent_increment: int = 2, width: int | None = None, max_width: int | None = None):
        super().__init__(indent_increment, width, max_width)
        self.zh = ui_language() == "zh"

    def _width(self, text: str) -> int:
        return display_width(text, _AMBIGUOUS)

    def _wrap(self, text: str, width: int, first: str = "", rest: str = "") -> list[str]:
        """`text` (paragraphs apart by blank lines; a paragraph after a line of `\\b` kept as it is,
        as click does) wrapped to `width` columns."""
        out: list[str] = []
        for block in re.split(r"\n\s*\n", text.expandtabs().strip("\n")):
            lines = block.splitlines()
            if lines and lines[0].strip() == "\b":
                out += [first + line for line in lines[1:]]
            else:
                extra = " " * (len(lines[0]) - len(lines[0].lstrip())) if lines else ""
                out += wrap_display(_join_lines(lines), width, first + extra, rest + extra, _AMBIGUOUS)
            out.append("")
        return out[:-1]

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = "用法：" if self.zh else "Usage: "
        head = f"{prefix:>{self.current_indent}}{prog} "
        if not args:
            self.write(head.rstrip(" ") + "\n")
            return
        if self.width - self.current_indent >= self._width(head) + 20:
            lines = wrap_display(args, self.width, head, " " * self._width(head), _AMBIGUOUS)
        else:
            indent = " " * (max(self.current_indent, self._width(prefix)) + 4)
            lines = [head.rstrip(" "), *wrap_display(args, self.width, indent, indent, _AMBIGUOUS)]
        self.write("\n".join(lines) + "\n")

    def write_heading(self, heading: str) -> None:
        if self.zh:
            self.write(f"{'':>{self.current_indent}}{_HEADINGS_ZH.get(heading, heading)}：\n")
        else:
            super().write_heading(heading)

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write("\n".join(self._wrap(text, self.width, indent, indent)) + "\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(first, second) for first, second, *_ in (tuple(r) + ("",) for r in rows)]
        first_col = min(max((self._width(first) for first, _ in rows), default=0), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if self._width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - self._width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = self._wrap(_extra_zh(second) if self.zh else second,
                               max(self.width - first_col - self.current_indent, 10))
            pad = " " * (first_col + self.current_indent)
            self.write("\n".join([lines[0], *(pad + line if line else "" for line in lines[1:])]) + "\n")



class _Context(click.Context):
    formatter_class = _Formatter



def _worded(option: click.Option | None) -> click.Option | None:
    """click's -h/--help option, saying what it does in the user's language."""
    if option is not None:
        option.help = "显示本帮助并退出。" if ui_language() == "zh" else "Show this message and exit."
    return option



class _Command(click.Command):
    """A command whose -h/--help says what it does in the user's language, and whose help is wrapped
    by display width."""

    context_class = _Context

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _worded(super().get_help_option(ctx))
