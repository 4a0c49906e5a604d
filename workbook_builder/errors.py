"""The exceptions this package raises on purpose, under one base.

Bad *files* are never exceptions: they are findings (see `findings`). Exceptions are for two things:
- `UsageError`: the user asked for something that cannot be done (an invalid template, a data file,
  roster or output path that cannot be used, files that cannot be rolled up together). The message
  says why and how to fix it, in Chinese; the command line prints it and exits with code 2.
- internal signals that one stage raises and the next turns into a finding or a fallback (a part that
  cannot be read, a formula our evaluator does not support); they never reach the user as such.
Anything else that escapes is our own bug.
"""

from __future__ import annotations


class WorkbookBuilderError(Exception):
    """Base of every exception the package raises on purpose."""


class UsageError(WorkbookBuilderError):
    """A request that cannot be carried out; `str(error)` is the Chinese message for the user."""


class WorkerLost(UsageError):
    """A checking process ended before its files were done (killed, or out of memory). Not a bug of the
    files nor of the request: the results that came back are kept (and recorded, with a store), and a
    second run finishes the rest."""

    def __init__(self, done: int, total: int):
        self.done, self.total = done, total
        super().__init__(f"检查进程意外结束（可能被结束或内存不足），检查没有完成：已完成 {done}/{total} 个文件。"
                         "请关闭其他占用内存的程序后再运行一次")

