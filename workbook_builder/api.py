"""The public Python API: the only place that knows the order of the stages."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import templates
from .extract import export_values, identify
from .prefill import check_given_formulas, prepare_inputs, read_data_file
from .preflight import preflight_path
from .reader import ReadError, read_parts
from .templates import Template
from .writer import write_workbook


class UnreadableWorkbook(Exception):
    """A workbook that cannot be exported (the checker reports such files as findings instead)."""


def list_templates() -> list[dict[str, str]]:
    """The built-in templates: id, version, title and path."""
    out = []
    for template_id, path in templates.builtin_template_paths().items():
        t = templates.resolve(str(path))
        out.append({"id": template_id, "version": t.spec.version, "title": t.spec.title.zh, "path": str(path)})
    return out


def build(template: str | None = None, data: Mapping[str, Any] | str | Path | None = None,
          password: str | None = None, strict: bool = True) -> bytes:
    """Build a workbook from a template (built-in id or YAML path), optionally pre-filled.

    `data` maps data point IDs to values, or names a .json/.yaml file of them. Every formula's
    cached value is computed from these inputs by our engine.
    """
    t = templates.resolve(template)
    given = read_data_file(data) if isinstance(data, (str, Path)) else dict(data or {})
    inputs = prepare_inputs(t.layout, given, strict=strict)
    values = t.recompute.compute(inputs)
    check_given_formulas(t.layout, given, values)
    return write_workbook(t.layout, values, password)


def build_file(out: str | Path, template: str | None = None, data: Mapping[str, Any] | str | Path | None = None,
               password: str | None = None) -> Path:
    """Build and write atomically to `out` (a temporary file in the same folder, then renamed)."""
    content = build(template, data, password)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".wb-", suffix=".xlsx", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def open_workbook(path: str | Path):  # type: ignore[no-untyped-def]
    """Preflight and read a workbook; raise `UnreadableWorkbook` with a Chinese reason."""
    pre = preflight_path(path)
    if pre.problem or pre.parts is None:
        problem = pre.problem
        raise UnreadableWorkbook(f"{path}：{problem.detail_zh if problem else '无法读取'}")
    try:
        return read_parts(pre.parts)
    except ReadError as exc:
        raise UnreadableWorkbook(f"{path}：{exc.detail_zh}") from None


def export(path: str | Path, template: str | None = None) -> dict[str, Any]:
    """Every data point's value and cell, read from the file (inputs and formula cells alike)."""
    wb = open_workbook(path)
    t: Template | None = templates.resolve(template) if template else None
    if t is None:
        ident = identify(wb)
        t = templates.find_by_id(ident.template_id) if ident.template_id else None
        if t is None:
            raise UnreadableWorkbook(f"{path}：不是由本工具的模板生成的工作簿（可用 --template 指定模板）")
    return {
        "template": {"id": t.spec.id, "version": t.spec.version},
        "values": export_values(wb, t.layout),
        "cells": {dp: c.ref for dp, c in t.layout.by_id.items()},
    }


# ---------------------------------------------------------------- checking

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et")


def expand_paths(args: list[str]) -> list[Path]:
    """Files named, folders walked recursively, globs expanded; sorted and de-duplicated.

    Excel's lock files (`~$name.xlsx`) are skipped: they are not workbooks. Raises
    FileNotFoundError naming an argument that matches nothing.
    """
    import glob

    out: dict[Path, None] = {}
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            found = [p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in WORKBOOK_SUFFIXES]
        elif path.is_file():
            found = [path]
        elif any(ch in arg for ch in "*?["):
            found = [Path(p) for p in glob.glob(arg, recursive=True) if Path(p).is_file()]
        else:
            raise FileNotFoundError(arg)
        for p in sorted(found):
            if not p.name.startswith("~$"):
                out[p] = None
    return list(out)


def check_file(path: str | Path, template: str | None = None, prior: str | Path | None = None):  # type: ignore[no-untyped-def]
    """Check one workbook; returns its `FileReport` (see `check_files` for batches)."""
    return check_files([path], template=template, prior=prior, jobs=1)[0]


def check_files(paths: list[str | Path], template: str | None = None, prior: str | Path | None = None,
                jobs: int | None = None, progress=None):  # type: ignore[no-untyped-def]
    """Check many workbooks, in parallel on `jobs` processes (default: every core).

    One bad file never stops the batch; reports come back in the order of `paths`.
    `progress(report)` is called in this process as each file finishes.
    """
    from .batch import run_batch

    return [r for r, _ in run_batch(paths, template, prior, jobs, progress, want_inputs=False)]
