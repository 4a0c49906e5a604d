"""Shared formulas: a child cell's own formula text, translated from its anchor by openpyxl.

openpyxl is never loaded except its formula ``Translator``, imported lazily the first time a
shared formula has to be expanded (checking a file without shared formulas stays cheap to start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...ooxml.refs import column_letter
from .model import ReadError

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl.formula.translate import Translator

__all__ = ["MAX_FORMULA_CHARS", "SHARED_FORMULA_BUDGET", "SharedFormulas"]

MAX_FORMULA_CHARS = 8192  # Excel's own limit on a formula's length
SHARED_FORMULA_BUDGET = 2_000_000  # characters of shared-formula text translated per sheet


class SharedFormulas:
    """Anchors of shared formulas of one sheet, expanded with openpyxl's
    Translator (imported lazily, one Translator per anchor)."""

    def __init__(self) -> None:
        self.anchors: dict[str, tuple[str, int, int]] = {}
        self._translators: dict[str, Translator | None] = {}
        self.budget = SHARED_FORMULA_BUDGET

    def expand(self, si: str, row: int, col: int) -> str | None:
        """Formula text of shared formula ``si`` at (row, col); None while its anchor is unknown,
        '' when it cannot be translated; `ReadError` (too-complex) past the budget."""
        anchor = self.anchors.get(si)
        if anchor is None:
            return None
        text, arow, acol = anchor
        if arow == row and acol == col:
            return text
        # Translating costs time in proportion to the anchor's length, once per child cell: a
        # small crafted file can ask for minutes of it. Excel writes formulas of at most 8192
        # characters; past that, or past a per-sheet budget, the file is refused as too complex.
        self.budget -= len(text)
        if len(text) > MAX_FORMULA_CHARS or self.budget < 0:
            raise ReadError("too-complex", part="")  # the sheet reader names the part
        if si not in self._translators:
            from openpyxl.formula.translate import Translator

            try:
                tr: Translator | None = Translator("=" + text, origin=f"{column_letter(acol)}{arow}")
            except Exception:
                tr = None
            self._translators[si] = tr
        translator = self._translators[si]
        if translator is None:
            return ""
        try:
            out = translator.translate_formula(f"{column_letter(col)}{row}")
        except Exception:  # reference pushed off the grid, odd tokens ...
            return ""
        return out[1:] if out.startswith("=") else out
