"""Reports as JSON following a versioned schema (`schema`: "workbook-builder/check/1")."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..findings import FileReport

SCHEMA = "workbook-builder/check/1"


def file_dict(report: FileReport, lang: str = "zh") -> dict[str, Any]:
    return {
        "path": report.path,
        "valid": report.valid,
        "template": report.template,
        "unit": report.unit,
        "year": report.year,
        "saved_by": report.saved_by,
        "counts": {s: report.count(s) for s in ("error", "warning", "info")},
        "findings": [f.as_dict(lang) for f in report.findings],
    }


def render(reports: Iterable[FileReport], lang: str = "zh", extra: dict[str, Any] | None = None) -> str:
    files = [file_dict(r, lang) for r in reports]
    doc: dict[str, Any] = {"schema": SCHEMA, "files": files}
    if extra:
        doc.update(extra)
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str)


def roster_dict(result) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {
        "expected": result.expected,
        "missing": list(result.missing),
        "duplicates": [{"unit": u, "year": y, "paths": list(ps)} for u, y, ps in result.duplicates],
        "unexpected": [{"unit": u, "path": p} for u, p in result.unexpected],
    }
