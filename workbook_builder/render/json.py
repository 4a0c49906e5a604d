"""A check run as JSON following a versioned schema (`schema`: "workbook-builder/check/1").

The document is always valid UTF-8 (or ASCII): paths are shown as `textsafe.display_path` gives them
(a byte that is not valid in the file system's encoding as the four characters `\\xb2`). Text read
from the files (units, values, labels) is kept as it is: JSON's own escapes carry control characters.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..batch.result import CheckRun
from ..batch.roster import RosterResult
from ..check.result import FileResult
from ..textsafe import clean_text, display_path

# a lone surrogate can only come from an undecodable path; one that slipped in through some other field
# would make the text unencodable, so it is shown as `display_path` shows it (inside a JSON string)
_SURROGATE = re.compile("[\ud800-\udfff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")  # only ever inside JSON strings, where `\\uXXXX` is an escape

SCHEMA = "workbook-builder/check/1"


def file_dict(report: FileResult, lang: str = "zh") -> dict[str, Any]:
    return {
        "path": display_path(report.path),
        "valid": report.valid,
        "template": report.template.as_dict() if report.template else None,
        "unit": report.unit,
        "year": report.year,
        "saved_by": report.saved_by,
        "published": report.published,
        "counts": report.counts(),
        "findings": [f.as_dict(lang) for f in report.findings],
    }


def render(run: CheckRun, lang: str = "zh", ascii_only: bool = False) -> str:
    """The run as a JSON document; `ascii_only` escapes every non-ASCII character (`\\u5e74`), for an
    output whose encoding cannot carry all of Unicode (a GBK console)."""
    doc: dict[str, Any] = {"schema": SCHEMA, "files": [file_dict(r, lang) for r in run.files],
                           "roster": roster_dict(run.roster),
                           "skipped": [{"path": display_path(p), "why": why} for p, why in run.skipped]}
    text = json.dumps(doc, ensure_ascii=False, indent=2, default=str)
    text = _SURROGATE.sub(lambda m: clean_text(m.group(0)).replace("\\", "\\\\"), text)
    return _NON_ASCII.sub(lambda m: json.dumps(m.group(0))[1:-1], text) if ascii_only else text


def roster_dict(result: RosterResult) -> dict[str, Any]:
    return {
        "expected": result.expected,
        "missing": list(result.missing),
        "duplicates": [{"unit": u, "year": y, "paths": [display_path(p) for p in ps]} for u, y, ps in result.duplicates],
        "unexpected": [{"unit": u, "path": display_path(p)} for u, p in result.unexpected],
        "unreadable": [{"unit": u, "path": display_path(p)} for u, p in result.unreadable],
    }
