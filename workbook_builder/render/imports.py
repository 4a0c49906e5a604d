"""Imported published reports shown to people (text) and to programs (JSON, `workbook-builder/import/1`).

Text: per file one line saying what was read (`已读取 148/153 项（2 项含糊，3 项空白）`), then its
findings, one a line, Chinese first. JSON: per file its path, kind, the template id it was read as,
unit, year, `values` (every table data point: a number, or null when it was not read as one), `cells`
(per data point: status, the raw text, where it was found) and the findings.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

from ..imports import match
from ..imports.model import STATUSES, ImportResult
from ..template import registry
from ..textsafe import clean_text, display_path
from .finding_lines import finding_lines

SCHEMA = "workbook-builder/import/1"

_KIND = {"zh": {"text": "文本", "html": "网页", "docx": "Word 文档", "pdf": "PDF"},
         "en": {"text": "text", "html": "HTML", "docx": "Word", "pdf": "PDF"}}
# what a cell that is not a value is called in the recovery line, in the order it is listed
_NOT_READ = {"zh": {"ambiguous": "含糊", "blank": "空白", "slash": "写“/”等", "missing": "缺行"},
             "en": {"ambiguous": "ambiguous", "blank": "blank", "slash": "“/” or the like", "missing": "missing"}}
_SURROGATE = re.compile("[\ud800-\udfff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def statuses(result: ImportResult) -> dict[str, int]:
    """How many data points have each status (value, blank, slash, ambiguous, missing)."""
    counts = Counter(c.status for c in result.cells.values())
    return {s: counts.get(s, 0) for s in STATUSES}


def recovery(result: ImportResult, lang: str = "zh") -> str:
    """`已读取 148/153 项（2 项含糊，3 项空白）`: what was read as a number for certain, and the rest."""
    counts = statuses(result)
    total = sum(counts.values())
    rest = [(n, word) for s, word in _NOT_READ[lang].items() if (n := counts[s])]
    if lang == "zh":
        tail = "，".join(f"{n} 项{word}" for n, word in rest)
        return f"已读取 {counts['value']}/{total} 项" + (f"（{tail}）" if tail else "")
    tail = ", ".join(f"{n} {word}" for n, word in rest)
    return f"read {counts['value']}/{total} data points" + (f" ({tail})" if tail else "")


def tables_read(result: ImportResult) -> bool:
    """Whether a report's tables were read: a file with no table of the report in it (a note, an empty
    file: `import-not-a-report`) is matched against a template too, but nothing of it was read."""
    return result.template is not None and not any(f.code == "import-not-a-report" for f in result.findings)


def read_as(kind: str | None, template_id: str | None, codes: Sequence[str], lang: str = "zh") -> str | None:
    """`网页，按 2021年格式读取` for a published report whose tables were read (check's head line, the HTML
    report); None for a workbook, a file not read, or one with no table of the report in it."""
    if not kind or not template_id or "import-not-a-report" in codes:
        return None
    form = format_name(template_id, lang, with_id=False)
    return f"{kind_name(kind, lang)}，按 {form}读取" if lang == "zh" else f"{kind_name(kind, lang)}, read as {form}"


def kind_name(kind: str | None, lang: str = "zh") -> str:
    """A published report's kind as a person names it: 网页, Word 文档 …"""
    return _KIND[lang].get(kind or "", kind or "")


def format_name(template_id: str, lang: str = "zh", with_id: bool = True) -> str:
    """`2021年格式（模板 gov_info_disclosure_2021）`: the format a report was read in,
    as the template's document section names it (a user knows "the 2019 trial format", not a template
    ID; the ID follows for `-t`, left out where a line is already long). A template that is not built in
    is named by its ID alone."""
    template = registry.find_by_id(template_id)
    if template is None or lang != "zh":
        return template_id if lang == "zh" else f"template {template_id}"
    name = match.format_name(template)
    return f"{name}（模板 {template_id}）" if with_id else name


def render_file(result: ImportResult, lang: str = "zh") -> str:
    """One file: its head line (path, unit and year, kind, template, recovery), then its findings."""
    path = display_path(result.path)
    who = " ".join(x for x in (result.unit, str(result.year) if result.year else None) if x)
    kind = kind_name(result.kind, lang)
    errors = sum(f.severity == "error" for f in result.findings)
    warnings = sum(f.severity == "warning" for f in result.findings)
    if result.template is None:
        head = (f"{path}：未能读取，错误 {errors} 个" if lang == "zh" else f"{path}: not read, {errors} error(s)")
    elif not tables_read(result):  # not "read as the 2019 format, 0/198": there was no report to read
        head = (f"{path}：{kind}，没有读出统计表，错误 {errors} 个" if lang == "zh"
                else f"{path}: {kind}, no table read, {errors} error(s)")
    elif lang == "zh":
        head = (f"{path}{f'（{who}）' if who else ''}：{kind}，按 {format_name(result.template.id)}读取；{recovery(result, lang)}；"
                f"错误 {errors} 个，警告 {warnings} 个")
    else:
        head = (f"{path}{f' ({who})' if who else ''}: {kind}, read as {format_name(result.template.id, lang)}; {recovery(result, lang)}; "
                f"{errors} error(s), {warnings} warning(s)")
    return "\n".join([clean_text(head), *finding_lines(result.findings, lang)])


# the closing lines of `render_text`, per language
_TOTALS = {
    "zh": {"all": "共导入 {files} 个文件：读出统计表 {read} 个，共读取 {value}/{total} 项。",
           "kinds": "按文件类型：{}。", "kind": "{kind} {n} 个 {v}/{t} 项", "sep": "，",
           "skipped": "已跳过不是已发布报告的文件 {n} 个：{names}。"},
    "en": {"all": "{files} file(s) imported: tables read in {read}, {value}/{total} data points read.",
           "kinds": "By kind: {}.", "kind": "{kind} {n} file(s) {v}/{t}", "sep": ", ",
           "skipped": "Skipped {n} file(s) that are no published report: {names}."},
}


def render_text(results: Sequence[ImportResult], lang: str = "zh",
                skipped: Sequence[tuple[str, str]] = (), quiet: bool = False) -> str:
    """Every file, then one line of totals (and the files of the folders that were not imported);
    `quiet` lists only the files with an error (those that make `import` exit 1), the totals still
    counting every file."""
    parts = [render_file(r, lang) for r in results
             if not quiet or any(f.severity == "error" for f in r.findings)]
    read = [r for r in results if tables_read(r)]
    value = sum(statuses(r)["value"] for r in read)
    total = sum(len(r.cells) for r in read)
    kinds = by_kind(read)
    words = _TOTALS[lang]
    parts.append(words["all"].format(files=len(results), read=len(read), value=value, total=total))
    if len(kinds) > 1:
        parts.append(words["kinds"].format(words["sep"].join(
            words["kind"].format(kind=_KIND[lang].get(k, k), n=n, v=v, t=t) for k, (n, v, t) in kinds.items())))
    if skipped:
        parts.append(words["skipped"].format(n=len(skipped), names=_names(skipped)))
    return "\n".join(clean_text(p) if "\n" not in p else p for p in parts)


def by_kind(results: Sequence[ImportResult]) -> dict[str, tuple[int, int, int]]:
    """Per kind of file (text, html, docx, pdf): files, data points read as a value, data points in all."""
    out: dict[str, tuple[int, int, int]] = {}
    for r in results:
        n, v, t = out.get(r.kind or "", (0, 0, 0))
        out[r.kind or ""] = (n + 1, v + statuses(r)["value"], t + len(r.cells))
    return dict(sorted(out.items()))


def _names(skipped: Sequence[tuple[str, str]]) -> str:
    paths = [p for p, _ in skipped]
    return "、".join(display_path(PurePath(p).name) for p in paths[:5]) + ("等" if len(paths) > 5 else "")


def file_dict(result: ImportResult, lang: str = "zh") -> dict[str, Any]:
    """One imported file for programs: every table data point's value and cell, and the findings."""
    return {
        "path": display_path(result.path),
        "kind": result.kind,
        "template": result.template.id if result.template else None,
        "template_version": result.template.version if result.template else None,
        "unit": result.unit,
        "year": result.year,
        "counts": statuses(result),
        "values": dict(result.values),
        "cells": {dp: cell.as_dict() for dp, cell in result.cells.items()},
        "findings": [f.as_dict(lang) for f in result.findings],
    }


def render_json(results: Sequence[ImportResult], lang: str = "zh", ascii_only: bool = False,
                skipped: Sequence[tuple[str, str]] = ()) -> str:
    """The import as a JSON document (`schema`: workbook-builder/import/1); `ascii_only` escapes every
    non-ASCII character, for an output that cannot carry all of Unicode (a GBK console)."""
    doc = {"schema": SCHEMA, "files": [file_dict(r, lang) for r in results],
           "skipped": [{"path": display_path(p), "why": why} for p, why in skipped]}
    text = json.dumps(doc, ensure_ascii=False, indent=2, default=str)
    text = _SURROGATE.sub(lambda m: clean_text(m.group(0)).replace("\\", "\\\\"), text)
    return _NON_ASCII.sub(lambda m: json.dumps(m.group(0))[1:-1], text) if ascii_only else text
