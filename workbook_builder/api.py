"""The public Python API: the only place that knows the order of the stages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .batch.paths import expand_paths
from .build.prefill import check_given_formulas, prepare_inputs, read_data_file
from .build.writer import write_workbook
from .check.extract import export_values, identify
from .errors import UsageError
from .outfile import write_atomic
from .template import registry
from .template.registry import Template


class UnreadableWorkbook(UsageError):
    """A workbook that cannot be exported (the checker reports such files as findings instead)."""


def list_templates() -> list[dict[str, str]]:
    """The built-in templates: id, version, title and path."""
    out = []
    for template_id, path in registry.builtin_template_paths().items():
        t = registry.resolve(str(path))
        out.append({"id": template_id, "version": t.spec.version, "title": t.spec.title.zh, "path": str(path)})
    return out


def build(template: str | None = None, data: Mapping[str, Any] | str | Path | None = None,
          password: str | None = None, strict: bool = True) -> bytes:
    """Build a workbook from a template (built-in id or YAML path), optionally pre-filled.

    `data` maps data point IDs to values, or names a .json/.yaml file of them. Every formula's
    cached value is computed from these inputs by our engine.
    """
    t = registry.resolve(template)
    given = read_data_file(data) if isinstance(data, (str, Path)) else dict(data or {})
    inputs = prepare_inputs(t.layout, given, strict=strict)
    values = t.recompute.compute(inputs)
    check_given_formulas(t.layout, given, values)
    return write_workbook(t.layout, values, password)


def build_file(out: str | Path, template: str | None = None, data: Mapping[str, Any] | str | Path | None = None,
               password: str | None = None) -> Path:
    """Build and write atomically to `out` (a temporary file in the same folder, then renamed)."""
    out = Path(out)
    write_atomic(out, build(template, data, password))
    return out


def open_workbook(path: str | Path):  # type: ignore[no-untyped-def]
    """Preflight and read a workbook; raise `UnreadableWorkbook` with a Chinese reason."""
    from .check.workbook import load

    wb, problem = load(path)  # the checker's own preflight → read; any problem (links too) refuses
    if wb is None or problem is not None:
        raise UnreadableWorkbook(f"{path}：{problem.detail_zh if problem else '无法读取'}")
    return wb


def export(path: str | Path, template: str | None = None) -> dict[str, Any]:
    """Every data point's value and cell, read from the file (inputs and formula cells alike)."""
    wb = open_workbook(path)
    t: Template | None = registry.resolve(template) if template else None
    if t is None:
        ident = identify(wb)
        t = registry.find_by_id(ident.template_id) if ident.template_id else None
        if t is None:
            raise UnreadableWorkbook(f"{path}：不是由本工具的模板生成的工作簿（可用 --template 指定模板）")
    from .check.integrity import check_integrity

    moved = [f for f in check_integrity(t.layout, wb)[0] if f.code == "structure-changed"]
    if moved:
        raise UnreadableWorkbook(f"{path}：工作簿结构被改动，数据不在模板规定的位置，无法可靠导出（{moved[0].message()}）")
    return {
        "template": {"id": t.spec.id, "version": t.spec.version},
        "values": export_values(wb, t.layout),
        "cells": {dp: c.ref for dp, c in t.layout.by_id.items()},
    }


# ---------------------------------------------------------------- checking

def check_file(path: str | Path, template: str | None = None, prior: str | Path | None = None):  # type: ignore[no-untyped-def]
    """Check one workbook; returns its `FileReport` (see `check_files` for batches)."""
    return check_files([path], template=template, prior=prior, jobs=1)[0]


def check_files(paths: Sequence[str | Path], template: str | None = None, prior: str | Path | None = None,
                jobs: int | None = None, progress=None):  # type: ignore[no-untyped-def]
    """Check many workbooks, in parallel on `jobs` processes (default: every core).

    One bad file never stops the batch; reports come back in the order of `paths`.
    `progress(report)` is called in this process as each file finishes.
    """
    from .batch.run import run_batch

    return [r for r, _ in run_batch(paths, template, prior, jobs, progress, want_inputs=False)]


# ---------------------------------------------------------------- roster builds and roll-up


def build_for_roster(roster_path: str | Path, out_dir: str | Path, template: str | None = None,
                     prior_dir: str | Path | None = None, year: int | None = None, password: str | None = None,
                     jobs: int | None = None) -> list[dict[str, Any]]:
    """One workbook per unit of the roster, named after the unit, pre-filled with its name (and
    year), and with last year's carry-overs taken from that unit's checked workbook of last year.

    Returns one record per unit: unit, path, and the prior workbook used (or None).
    """
    from .batch.roster import Roster
    from .batch.run import run_batch
    from .build.personalise import prefill_for, safe_filename

    t = registry.resolve(template)
    if not t.spec.unit_field:
        raise ValueError(f"模板 {t.spec.id} 没有声明单位名称字段（identity.unit），不能按名单生成")
    roster = Roster.read(roster_path)
    prior: dict[str, tuple[str, dict[str, Any], set[str], int | None]] = {}
    if prior_dir is not None:
        for report, extra in run_batch(expand_paths([str(prior_dir)]), template, None, jobs, want_inputs=True):
            if extra is None or not report.unit or not report.template or report.template["id"] != t.spec.id:
                continue
            if year is not None and report.year != year - 1:
                continue  # with --year, only last year's workbook carries over
            unit, known = report.unit.strip(), prior.get(report.unit.strip())
            if known is None or (report.year or 0) > (known[3] or 0):  # the latest year wins
                prior[unit] = (report.path, extra["inputs"], set(extra["bad"]), report.year)
    if year is None:  # one year for every unit: the year after the latest prior workbook
        years = [p[3] for p in prior.values() if p[3]]
        year = max(years) + 1 if years else None
    out_dir = Path(out_dir)
    records = []
    used: set[str] = set()
    for unit in roster.units:
        found = prior.get(unit)
        data = prefill_for(t.layout, t.spec.unit_field, unit, year,
                           found[1] if found else None, found[2] if found else set())
        name, n = safe_filename(unit), 1
        while name.casefold() in used:  # 甲/乙 and 甲_乙 would share a file name
            n += 1
            name = f"{safe_filename(unit)}_{n}"
        used.add(name.casefold())
        path = build_file(out_dir / f"{name}.xlsx", template, data, password)
        records.append({"unit": unit, "path": str(path), "prior": found[0] if found else None})
    return records


def aggregate(paths: Sequence[str | Path], out: str | Path, template: str | None = None,
              include_invalid: bool = False, data: Mapping[str, Any] | str | Path | None = None,
              jobs: int | None = None, progress=None):  # type: ignore[no-untyped-def]
    """Sum every input of the valid workbooks of one template (and year) into a new workbook.

    Raises `AggregateError` for mixed templates or years. Returns the `Rollup` (included and
    excluded files). The output records the included units in its document properties.
    """
    import json

    from .batch.aggregate import AggregateError, fill_text_inputs, rollup
    from .batch.run import run_batch

    checked = run_batch(paths, template, None, jobs, progress, want_inputs=True)
    ids = {r.template["id"] for r, _ in checked if r.template}
    if template is None and len(ids) > 1:
        raise AggregateError(f"工作簿来自不同的模板（{'、'.join(sorted(ids))}），不能汇总在一起")
    t = registry.resolve(template or (ids.pop() if ids else None))
    result = rollup(t.layout, checked, include_invalid)
    given = read_data_file(data) if isinstance(data, (str, Path)) else dict(data or {})
    units = [r.unit or Path(r.path).name for r in result.included]
    values = dict(result.values)
    fill_text_inputs(t.layout, values, given, units)
    inputs = prepare_inputs(t.layout, values)
    computed = t.recompute.compute(inputs)
    extra = {"aggregate_units": json.dumps(units, ensure_ascii=False), "aggregate_count": str(len(units))}
    content = write_workbook(t.layout, computed, None, extra_properties=extra)
    write_atomic(Path(out), content)
    return result


def write_output(out: str | Path, content: bytes) -> Path:
    """Write a report file atomically (never one of the checked files: the CLI refuses that)."""
    return write_atomic(out, content)


def annotate_reports(reports, out_dir: str | Path, lang: str = "zh",  # type: ignore[no-untyped-def]
                     protected: set[Path] | None = None) -> list[Path]:
    """For each readable file with findings, a copy in `out_dir` with the cells marked and commented.

    Copies are named `<name>.批注.xlsx` (a number is added when two inputs share a name); a copy
    never replaces a checked file.
    """
    from .batch.annotate import annotate_copy  # noqa: I001

    out_dir = Path(out_dir)
    protected = {p.resolve() for p in (protected or set())}
    written: list[Path] = []
    used: set[str] = set()
    from .batch.annotate import AnnotateError

    for report in reports:
        if not report.findings or report.template is None:
            continue  # nothing to mark, or a file we cannot read as ours
        if any(f.code == "unsafe-content" for f in report.findings):
            continue  # refused content (links, connections) is not copied, not even marked up
        stem = Path(report.path).stem
        name, n = f"{stem}.批注.xlsx", 1
        while name in used or (out_dir / name).resolve() in protected:
            n += 1
            name = f"{stem}.批注{n}.xlsx"
        used.add(name)
        try:
            written.append(annotate_copy(report.path, report.findings, out_dir / name, lang))
        except (AnnotateError, ValueError, OSError):
            continue  # one file we cannot copy must not lose the others' copies or the report
    return written
