"""A progress bar for long batches: on a terminal only, on stderr, at most ten updates a second."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """`update(done, total)` is the `progress` callback of `api.check` and `api.aggregate`."""

    def __init__(self, stream: TextIO | None = None, label: str = "检查"):
        self.total, self.done, self.label = 0, 0, label
        self.shown = False
        self.stream = stream or sys.stderr
        self.start = self.last = time.monotonic()

    @staticmethod
    def wanted(stream: TextIO | None = None) -> bool:
        stream = stream or sys.stderr
        return hasattr(stream, "isatty") and stream.isatty()

    def update(self, done: int, total: int, *_: object) -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if now - self.last < 0.1 and self.done < self.total:
            return
        self.last = now
        rate = self.done / max(now - self.start, 1e-6)
        left = (self.total - self.done) / rate if rate else 0
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        bar = "█" * filled + "─" * (width - filled)  # both in GBK: a Chinese Windows console shows them
        pct = 100 * self.done // max(self.total, 1)
        self.shown = True
        self.stream.write(f"\r{self.label} {self.done}/{self.total} {bar} {pct}%  {rate:.0f} 个/秒  剩余约 {left:.0f} 秒 ")
        self.stream.flush()

    def close(self) -> None:
        if not self.shown:
            return
        self.stream.write("\r" + " " * 90 + "\r")
        self.stream.flush()
