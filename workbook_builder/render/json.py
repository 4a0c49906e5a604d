"""A check run as JSON following a versioned schema (`schema`: "workbook-builder/check/1")."""

from __future__ import annotations

import json
from typing import Any

from ..batch.result import CheckRun
from ..batch.roster import RosterResult
from ..check.result import FileResult

SCHEMA = "workbook-builder/check/1"


def file_dict(report: FileResult, lang: str = "zh") -> dict[str, Any]:
    return {
        "path": report.path,
        "valid": report.valid,
        "template": report.template.as_dict() if report.template else None,
        "unit": report.unit,
        "year": report.year,
        "saved_by": report.saved_by,
        "counts": report.counts(),
        "findings": [f.as_dict(lang) for f in report.findings],
    }


def render(run: CheckRun, lang: str = "zh") -> str:
    doc: dict[str, Any] = {"schema": SCHEMA, "files": [file_dict(r, lang) for r in run.files],
                           "roster": roster_dict(run.roster),
                           "skipped": [{"path": p, "why": why} for p, why in run.skipped]}
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str)


def roster_dict(result: RosterResult) -> dict[str, Any]:
    return {
        "expected": result.expected,
        "missing": list(result.missing),
        "duplicates": [{"unit": u, "year": y, "paths": list(ps)} for u, y, ps in result.duplicates],
        "unexpected": [{"unit": u, "path": p} for u, p in result.unexpected],
        "unreadable": [{"unit": u, "path": p} for u, p in result.unreadable],
    }
