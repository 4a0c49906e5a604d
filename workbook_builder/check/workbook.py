"""Check one returned workbook: preflight → read → identify → integrity · inputs · computed · rules.

Everything wrong with a file is a finding; nothing here raises for bad input. The file is opened
read-only and nothing is written next to it.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from ..findings import Code, Finding, make
from ..template import registry
from ..template.registry import Template
from .computed import check_computed
from .extract import Identity, identify
from .inputs import check_inputs
from .integrity import check_integrity
from .preflight import preflight_path
from .reader import ExtractedWorkbook, ReadError, read_parts
from .result import FileResult, TemplateRef
from .rules import check_rules


def load(path: str | Path) -> tuple[ExtractedWorkbook | None, Finding | None]:
    """Preflight and read; a problem comes back as an `unreadable-file` / `unsafe-content` finding.

    A workbook with linked content comes back together with its finding: it is refused, but
    reading it is safe, and the checker still says whose file it is and what else is wrong.
    """
    pre = preflight_path(path)
    problem = None
    if pre.problem is not None:
        p = pre.problem
        problem = make(p.code, p.reason, actual=p.reason, **p.fields())
    if pre.parts is None:
        return None, problem
    # parts with a problem: linked content, refused but safe to parse, so the file is still identified
    try:
        return read_parts(pre.parts), problem
    except ReadError as exc:
        return None, make(Code.UNREADABLE_FILE, exc.reason, actual=exc.reason, **exc.params)


def _template_for(ident: Identity, forced: Template | None) -> tuple[Template | None, Finding | None]:
    if forced is not None:
        if ident.template_id == forced.spec.id and ident.version and ident.version != forced.spec.version:
            return forced, _mismatch(ident.version, forced)
        return forced, None
    t = registry.find_by_id(ident.template_id) if ident.template_id else None
    if t is None:
        return None, make(Code.UNKNOWN_TEMPLATE, "claims" if ident.template_id else "no-id", actual=ident.template_id)
    if ident.version != t.spec.version:
        return t, _mismatch(ident.version, t)
    if ident.fingerprint and ident.fingerprint != t.spec.fingerprint:
        return t, make(Code.TEMPLATE_VERSION_MISMATCH, "fingerprint", expected=t.spec.fingerprint,
                       actual=ident.fingerprint)
    return t, None


def _mismatch(version: str | None, t: Template) -> Finding:
    return make(Code.TEMPLATE_VERSION_MISMATCH, "version" if version else "no-version", expected=t.spec.version,
                actual=version)


def _prior_findings(t: Template, result: FileResult, prior: FileResult) -> list[Finding]:
    if prior.template is None or not prior.values:
        return []
    other = None
    if prior.template.id != t.spec.id:
        # last year's workbook of another built-in template (the 2020 report in the 2019 format, this
        # year's in the 2021 one): the rules over cells both templates have (上年结转 = 结转下年度)
        other = registry.find_by_id(prior.template.id)
        if other is None:
            return []
    return check_rules(t.layout, t.recompute, result.values, set(result.invalid_inputs), t.recompute.dependencies,
                       prior.values, set(prior.invalid_inputs), current=False,
                       prior_layout=other.layout if other else None,
                       prior_depends=other.recompute.dependencies if other else None)


def with_prior(result: FileResult, template: Template, prior: FileResult) -> FileResult:
    """A checked file plus its year-on-year findings against last year's checked workbook.

    Only the prior-year rules are evaluated: everything else about the file is already known.
    """
    if result.template is None or not result.values:
        return result
    extra = _prior_findings(template, result, prior)
    return result.with_findings(result.findings + tuple(extra)) if extra else result


def check_workbook(path: str | Path, template: Template | None = None) -> FileResult:
    """Check one file. Never raises for a bad file; a bug of ours becomes a `checker-error` finding."""
    try:
        return _check(path, template)
    except Exception as exc:  # our own bug: keep the batch going, but say so loudly
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return FileResult(str(path), None, (make(Code.CHECKER_ERROR, "exception", error=detail),))


def _check(path: str | Path, forced: Template | None) -> FileResult:
    wb, linked = load(path)
    if wb is None:
        assert linked is not None
        return FileResult(str(path), None, (linked,))
    early = [linked] if linked else []
    ident = identify(wb)
    t, problem = _template_for(ident, forced)
    claimed = ident.template_id
    if t is None or problem is not None:
        ref = TemplateRef(t.spec.id, t.spec.version) if t else None
        return FileResult(str(path), ref, tuple(early + ([problem] if problem else [])),
                          saved_by=wb.saved_by, claimed_template=claimed)
    layout, engine = t.layout, t.recompute
    findings, broken, touched = check_integrity(layout, wb)
    findings = early + findings
    input_findings, inputs, bad = check_inputs(layout, wb, broken)
    findings += input_findings
    recomputed = engine.compute(inputs)
    depends = engine.dependencies
    findings += check_computed(layout, wb, recomputed, touched, broken, depends, bad)
    findings += check_rules(layout, engine, recomputed, bad, depends)
    unit = inputs.get(t.spec.unit_field) if t.spec.unit_field else None
    year = inputs.get(t.spec.year_field) if t.spec.year_field else None
    return FileResult(
        str(path), TemplateRef(t.spec.id, t.spec.version), tuple(findings),
        unit=str(unit) if isinstance(unit, str) and unit.strip() else None,
        year=int(year) if isinstance(year, float) and year.is_integer() else None,
        saved_by=wb.saved_by, claimed_template=claimed,
        invalid_inputs=frozenset(bad), values=recomputed,
    )
