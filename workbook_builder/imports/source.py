"""What a reader makes of a published report: its text in reading order, as paragraphs and tables.

Every reader (plain text, HTML, docx, PDF) produces the same `Source`, so the matcher never knows
which kind of file it reads. A reader keeps what the source says and where; it never interprets
figures. A refusal (a scan, a legacy .doc, a cap exceeded) is a `ReadProblem` with a finding code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Where:
    """Where a piece of text was found, for people: a line (text files), a page (PDF), or a table's
    row and column (HTML, docx). Numbers are 1-based, as people count."""

    line: int | None = None
    page: int | None = None
    table: int | None = None
    row: int | None = None
    col: int | None = None

    def describe(self) -> str:
        """`第2页 第12行`, `第3个表格 第5行第2列`: what a finding prints."""
        parts = []
        if self.page is not None:
            parts.append(f"第{self.page}页")
        if self.table is not None:
            parts.append(f"第{self.table}个表格")
        if self.row is not None:
            parts.append(f"第{self.row}行" + (f"第{self.col}列" if self.col is not None else ""))
        if self.line is not None:
            parts.append(f"第{self.line}行")
        return " ".join(parts)

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in (("line", self.line), ("page", self.page), ("table", self.table),
                                  ("row", self.row), ("col", self.col)) if v is not None}


@dataclass(frozen=True)
class Para:
    """A paragraph (HTML, docx) or one line (text, PDF) outside any table grid."""

    text: str
    where: Where


@dataclass(frozen=True)
class GridCell:
    """A table cell at its top-left grid position (0-based); a merged cell appears once, with spans.

    `text` is the cell's visible text: paragraphs and line breaks inside it joined with "\\n",
    non-breaking spaces made spaces; an empty cell has "" (kept: a blank is not a missing cell)."""

    text: str
    row: int
    col: int
    row_span: int = 1
    col_span: int = 1


@dataclass(frozen=True)
class Table:
    """A table grid: its cells in reading order (row by row, left to right)."""

    cells: tuple[GridCell, ...]
    n_rows: int
    n_cols: int
    where: Where  # `table` is the table's number in the source; `page` for a PDF table

    def rows(self) -> list[list[GridCell]]:
        """The cells of each grid row that start in it (merged cells only in their first row)."""
        out: list[list[GridCell]] = [[] for _ in range(self.n_rows)]
        for cell in self.cells:
            out[cell.row].append(cell)
        return out


Block = Para | Table


@dataclass(frozen=True)
class Source:
    """A published report as read: its kind (text|html|docx|pdf) and its blocks in reading order."""

    kind: str
    blocks: tuple[Block, ...]
    encoding: str | None = None  # text and HTML: the encoding the bytes were decoded from
    pages: int | None = None  # PDF


class ReadProblem(Exception):
    """A file that cannot be read as a published report: the finding it gets (code, reason, fields)."""

    def __init__(self, code: str, reason: str, **fields: Any) -> None:
        super().__init__(f"{code}/{reason}")
        self.code = code
        self.reason = reason
        self.fields = fields
