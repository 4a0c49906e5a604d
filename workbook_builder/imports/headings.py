"""S1: the six section headings of a published report against the template's official words."""

from __future__ import annotations

from ..findings import Finding
from ..spec.model import TemplateSpec


def check_headings(spec: TemplateSpec, headings: tuple[tuple[str, str], ...]) -> list[Finding]:
    """`published-heading` for a heading missing, misspelt or out of order."""
    return []
