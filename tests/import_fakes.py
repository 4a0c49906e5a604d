"""Stand-ins for the reader, matcher and published checks (imports.read/sniff/match/published), so the
integration's plumbing is tested before (and apart from) the real ones: a "report" is a text file
whose first line is `FAKE-REPORT 单位 年度` and whose other lines are `data.point=value` (`/` for a slash)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from workbook_builder.check.result import FileResult, TemplateRef
from workbook_builder.findings import make
from workbook_builder.imports.model import CellRead, Reading
from workbook_builder.imports.source import Para, ReadProblem, Source, Where

MAGIC = b"FAKE-REPORT"


def _sniff(head: bytes) -> str:
    if head.startswith(b"PK") and b"xl/" in head:
        return "xlsx"
    if head.startswith(b"PK"):
        return "docx"
    if head.startswith(b"%PDF"):
        return "pdf"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "other"
    return "text"


def _is_report_file(path: str | Path) -> bool:
    return Path(path).read_bytes()[:64].startswith(MAGIC) or Path(path).read_bytes().startswith(b"%PDF")


def _read_source(path: str | Path) -> Source:
    data = Path(path).read_bytes()
    if data.startswith(b"%PDF"):
        raise ReadProblem("import-no-text", "scan", pages=1)
    lines = data.decode("utf-8").splitlines()
    return Source("text", tuple(Para(line, Where(line=i + 1)) for i, line in enumerate(lines)))


def _read_report(source: Source, templates, unit=None, year=None) -> Reading:  # type: ignore[no-untyped-def]
    t = next((t for t in templates if t.spec.id.endswith("2021")), templates[0])
    head = source.blocks[0].text.split() if source.blocks else []
    if not head or head[0] != MAGIC.decode():
        return Reading(t.spec.id, None, None, {}, findings=(make("import-not-a-report", "empty"),))
    given = dict(b.text.split("=", 1) for b in source.blocks[1:] if "=" in b.text)
    cells = {}
    cover = t.layout.by_id[t.spec.unit_field].sheet
    for c in t.layout.by_id.values():
        if c.sheet != cover and (c.kind == "formula" or (c.input is not None and c.input.type in ("whole", "decimal"))):
            raw = given.get(c.datapoint, "0")
            where = "第1行"
            cells[c.datapoint] = (CellRead("slash", raw, where) if raw == "/" else
                                  CellRead("value", raw, where, float(raw)))
    return Reading(t.spec.id, unit or head[1], year or int(head[2]), cells)


def _check_reading(reading: Reading, template) -> FileResult:  # type: ignore[no-untyped-def]
    layout = template.layout
    inputs = {dp: c.value for dp, c in reading.cells.items() if c.status == "value" and layout.by_id[dp].kind == "input"}
    if template.spec.unit_field and reading.unit:
        inputs[template.spec.unit_field] = reading.unit
    values = template.recompute.compute(inputs)
    findings = [make("published-not-a-number", "slash", raw=c.raw, cell=c.where, datapoint=dp)
                for dp, c in reading.cells.items() if c.status == "slash"]
    return FileResult("", TemplateRef(template.spec.id, template.spec.version), tuple(findings), unit=reading.unit,
                      year=reading.year, values=values,
                      invalid_inputs=frozenset(dp for dp, c in reading.cells.items() if c.status != "value"))


def install(monkeypatch: pytest.MonkeyPatch, checks: bool = False) -> None:
    """Put the stand-ins in place of the reader and matcher (and of the published checks with
    `checks`), whether the real ones are there or not: the plumbing is tested on its own."""
    import importlib

    parts = {"sniff": {"sniff": _sniff, "is_report_file": _is_report_file}, "read": {"read_source": _read_source},
             "match": {"read_report": _read_report}}
    if checks:
        parts["published"] = {"check_reading": _check_reading}
    for name, attrs in parts.items():
        full = f"workbook_builder.imports.{name}"
        try:
            module = importlib.import_module(full)
        except ImportError:
            module = types.ModuleType(full)
            monkeypatch.setitem(sys.modules, full, module)
        for k, v in attrs.items():
            monkeypatch.setattr(module, k, v, raising=False)


def write_report(path: Path, unit: str = "甲镇", year: int = 2023, **values: str) -> Path:
    lines = [f"{MAGIC.decode()} {unit} {year}", *(f"{k}={v}" for k, v in values.items())]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
