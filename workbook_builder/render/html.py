"""Reports as one self-contained HTML page: totals, a status table, the findings of every file, and charts.

The page loads nothing from anywhere: the CSS and the (optional) filter script are inline, the charts are
inline SVG drawn here, and a Content-Security-Policy meta forbids every network load. Everything that comes
from a returned workbook (unit names, labels, values, messages, paths) is untrusted and passes through
`_esc` (html.escape with quotes) whether it ends up in text or in an attribute. The same input always gives
the same page: no clocks, no randomness, and every ordering has a total tie-break.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..batch.roster import RosterResult
from ..findings import CATALOGUE, SEVERITY_ORDER, FileReport, Finding

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
UNREADABLE_CODES = ("unreadable-file", "unsafe-content")
SEVERITIES = ("error", "warning", "info")
TOP_CODES = 10

_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "title": "政府信息公开工作年度报告 填报检查结果",
        "title_year": "{year}年度政府信息公开工作年度报告 填报检查结果",
        "totals": "总体情况",
        "files": "检查文件",
        "valid": "通过",
        "invalid": "有错误",
        "warn_only": "仅有警告",
        "unreadable": "无法读取/不安全",
        "roster": "名单核对",
        "expected": "应报单位",
        "reported": "已报单位",
        "missing": "缺报",
        "duplicates": "重复",
        "unexpected": "名单外",
        "missing_list": "缺报单位",
        "duplicates_list": "重复报送（同一单位、同一年度有多个文件）",
        "unexpected_list": "不在名单中的单位",
        "none": "无",
        "status": "各单位检查结果",
        "unit": "单位",
        "year": "年度",
        "state": "结果",
        "pass": "通过",
        "fail": "未通过",
        "errors": "错误",
        "warnings": "警告",
        "infos": "提示",
        "first_error": "首个错误",
        "file": "文件",
        "files_col": "文件",
        "filter": "筛选：",
        "filter_placeholder": "单位或文件名",
        "only_failed": "只看未通过",
        "charts": "问题分布",
        "heat_title": "各单位不成立的规则（次数）",
        "heat_desc": "行为单位，列为规则编号，格内数字为该规则在该单位不成立的次数；红色为错误，橙色为警告，蓝色为提示。",
        "heat_none": "所有文件的勾稽规则均成立。",
        "total": "合计",
        "codes_title": "最常见的问题（按代码，次数）",
        "codes_none": "未发现任何问题。",
        "details": "各文件的检查明细",
        "template": "模板",
        "saved_by": "保存程序",
        "no_findings": "未发现问题。",
        "severity": "级别",
        "code": "代码",
        "cell": "单元格",
        "label": "标签",
        "rule": "规则",
        "expected_v": "应为",
        "actual_v": "实际",
        "message": "说明",
        "cells": "涉及单元格：",
        "back": "返回总表",
        "no_files": "没有检查任何文件。",
        "sev_error": "错误",
        "sev_warning": "警告",
        "sev_info": "提示",
        "dup_tag": "重复",
        "unexpected_tag": "名单外",
        "colon": "：",
        "paren": "（{n}）",
    },
    "en": {
        "html_lang": "en",
        "title": "Annual reports on government information disclosure: check results",
        "title_year": "Annual reports on government information disclosure {year}: check results",
        "totals": "Totals",
        "files": "Files checked",
        "valid": "Valid",
        "invalid": "With errors",
        "warn_only": "Warnings only",
        "unreadable": "Unreadable/unsafe",
        "roster": "Roster",
        "expected": "Units expected",
        "reported": "Units reported",
        "missing": "Missing",
        "duplicates": "Duplicates",
        "unexpected": "Not on roster",
        "missing_list": "Units that have not reported",
        "duplicates_list": "Duplicates (several files for the same unit and year)",
        "unexpected_list": "Units not on the roster",
        "none": "none",
        "status": "Status by unit",
        "unit": "Unit",
        "year": "Year",
        "state": "Status",
        "pass": "valid",
        "fail": "invalid",
        "errors": "Errors",
        "warnings": "Warnings",
        "infos": "Info",
        "first_error": "First error",
        "file": "File",
        "files_col": "Files",
        "filter": "Filter:",
        "filter_placeholder": "unit or file name",
        "only_failed": "invalid only",
        "charts": "Where things fail",
        "heat_title": "Failing rules by unit (count)",
        "heat_desc": "Rows are units, columns are rule ids, each number counts the failures of that rule in that unit; "
                     "red is an error, orange a warning, blue info.",
        "heat_none": "Every consistency rule holds in every file.",
        "total": "Total",
        "codes_title": "Most common findings (by code, count)",
        "codes_none": "No findings at all.",
        "details": "Findings by file",
        "template": "Template",
        "saved_by": "Saved by",
        "no_findings": "No findings.",
        "severity": "Severity",
        "code": "Code",
        "cell": "Cell",
        "label": "Label",
        "rule": "Rule",
        "expected_v": "Expected",
        "actual_v": "Actual",
        "message": "Message",
        "cells": "Cells involved: ",
        "back": "back to the status table",
        "no_files": "No files were checked.",
        "sev_error": "error",
        "sev_warning": "warning",
        "sev_info": "info",
        "dup_tag": "duplicate",
        "unexpected_tag": "not on roster",
        "colon": ": ",
        "paren": " ({n})",
    },
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

_CSS = """
:root{--err:#c62828;--warn:#e65100;--info:#1565c0;--ok:#2e7d32;--line:#d0d4da;--muted:#5f6670;--bg:#f6f7f9}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;padding:24px 32px 48px;font:14px/1.55 "Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",
"PingFang SC","Hiragino Sans GB","WenQuanYi Micro Hei",system-ui,sans-serif;color:#1d2127;background:#fff}
h1{font-size:22px;margin:0 0 16px}
h2{font-size:18px;margin:32px 0 12px;padding-bottom:4px;border-bottom:2px solid var(--line)}
h3{font-size:16px;margin:24px 0 8px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:0 0 8px;padding:0;list-style:none}
.card{min-width:120px;padding:10px 14px;border:1px solid var(--line);border-radius:6px;background:var(--bg)}
.card .n{display:block;font-size:24px;font-weight:700}
.card .k{color:var(--muted)}
.card.bad .n{color:var(--err)}.card.warn .n{color:var(--warn)}.card.good .n{color:var(--ok)}
table{border-collapse:collapse;width:100%;margin:8px 0 16px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:var(--bg);font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap}
.badge{display:inline-block;padding:0 8px;border-radius:10px;color:#fff;font-weight:600;white-space:nowrap}
.badge.pass{background:var(--ok)}.badge.fail{background:var(--err)}
.tag{display:inline-block;margin-left:6px;padding:0 6px;border:1px solid var(--warn);border-radius:8px;
color:var(--warn);font-size:12px}
.sev{font-weight:600;white-space:nowrap}
.sev-error{color:var(--err)}.sev-warning{color:var(--warn)}.sev-info{color:var(--info)}
tr.row-error td:first-child{border-left:4px solid var(--err)}
tr.row-warning td:first-child{border-left:4px solid var(--warn)}
tr.row-pass td:first-child{border-left:4px solid var(--ok)}
code{font-family:"Noto Sans Mono CJK SC","DejaVu Sans Mono",monospace;font-size:13px}
.muted{color:var(--muted)}
.meta{margin:0 0 8px;color:var(--muted)}
.meta span{margin-right:16px}
.lists{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:16px}
.lists ul{margin:4px 0;padding-left:20px}
.filters{margin:8px 0}
.filters input[type=search]{padding:3px 6px;min-width:220px}
.chart{overflow-x:auto;margin:8px 0 16px}
.chart svg{font-family:inherit}
table.findings th{white-space:nowrap}
table.findings td:nth-child(2){min-width:10em}table.findings td:nth-child(3){min-width:6em}
table.findings td:nth-child(4){min-width:8em}table.findings td:nth-child(5){min-width:4em}
table.findings td:nth-child(6),table.findings td:nth-child(7){min-width:3em}
section.file{border-top:1px solid var(--line);margin-top:16px}
@media print{.filters,.back{display:none}body{padding:0}}
"""

_SCRIPT = (
    "(function(){var box=document.getElementById('filters');if(!box){return;}box.hidden=false;"
    "var q=document.getElementById('filter-text'),only=document.getElementById('filter-failed');"
    "function apply(){var t=q.value.trim().toLowerCase();"
    "var rows=document.querySelectorAll('#status-table tbody tr');"
    "for(var i=0;i<rows.length;i++){var r=rows[i];"
    "var ok=(!only.checked||r.getAttribute('data-status')==='fail')&&"
    "(!t||r.textContent.toLowerCase().indexOf(t)>=0);r.hidden=!ok;}}"
    "q.addEventListener('input',apply);only.addEventListener('change',apply);})();"
)


# ----------------------------------------------------------------------------------------------- helpers


def _clean(value: Any) -> str:
    """Text without control characters or lone surrogates (they would break the page or its encoding)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _CONTROL.sub("\ufffd", str(value))


def _esc(value: Any, limit: int | None = None) -> str:
    """Escaped for text and for quoted attributes alike; optionally cut to `limit` characters."""
    text = _clean(value)
    if limit is not None:
        text = _cut(text, limit)
    return html.escape(text, quote=True)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _basename(path: str) -> str:
    return re.split(r"[\\/]", path)[-1] or path


def _name(report: FileReport) -> str:
    """The unit, or the file name when the unit is unknown."""
    unit = (report.unit or "").strip()
    return unit or _basename(report.path)


def _sev(severity: str) -> str:
    """A severity safe to use as a class name."""
    return severity if severity in SEVERITY_ORDER else "info"


def _sorted(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.cell or "", f.code))


def _message(finding: Finding, lang: str) -> str:
    try:
        return finding.message(lang)
    except KeyError:  # a code outside the catalogue: show what there is
        return " ".join(x for x in (finding.code, finding.detail_en if lang == "en" else finding.detail_zh) if x)


def _code_title(code: str, lang: str) -> str:
    entry = CATALOGUE.get(code)
    if entry is None:
        return code
    return entry.en if lang == "en" else entry.zh


def _natural(text: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text) if p)


def _text_width(text: str, size: float) -> float:
    """A rough width for laying out SVG text: wide (CJK) characters count as one em, others as 0.6."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def _unreadable(report: FileReport) -> bool:
    return any(f.code in UNREADABLE_CODES for f in report.findings)


def _status_key(item: tuple[int, FileReport]) -> tuple[Any, ...]:
    index, r = item
    warn_only = r.valid and r.count("warning") > 0
    group = 0 if not r.valid else (1 if warn_only else 2)
    return (group, -r.count("error"), -r.count("warning"), -r.count("info"), _name(r), r.year or 0, r.path, index)


# ----------------------------------------------------------------------------------------------- sections


def _totals(reports: Sequence[FileReport], roster: RosterResult | None, t: dict[str, str]) -> str:
    invalid = sum(not r.valid for r in reports)
    warn_only = sum(r.valid and r.count("warning") > 0 for r in reports)
    unreadable = sum(_unreadable(r) for r in reports)
    cards = [
        ("files", len(reports), ""),
        ("valid", len(reports) - invalid, "good"),
        ("invalid", invalid, "bad" if invalid else ""),
        ("warn_only", warn_only, "warn" if warn_only else ""),
        ("unreadable", unreadable, "bad" if unreadable else ""),
    ]
    out = [f'<section id="totals"><h2>{t["totals"]}</h2>', _cards("totals-cards", cards, t)]
    if roster is not None:
        out.append(_roster(reports, roster, t))
    out.append("</section>")
    return "\n".join(out)


def _cards(ident: str, cards: list[tuple[str, int, str]], t: dict[str, str]) -> str:
    items = "".join(
        f'<li class="card {cls}" data-key="{key}"><span class="n">{n}</span><span class="k">{t[key]}</span></li>'
        for key, n, cls in cards
    )
    return f'<ul class="cards" id="{ident}">{items}</ul>'


def _file_anchor(reports: Sequence[FileReport]) -> dict[str, str]:
    anchors: dict[str, str] = {}
    for i, r in enumerate(reports, 1):
        anchors.setdefault(r.path, f"file-{i}")
    return anchors


def _file_link(path: str, anchors: dict[str, str]) -> str:
    anchor = anchors.get(path)
    text = _esc(_basename(path))
    if anchor is None:
        return f'<span title="{_esc(path)}">{text}</span>'
    return f'<a href="#{anchor}" title="{_esc(path)}">{text}</a>'


def _roster(reports: Sequence[FileReport], roster: RosterResult, t: dict[str, str]) -> str:
    anchors = _file_anchor(reports)
    with_roster = roster.expected > 0 or bool(roster.missing) or bool(roster.unexpected)
    cards: list[tuple[str, int, str]] = []
    if with_roster:
        cards += [
            ("expected", roster.expected, ""),
            ("reported", max(roster.expected - len(roster.missing), 0), "good"),
            ("missing", len(roster.missing), "bad" if roster.missing else ""),
        ]
    cards.append(("duplicates", len(roster.duplicates), "warn" if roster.duplicates else ""))
    if with_roster:
        cards.append(("unexpected", len(roster.unexpected), "warn" if roster.unexpected else ""))
    out = [f'<h3>{t["roster"]}</h3>', _cards("roster-cards", cards, t), '<div class="lists">']
    none = f'<p class="muted">{t["none"]}</p>'
    if with_roster:
        items = "".join(f"<li><bdi>{_esc(u)}</bdi></li>" for u in roster.missing)
        out.append(f'<div id="missing"><h4>{t["missing_list"]}{t["paren"].format(n=len(roster.missing))}</h4>'
                   f'{f"<ul>{items}</ul>" if items else none}</div>')
    rows = "".join(
        f'<tr><td><bdi>{_esc(unit)}</bdi></td><td class="num">{_esc(year if year is not None else "")}</td>'
        f'<td>{"<br>".join(_file_link(p, anchors) for p in paths)}</td></tr>'
        for unit, year, paths in roster.duplicates
    )
    table = (f'<table><thead><tr><th>{t["unit"]}</th><th class="num">{t["year"]}</th><th>{t["files_col"]}</th></tr>'
             f"</thead><tbody>{rows}</tbody></table>")
    out.append(f'<div id="duplicates"><h4>{t["duplicates_list"]}{t["paren"].format(n=len(roster.duplicates))}</h4>'
               f"{table if rows else none}</div>")
    if with_roster:
        items = "".join(f'<li><bdi>{_esc(u)}</bdi>{t["paren"].format(n=_file_link(p, anchors))}</li>'
                        for u, p in roster.unexpected)
        out.append(f'<div id="unexpected"><h4>{t["unexpected_list"]}{t["paren"].format(n=len(roster.unexpected))}</h4>'
                   f'{f"<ul>{items}</ul>" if items else none}</div>')
    out.append("</div>")
    return "\n".join(out)


def _status(reports: Sequence[FileReport], roster: RosterResult | None, t: dict[str, str], lang: str) -> str:
    dup_paths = {p for _, _, ps in roster.duplicates for p in ps} if roster else set()
    unexpected_paths = {p for _, p in roster.unexpected} if roster else set()
    rows = []
    for index, r in sorted(enumerate(reports, 1), key=_status_key):
        state = "pass" if r.valid else "fail"
        row_cls = "row-error" if not r.valid else ("row-warning" if r.count("warning") else "row-pass")
        first = next((f for f in _sorted(r.findings) if f.severity == "error"), None)
        first_msg = _esc(_message(first, lang), 200) if first else '<span class="muted">—</span>'
        tags = ""
        if r.path in dup_paths:
            tags += f'<span class="tag">{t["dup_tag"]}</span>'
        if r.path in unexpected_paths:
            tags += f'<span class="tag">{t["unexpected_tag"]}</span>'
        rows.append(
            f'<tr class="{row_cls}" data-status="{state}">'
            f'<td><a href="#file-{index}" title="{_esc(r.path)}"><bdi>{_esc(_name(r))}</bdi></a>{tags}</td>'
            f'<td class="num">{_esc(r.year if r.year is not None else "")}</td>'
            f'<td><span class="badge {state}">{t[state]}</span></td>'
            f'<td class="num">{r.count("error")}</td><td class="num">{r.count("warning")}</td>'
            f'<td class="num">{r.count("info")}</td><td>{first_msg}</td></tr>'
        )
    filters = (
        f'<div class="filters" id="filters" hidden><label>{t["filter"]} '
        f'<input type="search" id="filter-text" placeholder="{t["filter_placeholder"]}"></label> '
        f'<label><input type="checkbox" id="filter-failed"> {t["only_failed"]}</label></div>'
    )
    head = (f'<tr><th>{t["unit"]}</th><th class="num">{t["year"]}</th><th>{t["state"]}</th>'
            f'<th class="num">{t["errors"]}</th><th class="num">{t["warnings"]}</th><th class="num">{t["infos"]}</th>'
            f'<th>{t["first_error"]}</th></tr>')
    body = "\n".join(rows)
    return (f'<section id="status"><h2>{t["status"]}</h2>{filters}\n'
            f'<table id="status-table"><thead>{head}</thead><tbody>\n{body}\n</tbody></table></section>')


_FILL = {"error": ("#fdecea", "#c62828"), "warning": ("#fff3e0", "#e65100"), "info": ("#e3f2fd", "#1565c0")}


def _heat_fill(severity: str, count: int, most: int) -> str:
    """A colour between the severity's light and dark tone, darker for more failures."""
    light, dark = _FILL.get(severity, _FILL["info"])
    share = 0.35 + 0.65 * (count / most if most else 1)
    mix = [round(int(light[i:i + 2], 16) * (1 - share) + int(dark[i:i + 2], 16) * share) for i in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def _heatmap(reports: Sequence[FileReport], t: dict[str, str]) -> str:
    rules = sorted({f.rule for r in reports for f in r.findings if f.rule}, key=lambda s: (_natural(s), s))
    rows = [(i, r) for i, r in sorted(enumerate(reports, 1), key=_status_key) if any(f.rule for f in r.findings)]
    if not rules or not rows:
        return f'<p class="muted" id="heatmap-none">{t["heat_none"]}</p>'
    counts: dict[tuple[int, str], int] = Counter()
    worst: dict[tuple[int, str], str] = {}
    for i, r in rows:
        for f in r.findings:
            if f.rule:
                counts[i, f.rule] += 1
                prev = worst.get((i, f.rule))
                if prev is None or SEVERITY_ORDER.get(f.severity, 9) < SEVERITY_ORDER.get(prev, 9):
                    worst[i, f.rule] = f.severity
    most = max(counts.values())
    size, cell_w, cell_h, pad = 12.0, 56, 24, 8
    names = {}
    for i, r in rows:
        names[i] = _clean(_name(r)) + (f" {r.year}" if r.year is not None else "")
    clash = Counter(names.values())
    labels = []
    for i, r in rows:
        name, short = names[i], _cut(names[i], 18)
        if clash[name] > 1:  # the same unit and year twice: tell the files apart
            base = _clean(_basename(r.path))
            name, short = f"{name} · {base}", f"{short} · {_cut(base, 14)}"
        labels.append((i, name, short))
    label_w = int(max(_text_width(s, size) for _, _, s in labels) + 2 * pad)
    label_w = max(label_w, int(_text_width(t["total"], size) + 2 * pad))
    top = 40
    width = label_w + cell_w * (len(rules) + 1) + pad
    height = top + cell_h * (len(rows) + 1) + pad
    parts = [
        f'<svg id="heatmap" role="img" aria-labelledby="heatmap-title heatmap-desc" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-size="{size:g}">',
        f'<title id="heatmap-title">{t["heat_title"]}</title><desc id="heatmap-desc">{t["heat_desc"]}</desc>',
    ]
    for c, rule in enumerate(rules):
        x = label_w + c * cell_w + cell_w / 2
        parts.append(f'<text class="rule-label" x="{x:g}" y="{top - 10}" text-anchor="middle" font-weight="600">'
                     f"{_esc(rule)}</text>")
    x_total = label_w + len(rules) * cell_w + cell_w / 2
    parts.append(f'<text x="{x_total:g}" y="{top - 10}" text-anchor="middle" font-weight="600">{t["total"]}</text>')
    for r_i, (i, name, short) in enumerate(labels):
        y = top + r_i * cell_h
        parts.append(
            f'<g class="heat-row" data-file="file-{i}"><a href="#file-{i}"><text class="unit-label" x="{label_w - pad}" '
            f'y="{y + cell_h / 2 + size / 3:g}" text-anchor="end"><title>{_esc(name)}</title>{_esc(short)}</text></a>'
        )
        for c, rule in enumerate(rules):
            n = counts.get((i, rule), 0)
            x = label_w + c * cell_w
            if n:
                fill = _heat_fill(worst[i, rule], n, most)
                ink = "#fff" if n / most > 0.5 else "#1d2127"
                parts.append(
                    f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{fill}" rx="2">'
                    f"<title>{_esc(name)} · {_esc(rule)}: {n}</title></rect>"
                    f'<text class="count" data-rule="{_esc(rule)}" x="{x + cell_w / 2:g}" y="{y + cell_h / 2 + size / 3:g}" '
                    f'text-anchor="middle" fill="{ink}">{n}</text>'
                )
            else:
                parts.append(f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" '
                             f'fill="#f6f7f9" rx="2"/>')
        row_total = sum(counts.get((i, rule), 0) for rule in rules)
        parts.append(f'<text class="row-total" x="{x_total:g}" y="{y + cell_h / 2 + size / 3:g}" text-anchor="middle" '
                     f'font-weight="600">{row_total}</text></g>')
    y = top + len(rows) * cell_h
    parts.append(f'<text x="{label_w - pad}" y="{y + cell_h / 2 + size / 3:g}" text-anchor="end" font-weight="600">'
                 f'{t["total"]}</text>')
    for c, rule in enumerate(rules):
        col_total = sum(counts.get((i, rule), 0) for i, _ in rows)
        parts.append(f'<text class="col-total" data-rule="{_esc(rule)}" x="{label_w + c * cell_w + cell_w / 2:g}" '
                     f'y="{y + cell_h / 2 + size / 3:g}" text-anchor="middle" font-weight="600">{col_total}</text>')
    parts.append(f'<text x="{x_total:g}" y="{y + cell_h / 2 + size / 3:g}" text-anchor="middle" font-weight="700">'
                 f"{sum(counts.values())}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _code_bars(reports: Sequence[FileReport], t: dict[str, str], lang: str) -> str:
    codes = Counter(f.code for r in reports for f in r.findings)
    if not codes:
        return f'<p class="muted" id="codes-none">{t["codes_none"]}</p>'
    top = sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_CODES]
    size, bar_h, gap, pad, bar_max = 12.0, 20, 6, 8, 360
    labels = [f"{code} {_code_title(code, lang)}" for code, _ in top]
    label_w = int(max(_text_width(s, size) for s in labels) + 2 * pad)
    most = top[0][1]
    width = label_w + bar_max + 60
    height = pad * 2 + len(top) * (bar_h + gap) + 20
    parts = [
        f'<svg id="code-bars" role="img" aria-labelledby="code-bars-title" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-size="{size:g}">',
        f'<title id="code-bars-title">{t["codes_title"]}</title>',
    ]
    for k, ((code, n), label) in enumerate(zip(top, labels, strict=True)):
        y = pad + 20 + k * (bar_h + gap)
        entry = CATALOGUE.get(code)
        sev = entry.severity if entry and entry.severity != "rule" else "info"
        colour = _FILL.get(sev, _FILL["info"])[1] if not (entry and entry.severity == "rule") else "#6a1b9a"
        w = max(2, round(bar_max * n / most))
        parts.append(
            f'<g class="code-bar" data-code="{_esc(code)}">'
            f'<text class="code-label" x="{label_w - pad}" y="{y + bar_h / 2 + size / 3:g}" text-anchor="end">'
            f"{_esc(label)}</text>"
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="{colour}" rx="2">'
            f"<title>{_esc(code)}: {n}</title></rect>"
            f'<text class="count" x="{label_w + w + 6}" y="{y + bar_h / 2 + size / 3:g}">{n}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _charts(reports: Sequence[FileReport], t: dict[str, str], lang: str) -> str:
    return (f'<section id="charts"><h2>{t["charts"]}</h2>'
            f'<h3>{t["heat_title"]}</h3><div class="chart">{_heatmap(reports, t)}</div>'
            f'<h3>{t["codes_title"]}</h3><div class="chart">{_code_bars(reports, t, lang)}</div></section>')


def _file_section(index: int, r: FileReport, t: dict[str, str], lang: str) -> str:
    state = "pass" if r.valid else "fail"
    who = f"<bdi>{_esc(_name(r))}</bdi>" + (f" {_esc(r.year)}" if r.year is not None else "")
    meta = [f'<span>{t["file"]}{t["colon"]}<code>{_esc(r.path)}</code></span>']
    if r.template:
        tpl = " ".join(
            [_clean(r.template.get("id", ""))] + ([f"v{_clean(r.template['version'])}"] if r.template.get("version") else [])
            + [f"{_clean(k)}={_clean(v)}" for k, v in sorted(r.template.items()) if k not in ("id", "version")]
        ).strip()
        meta.append(f'<span>{t["template"]}{t["colon"]}{_esc(tpl, 200)}</span>')
    if r.saved_by:
        meta.append(f'<span>{t["saved_by"]}{t["colon"]}{_esc(r.saved_by, 200)}</span>')
    counts = " · ".join(f'{t[k]} {r.count(s)}' for k, s in (("errors", "error"), ("warnings", "warning"),
                                                            ("infos", "info")))
    out = [
        f'<section class="file" id="file-{index}" data-status="{state}">',
        f'<h3>{who} <span class="badge {state}">{t[state]}</span> <span class="muted">{counts}</span></h3>',
        f'<p class="meta">{"".join(meta)}</p>',
    ]
    if not r.findings:
        out.append(f'<p class="muted">{t["no_findings"]}</p>')
    else:
        head = "".join(f"<th>{t[k]}</th>" for k in ("severity", "code", "cell", "label", "rule", "expected_v",
                                                     "actual_v", "message"))
        rows = []
        for f in _sorted(r.findings):
            sev = _sev(f.severity)
            cells = ""
            if f.cells and tuple(f.cells) != ((f.cell,) if f.cell else ()):
                cells = f'<br><span class="muted">{t["cells"]}{_esc(", ".join(_clean(c) for c in f.cells), 300)}</span>'
            rows.append(
                f'<tr class="finding sev-row-{sev}"><td class="sev sev-{sev}">{t["sev_" + sev]}</td>'
                f'<td><code title="{_esc(_code_title(f.code, lang))}">{_esc(f.code)}</code></td>'
                f"<td><code>{_esc(f.cell)}</code>{cells}</td><td>{_esc(f.label, 200)}</td>"
                f"<td><code>{_esc(f.rule)}</code></td><td>{_esc(f.expected, 200)}</td><td>{_esc(f.actual, 200)}</td>"
                f"<td>{_esc(_message(f, lang), 2000)}</td></tr>"
            )
        out.append(f'<table class="findings"><thead><tr>{head}</tr></thead><tbody>\n' + "\n".join(rows)
                   + "\n</tbody></table>")
    out.append(f'<p class="back"><a href="#status">{t["back"]}</a></p></section>')
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------- page


def render(reports: Sequence[FileReport], roster: RosterResult | None = None, lang: str = "zh",
           title: str | None = None) -> str:
    """One self-contained HTML5 page for the checked files (and the roster result, when there is one)."""
    if lang not in _TEXT:
        raise ValueError(f"unsupported language {lang!r} (zh or en)")
    t = _TEXT[lang]
    reports = list(reports)
    if title is None:
        years = sorted({r.year for r in reports if r.year is not None})
        title = t["title_year"].format(year=years[0]) if len(years) == 1 else t["title"]
    body = [_totals(reports, roster, t)]
    if reports:
        body.append(_status(reports, roster, t, lang))
        body.append(_charts(reports, t, lang))
        body.append(f'<section id="details"><h2>{t["details"]}</h2>')
        body.extend(_file_section(i, r, t, lang) for i, r in enumerate(reports, 1))
        body.append("</section>")
    else:
        body.append(f'<p class="muted" id="no-files">{t["no_files"]}</p>')
    return "\n".join([
        "<!DOCTYPE html>",
        f'<html lang="{t["html_lang"]}">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="workbook-builder">',
        f"<title>{_esc(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<header><h1>{_esc(title)}</h1></header>",
        "<main>",
        *body,
        "</main>",
        f"<script>{_SCRIPT}</script>" if reports else "",
        "</body>",
        "</html>",
        "",
    ])
