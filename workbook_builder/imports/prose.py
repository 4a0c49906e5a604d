"""TX: the figures a report's prose states against its tables, as the template declares them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..findings import Finding
from ..spec.model import TemplateSpec


def check_prose(spec: TemplateSpec, prose: Mapping[str, str], values: Mapping[str, Any],
                bad: set[str]) -> list[Finding]:
    """`published-prose-mismatch` for a figure the tables contradict."""
    return []
