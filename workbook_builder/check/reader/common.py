"""Small helpers the part readers share: booleans and numbers as OOXML writes them."""

from __future__ import annotations

import math

TRUE = frozenset({"1", "true"})
FALSE = frozenset({"0", "false"})


def is_true(v: str | None) -> bool:
    """An xsd:boolean attribute that says true ('1', 'true', any case, spaces around)."""
    return v is not None and v.strip().lower() in TRUE


def to_float(text: str) -> float | str:
    """Float for an xsd:double-looking number; the raw text otherwise
    (Python's float() also takes 'nan', 'inf' and '1_000')."""
    try:
        f = float(text)
    except ValueError:
        return text
    if "_" in text or not math.isfinite(f):
        return text
    return f
