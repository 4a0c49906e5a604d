"""Check one returned workbook: preflight → read → identify → integrity · inputs · computed · rules.

Everything wrong with a file is a finding; nothing here raises for bad input. The file is opened
read-only and nothing is written next to it.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..findings import FileReport, Finding, make, sort_findings
from ..template import registry
from ..template.registry import Template
from .computed import check_computed
from .extract import Identity, identify
from .inputs import check_inputs
from .integrity import check_integrity
from .preflight import preflight_path
from .reader import ExtractedWorkbook, ReadError, read_parts
from .rules import check_rules


@dataclass(frozen=True)
class Checked:
    """A checked file: its report plus what later stages (prior year, roll-up) need."""

    report: FileReport
    template: Template | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    bad_inputs: frozenset[str] = frozenset()
    values: dict[str, Any] = field(default_factory=dict)  # inputs + every formula, recomputed from the template


def load(path: str | Path) -> tuple[ExtractedWorkbook | None, Finding | None]:
    """Preflight and read; a problem comes back as an `unreadable-file` / `unsafe-content` finding.

    A workbook with linked content comes back together with its finding: it is refused, but
    reading it is safe, and the checker still says whose file it is and what else is wrong.
    """
    pre = preflight_path(path)
    problem = None
    if pre.problem is not None:
        p = pre.problem
        problem = make(p.code, detail_zh=f"{p.detail_zh.rstrip('。')}（{p.reason}）",
                       detail_en=f"{p.detail_en.rstrip('.')} ({p.reason})", actual=p.reason)
    if pre.parts is None:
        return None, problem
    # parts with a problem: linked content, refused but safe to parse, so the file is still identified
    try:
        return read_parts(pre.parts), problem
    except ReadError as exc:
        return None, make("unreadable-file", detail_zh=f"{exc.detail_zh.rstrip('。')}（{exc.reason}）",
                          detail_en=f"{exc.detail_en} ({exc.reason})", actual=exc.reason)


def _template_for(ident: Identity, forced: Template | None) -> tuple[Template | None, Finding | None]:
    if forced is not None:
        if ident.template_id == forced.spec.id and ident.version and ident.version != forced.spec.version:
            return forced, _mismatch(ident.version, forced)
        return forced, None
    t = registry.find_by_id(ident.template_id) if ident.template_id else None
    if t is None:
        claimed = ident.template_id or "无"
        return None, make("unknown-template", actual=ident.template_id,
                          detail_zh=f"文件属性中的模板 ID 为“{claimed}”", detail_en=f"the file claims template “{claimed}”")
    if ident.version != t.spec.version:
        return t, _mismatch(ident.version, t)
    if ident.fingerprint and ident.fingerprint != t.spec.fingerprint:
        return t, make("template-version-mismatch", expected=t.spec.fingerprint, actual=ident.fingerprint,
                       detail_zh="版本号相同但模板指纹不同（模板被修改过）", detail_en="same version, different template fingerprint")
    return t, None


def _mismatch(version: str | None, t: Template) -> Finding:
    return make("template-version-mismatch", expected=t.spec.version, actual=version,
                detail_zh=f"工作簿为 {version or '未知'} 版，检查模板为 {t.spec.version} 版",
                detail_en=f"the workbook is version {version or 'unknown'}, the template is {t.spec.version}")


def _prior_findings(t: Template, recomputed: dict[str, Any], bad: set[str] | frozenset[str],
                    prior: Checked) -> list[Finding]:
    if prior.template is None or prior.template.spec.id != t.spec.id:
        return []
    return check_rules(t.layout, t.recompute, recomputed, set(bad), t.recompute.dependencies, prior.values,
                       set(prior.bad_inputs), current=False)


def with_prior(checked: Checked, prior: Checked) -> Checked:
    """A checked file plus its year-on-year findings against last year's checked workbook.

    Only the prior-year rules are evaluated: everything else about the file is already known.
    """
    t = checked.template
    if t is None:
        return checked
    extra = _prior_findings(t, checked.values, checked.bad_inputs, prior)
    if not extra:
        return checked
    report = replace(checked.report, findings=sort_findings(checked.report.findings + tuple(extra)))
    return replace(checked, report=report)


def check_workbook(path: str | Path, template: Template | None = None,
                   prior: Checked | None = None) -> Checked:
    """Check one file. Never raises for a bad file; a bug of ours becomes a `checker-error` finding."""
    try:
        return _check(path, template, prior)
    except Exception as exc:  # our own bug: keep the batch going, but say so loudly
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return Checked(FileReport(str(path), None, (make("checker-error", detail_zh=detail, detail_en=detail),)))


def _check(path: str | Path, forced: Template | None, prior: Checked | None) -> Checked:
    wb, linked = load(path)
    if wb is None:
        assert linked is not None
        return Checked(FileReport(str(path), None, (linked,)))
    early = [linked] if linked else []
    ident = identify(wb)
    t, problem = _template_for(ident, forced)
    claimed = ident.template_id
    if t is None or problem is not None:
        info = {"id": t.spec.id, "version": t.spec.version} if t else None
        return Checked(FileReport(str(path), info, sort_findings(early + ([problem] if problem else [])),
                                  saved_by=wb.saved_by, claimed_template=claimed))
    layout, engine = t.layout, t.recompute
    findings, broken, touched = check_integrity(layout, wb)
    findings = early + findings
    input_findings, inputs, bad = check_inputs(layout, wb, broken)
    findings += input_findings
    recomputed = engine.compute(inputs)
    depends = engine.dependencies
    findings += check_computed(layout, wb, recomputed, touched, broken, depends, bad)
    findings += check_rules(layout, engine, recomputed, bad, depends)
    if prior is not None:
        findings += _prior_findings(t, recomputed, bad, prior)
    unit = inputs.get(t.spec.unit_field) if t.spec.unit_field else None
    year = inputs.get(t.spec.year_field) if t.spec.year_field else None
    report = FileReport(
        str(path), {"id": t.spec.id, "version": t.spec.version}, sort_findings(findings),
        unit=str(unit) if isinstance(unit, str) and unit.strip() else None,
        year=int(year) if isinstance(year, float) and year.is_integer() else None,
        saved_by=wb.saved_by, claimed_template=claimed,
    )
    return Checked(report, t, inputs, frozenset(bad), recomputed)
