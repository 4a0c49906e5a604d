"""A progress bar for long batches: on a terminal only, on stderr, at most ten updates a second.

The line is measured in display columns (a Chinese character takes two) and never made longer than
the terminal is wide: a line one column too long wraps, and every later `\\r` frame then lands on a
new line instead of replacing the last. The speed and time left are shown only once they mean
something (a second gone and a file done): the first frame of a run used to say “0 个/秒 剩余约 0 秒”,
or a rate of thousands from one file done in a millisecond.
"""

from __future__ import annotations

import codecs
import os
import shutil
import sys
import time
from collections.abc import Callable
from typing import TextIO

from .textsafe import clip_display, display_width

MIN_SECONDS = 1.0  # before this, a rate is noise (the first file's start-up, a cached result)
BAR_WIDTH = 30  # columns of the bar itself at most; a narrow terminal gets a shorter one
_WIDE_ENCODINGS = {"gbk", "gb2312", "gb18030", "big5", "cp932", "shift_jis", "euc_jp", "cp949", "euc_kr"}


def _ambiguous_width(stream: TextIO) -> int:
    """Columns of an East Asian “ambiguous” character (the bar's █ and ─) on this stream: a Chinese
    Windows console (code page 936, GBK) draws them two columns wide, a UTF-8 terminal one."""
    try:
        name = codecs.lookup(getattr(stream, "encoding", None) or "utf-8").name
    except LookupError:
        return 1
    return 2 if name in _WIDE_ENCODINGS else 1


def _terminal_columns(stream: TextIO) -> int:
    """The width of the terminal the bar is drawn on: stderr's own (stdout may be a file or a pipe:
    `check … > 结果.txt`), else what `shutil` finds (COLUMNS, stdout), else 80."""
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        columns = 0
    if "COLUMNS" in os.environ or columns <= 0:  # a user's COLUMNS wins, as it does for shutil
        columns = shutil.get_terminal_size((80, 24)).columns
    return columns if columns > 0 else 80


def _seconds(left: float) -> str:
    if left < 90:
        return f"{max(1, round(left))} 秒"
    if left < 90 * 60:
        return f"{round(left / 60)} 分钟"
    return f"{left / 3600:.1f} 小时"


class Progress:
    """`update(done, total, …)` is the `progress` callback of `api.check`, `api.aggregate`,
    `api.annotate`, `api.build_for_roster` and `api.publish`.

    `clock` (seconds, monotonic) and `columns` (the terminal's width) are there for tests."""

    def __init__(self, stream: TextIO | None = None, label: str = "检查",
                 clock: Callable[[], float] = time.monotonic, columns: Callable[[], int] | None = None):
        self.total, self.done, self.label = 0, 0, label
        self.shown = False
        self.stream = stream or sys.stderr
        self.clock = clock
        self.columns = columns or (lambda: _terminal_columns(self.stream))
        self.start = self.clock()
        self.last: float | None = None  # when the last frame was drawn (None: none yet)
        self.drawn = 0  # display columns of the last frame: what `close` clears
        self.ambiguous = _ambiguous_width(self.stream)

    @staticmethod
    def wanted(stream: TextIO | None = None) -> bool:
        stream = stream or sys.stderr
        return hasattr(stream, "isatty") and stream.isatty()

    def stage(self, label: str) -> None:
        """A new stage of the same command (reading last year's files, then writing): its own label,
        and its own clock for the rate."""
        self.label, self.done, self.total = label, 0, 0
        self.start, self.last = self.clock(), None

    def update(self, done: int, total: int, *_: object) -> None:
        self.done, self.total = done, total
        now = self.clock()
        if self.last is not None and now - self.last < 0.1 and self.done < self.total:
            return
        self.last = now
        self._draw(self.frame(now))

    def say(self, text: str) -> None:
        """A frame that says what happens now, in words (`正在写出汇总工作簿…`), after the counted work."""
        self.last = self.clock()
        self._draw(self._fit(f"{self.label} {text}", "", ""))

    def frame(self, now: float) -> str:
        """The line for `now`, fitted to the terminal: label, count, bar, percentage, and the speed and
        time left once they mean something."""
        total = max(self.total, 1)
        head = f"{self.label} {self.done}/{self.total}"
        pct = f"{100 * self.done // total}%"
        elapsed = now - self.start
        tail = ""
        if self.done >= 1 and elapsed >= MIN_SECONDS and self.done < self.total:
            rate = self.done / elapsed
            shown = f"{rate:.1f}" if rate < 10 else f"{rate:.0f}"
            tail = f"  {shown} 个/秒  剩余约 {_seconds((self.total - self.done) / rate)}"
        return self._fit(head, pct, tail)

    def _fit(self, head: str, pct: str, tail: str) -> str:
        """head + bar + pct + tail in at most the terminal's width less one column (writing the last
        column makes some terminals wrap): the bar shrinks first, then the tail goes, then the bar."""
        room = max(self.columns() - 1, 10)
        cell = self.ambiguous  # columns of one bar character

        def width(text: str) -> int:
            return display_width(text, cell)

        fixed = width(head) + (width(pct) + 1 if pct else 0) + width(tail)
        cells = min(BAR_WIDTH, (room - fixed - 1) // cell) if pct else 0
        if pct and cells < 5 and tail:
            tail = ""
            fixed = width(head) + width(pct) + 1
            cells = min(BAR_WIDTH, (room - fixed - 1) // cell)
        if cells >= 5:
            filled = cells * self.done // max(self.total, 1)
            bar = "█" * filled + "─" * (cells - filled)  # both in GBK: a Chinese Windows console shows them
            line = f"{head} {bar} {pct}{tail}"
        else:
            line = f"{head} {pct}".rstrip() if pct else head
        return clip_display(line, room, cell)

    def _draw(self, line: str) -> None:
        width = display_width(line, self.ambiguous)
        pad = " " * max(self.drawn - width, 0)  # a shorter frame must not leave the last one's end behind
        self.stream.write(f"\r{line}{pad}")
        self.stream.flush()
        self.shown, self.drawn = True, max(width, self.drawn)

    def close(self) -> None:
        if not self.shown:
            return
        self.stream.write("\r" + " " * self.drawn + "\r")
        self.stream.flush()
        self.shown, self.drawn = False, 0
