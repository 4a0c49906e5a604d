"""Reports as one self-contained HTML page: totals, a status table, the findings of every file, and charts.

Three steps, each a plain function: `_overview` counts and orders (the only place that aggregates, so a
run-level result can replace it), the `_*_view` functions turn reports into a view model of plain dicts,
lists, numbers and strings, and the Jinja2 template `templates/report.html.j2` writes the markup.

Everything that comes from a returned workbook (unit names, labels, values, messages, paths) is untrusted.
Python only cleans it (`_text`: control characters and undecodable bytes shown escaped by `textsafe`, long values cut); escaping is
structural: the environment autoescapes every `{{ … }}`, in text and attributes alike, and nothing from a
file is ever marked safe. The page loads nothing from anywhere: CSS and the filter script are inlined from
the package's template files, the charts are inline SVG, and a Content-Security-Policy meta in the template
forbids every network load. The same input always gives the same page: no clocks, no randomness, and every
ordering has a total tie-break.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..batch.result import CheckRun, natural_key
from ..batch.roster import RosterResult
from ..check.result import FileResult
from ..findings import CATALOGUE, SEVERITY_ORDER
from ..textsafe import clean_text
from .html_labels import LABELS
from .imports import format_name, kind_name, read_as
from .jinja import environment

TOP_CODES = 10

# A card's tone: "good" always, "bad"/"warn" only when its number is not zero.
_TONE = {"valid": "good", "reported": "good", "invalid": "bad", "unreadable": "bad", "missing": "bad",
         "warn_only": "warn", "duplicates": "warn", "unexpected": "warn"}
_FILL = {"error": ("#fdecea", "#c62828"), "warning": ("#fff3e0", "#e65100"), "info": ("#e3f2fd", "#1565c0")}
_RULE_COLOUR = "#6a1b9a"


def _environment() -> Any:
    """The check report's templates (render/templates), through the one door to Jinja2."""
    return environment("workbook_builder.render")


# ----------------------------------------------------------------------------------------------- text helpers


def _text(value: Any, limit: int | None = None) -> str:
    """Text without control characters or lone surrogates (they would break the page or its encoding),
    optionally cut to `limit` characters. The template escapes it; this only makes it printable."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean_text(value)
    return text if limit is None else _cut(text, limit)


# A run of printable ASCII other than "+", optionally after a quoted sheet name: a cell ('依申请公开'!D30),
# a range (D8:D22), a formula (=SUM(D5:I5)), a number, a code (rule-failed) or a rule id (T3-A). Each is
# kept on one line; a line may still break between them, at "+", "、", spaces and Chinese text.
_TOKEN = re.compile(r"(?:'[^'\n]{1,31}'!)?[\x21-\x2a\x2c-\x7e]{2,40}")


def _parts(text: str) -> list[dict[str, Any]]:
    """Text cut into runs that may break (`nb` False) and tokens that must not (`nb` True)."""
    out: list[dict[str, Any]] = []
    last = 0
    for m in _TOKEN.finditer(text):
        if m.start() > last:
            out.append({"t": text[last:m.start()], "nb": False})
        out.append({"t": m.group(0), "nb": True})
        last = m.end()
    if last < len(text):
        out.append({"t": text[last:], "nb": False})
    return out


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _basename(path: str) -> str:
    return re.split(r"[\\/]", path)[-1] or path


def _name(report: FileResult) -> str:
    """The unit, or the file name when the unit is unknown."""
    unit = (report.unit or "").strip()
    return unit or _basename(report.path)


def _sev(severity: str) -> str:
    """A severity safe to use in a class name."""
    return severity if severity in SEVERITY_ORDER else "info"


def _code_title(code: str, lang: str) -> str:
    entry = CATALOGUE.get(code)
    if entry is None:
        return code
    return entry.en if lang == "en" else entry.zh


def _text_width(text: str, size: float) -> float:
    """A rough width for laying out SVG text: wide (CJK) characters count as one em, others as 0.6."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


# ----------------------------------------------------------------------------------------------- counts


@dataclass(frozen=True)
class _Overview:
    """Every count and ordering the page shows. Files are named by their 0-based position in `reports`."""

    totals: dict[str, int]  # files, valid, invalid, warn_only, unreadable
    severities: tuple[dict[str, int], ...]  # per file: error, warning, info
    status_order: tuple[int, ...]  # errors first (most first), then warnings only, then valid
    years: tuple[int, ...]
    rules: tuple[str, ...]  # every failing rule id, in natural order (T2 before T10)
    rule_counts: dict[tuple[int, str], int]  # (file, rule) → failures
    rule_worst: dict[tuple[int, str], str]  # (file, rule) → the worst severity among them
    top_codes: tuple[tuple[str, int], ...]  # the most frequent codes, most first
    roster: dict[str, int] | None  # the roster cards that apply (duplicates alone when there is no roster)


def _overview(run: CheckRun) -> _Overview:
    """The page's layout of the run's counts: totals and rankings come from the run (one owner); only
    the page's own arrangements (status order, the rule × file grid) are worked out here."""
    reports, roster, stats = run.files, _roster_of(run), run.stats
    sev = tuple(r.counts() for r in reports)

    def status_key(i: int) -> tuple[Any, ...]:
        r, c = reports[i], sev[i]
        group = 0 if not r.valid else (1 if c["warning"] else 2)
        return (group, -c["error"], -c["warning"], -c["info"], _name(r), r.year or 0, r.path, i)

    rule_counts: Counter[tuple[int, str]] = Counter()
    rule_worst: dict[tuple[int, str], str] = {}
    for i, r in enumerate(reports):
        for f in r.findings:
            if f.rule:
                rule_counts[i, f.rule] += 1
                prev = rule_worst.get((i, f.rule))
                if prev is None or SEVERITY_ORDER.get(f.severity, 9) < SEVERITY_ORDER.get(prev, 9):
                    rule_worst[i, f.rule] = f.severity
    roster_counts = None
    if roster is not None:
        roster_counts = {"duplicates": len(roster.duplicates)}
        if roster.expected > 0 or roster.missing or roster.unexpected:
            roster_counts = {"expected": roster.expected, "reported": max(roster.expected - len(roster.missing), 0),
                             "missing": len(roster.missing), **roster_counts, "unexpected": len(roster.unexpected)}
    return _Overview(
        totals={"files": stats.files, "valid": stats.valid, "invalid": stats.with_errors,
                "warn_only": stats.warnings_only, "unreadable": stats.unreadable},
        severities=sev,
        status_order=tuple(sorted(range(len(reports)), key=status_key)),
        years=tuple(sorted({r.year for r in reports if r.year is not None})),
        rules=tuple(sorted({rule for _, rule in rule_counts}, key=lambda s: (natural_key(s), s))),
        rule_counts=dict(rule_counts),
        rule_worst=rule_worst,
        top_codes=tuple(run.code_counts[:TOP_CODES]),
        roster=roster_counts,
    )


# ----------------------------------------------------------------------------------------------- view model


def _cards(counts: dict[str, int]) -> list[dict[str, Any]]:
    tones = ((k, n, _TONE.get(k, "")) for k, n in counts.items())
    return [{"key": k, "n": n, "tone": tone if tone == "good" or n else ""} for k, n, tone in tones]


def _file_link(path: str, anchors: dict[str, str]) -> dict[str, Any]:
    """A path shown by its file name, linked to its section when the file was checked."""
    return {"anchor": anchors.get(path), "path": _text(path), "name": _text(_basename(path))}


def _roster_view(reports: Sequence[FileResult], roster: RosterResult, counts: dict[str, int]) -> dict[str, Any]:
    anchors: dict[str, str] = {}
    for i, r in enumerate(reports, 1):
        anchors.setdefault(r.path, f"file-{i}")
    return {
        "cards": _cards(counts),
        "full": "expected" in counts,
        "missing": [_text(u) for u in roster.missing],
        "duplicates": [{"unit": _text(unit), "year": _text(year), "links": [_file_link(p, anchors) for p in paths]}
                       for unit, year, paths in roster.duplicates],
        "unexpected": [{"unit": _text(u), "link": _file_link(p, anchors)} for u, p in roster.unexpected],
        "unreadable": [{"unit": _text(u), "link": _file_link(p, anchors)} for u, p in roster.unreadable],
    }


def _status_view(reports: Sequence[FileResult], roster: RosterResult | None, ov: _Overview,
                 lang: str) -> list[dict[str, Any]]:
    dup_paths = {p for _, _, ps in roster.duplicates for p in ps} if roster else set()
    unexpected_paths = {p for _, p in roster.unexpected} if roster else set()
    rows = []
    for i in ov.status_order:
        r, c = reports[i], ov.severities[i]
        first = next((f for f in r.findings if f.severity == "error"), None)  # the report's order decides
        rows.append({
            "anchor": f"file-{i + 1}", "state": "pass" if r.valid else "fail",
            "tone": "error" if not r.valid else ("warning" if c["warning"] else "pass"),
            "path": _text(r.path), "name": _text(_name(r)), "year": _text(r.year), "counts": c,
            "first_error": _parts(_text(first.message(lang), 200)) if first else None,
            "tags": [tag for tag, hit in (("dup_tag", r.path in dup_paths),
                                          ("unexpected_tag", r.path in unexpected_paths)) if hit],
        })
    return rows


def _heat_fill(severity: str, count: int, most: int) -> str:
    """A colour between the severity's light and dark tone, darker for more failures."""
    light, dark = _FILL.get(severity, _FILL["info"])
    share = 0.35 + 0.65 * (count / most if most else 1)
    mix = [round(int(light[i:i + 2], 16) * (1 - share) + int(dark[i:i + 2], 16) * share) for i in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def _heatmap_view(reports: Sequence[FileResult], ov: _Overview, total_word: str) -> dict[str, Any] | None:
    """The rule × unit grid, laid out: every coordinate is computed here, the template only draws."""
    failing = {i for i, _ in ov.rule_counts}
    rows = [i for i in ov.status_order if i in failing]
    if not ov.rules or not rows:
        return None
    most = max(ov.rule_counts.values())
    size, cell_w, cell_h, pad, top = 12, 56, 24, 8, 40
    names = {i: _text(_name(reports[i])) + (f" {reports[i].year}" if reports[i].year is not None else "")
             for i in rows}
    clash = Counter(names.values())
    labels = {}
    for i in rows:
        name, short = names[i], _cut(names[i], 18)
        if clash[name] > 1:  # the same unit and year twice: tell the files apart
            base = _text(_basename(reports[i].path))
            name, short = f"{name} · {base}", f"{short} · {_cut(base, 14)}"
        labels[i] = (name, short)
    label_w = max(int(max(_text_width(s, size) for _, s in labels.values()) + 2 * pad),
                  int(_text_width(total_word, size) + 2 * pad))
    x_total = label_w + len(ov.rules) * cell_w + cell_w // 2
    baseline = cell_h // 2 + size // 3  # text baseline within a row, roughly centred for 12px text
    out_rows = []
    for k, i in enumerate(rows):
        y = top + k * cell_h
        cells = []
        for c, rule in enumerate(ov.rules):
            n = ov.rule_counts.get((i, rule), 0)
            x = label_w + c * cell_w
            cells.append({"x": x + 1, "tx": x + cell_w // 2, "n": n, "rule": _text(rule),
                          "fill": _heat_fill(ov.rule_worst[i, rule], n, most) if n else "#f6f7f9",
                          "ink": "#fff" if n / most > 0.5 else "#1d2127"})
        out_rows.append({"anchor": f"file-{i + 1}", "name": labels[i][0], "short": labels[i][1], "y": y + 1,
                         "ty": y + baseline, "cells": cells,
                         "total": sum(ov.rule_counts.get((i, rule), 0) for rule in ov.rules)})
    return {
        "width": label_w + cell_w * (len(ov.rules) + 1) + pad, "height": top + cell_h * (len(rows) + 1) + pad,
        "size": size, "cell_w": cell_w - 2, "cell_h": cell_h - 2, "label_x": label_w - pad, "head_y": top - 10,
        "x_total": x_total, "foot_y": top + len(rows) * cell_h + baseline, "rows": out_rows,
        "columns": [{"rule": _text(rule), "x": label_w + c * cell_w + cell_w // 2,
                     "total": sum(ov.rule_counts.get((i, rule), 0) for i in rows)} for c, rule in enumerate(ov.rules)],
        "total": sum(ov.rule_counts.values()),
    }


def _code_bars_view(ov: _Overview, lang: str) -> dict[str, Any] | None:
    """The most frequent codes as horizontal bars, laid out."""
    if not ov.top_codes:
        return None
    size, bar_h, gap, pad, bar_max = 12, 20, 6, 8, 360
    labels = [f"{code} {_code_title(code, lang)}" for code, _ in ov.top_codes]
    label_w = int(max(_text_width(s, size) for s in labels) + 2 * pad)
    most = ov.top_codes[0][1]
    bars = []
    for k, ((code, n), label) in enumerate(zip(ov.top_codes, labels, strict=True)):
        y = pad + 20 + k * (bar_h + gap)
        entry = CATALOGUE.get(code)
        w = max(2, round(bar_max * n / most))
        colour = _RULE_COLOUR if entry and entry.severity == "rule" else _FILL[_sev(entry.severity if entry else "")][1]
        bars.append({"code": _text(code), "n": n, "label": _text(label), "y": y, "ty": y + bar_h // 2 + size // 3,
                     "w": w, "colour": colour, "count_x": label_w + w + 6})
    return {"width": label_w + bar_max + 60, "height": pad * 2 + len(bars) * (bar_h + gap) + 20, "size": size,
            "label_w": label_w, "label_x": label_w - pad, "bar_h": bar_h, "bars": bars}


def _file_view(index: int, r: FileResult, counts: dict[str, int], lang: str) -> dict[str, Any]:
    template = None
    if r.template:  # "id v1", the file's template identity as the checker read it
        version = [f"v{_text(r.template.version)}"] if r.template.version else []
        template = _text(" ".join([_text(r.template.id), *version]).strip(), 200)
    published = None  # a published report whose tables were read: its kind and the format, in words
    if read_as(r.published, r.template.id if r.template else None, [f.code for f in r.findings], lang) and r.template:
        published = _text(LABELS[lang]["published"].format(
            kind=kind_name(r.published, lang), format=format_name(_text(r.template.id), lang)), 300)
    findings = []
    for f in r.findings:  # in the report's order (findings.sort_findings): severity, then sheet, row, column
        extra = f.cells and tuple(f.cells) != ((f.cell,) if f.cell else ())
        findings.append({
            "sev": _sev(f.severity), "code": _text(f.code), "code_title": _text(_code_title(f.code, lang)),
            "cell": _text(f.cell), "cells": _parts(_text(", ".join(_text(c) for c in f.cells), 300)) if extra else None,
            "label": _text(f.label, 200), "rule": _text(f.rule), "expected": _parts(_text(f.expected, 200)),
            "actual": _parts(_text(f.actual, 200)), "message": _parts(_text(f.message(lang), 2000)),
        })
    return {"anchor": f"file-{index}", "state": "pass" if r.valid else "fail", "name": _text(_name(r)),
            "year": None if r.year is None else _text(r.year), "path": _text(r.path), "template": template,
            "published": published, "in_report": bool(r.published), "saved_by": _text(r.saved_by, 200) if r.saved_by else None, "counts": counts, "findings": findings}


# ----------------------------------------------------------------------------------------------- page


def _roster_of(run: CheckRun) -> RosterResult | None:
    """The roster section is shown when there is something to say: a roster, or duplicated units."""
    r = run.roster
    return r if (r.expected or r.missing or r.duplicates or r.unexpected) else None


def _issued(t: dict[str, str], date: dt.date | None, office: str | None) -> list[str]:
    """The header's lines: who issued the report (when given) and the day of the run (when given)."""
    lines = []
    if office and _text(office).strip():
        lines.append(t["office"].format(office=_text(office).strip()))
    if date is not None:
        lines.append(t["run_date"].format(date=t["date_format"].format(y=date.year, m=date.month, d=date.day,
                                                                        iso=date.isoformat())))
    return lines


def render(run: CheckRun, lang: str = "zh", title: str | None = None, *, date: dt.date | None = None,
           office: str | None = None) -> str:
    """One self-contained HTML5 page for a check run (with the roster result, when there is one).

    Each file's findings are shown in the order the report gives them; the status table and the heatmap
    put files with errors first. The header names the issuing `office` and the `date` of the run when
    they are given (the caller's clock: the page itself reads none, so the same run gives the same page).
    """
    if lang not in LABELS:
        raise ValueError(f"unsupported language {lang!r} (zh or en)")
    t = LABELS[lang]
    reports, roster = list(run.files), _roster_of(run)
    ov = _overview(run)
    if title is None:
        title = t["title_year"].format(year=ov.years[0]) if len(ov.years) == 1 else t["title"]
    view = {
        "t": t,
        "title": _text(title),
        "issued": _issued(t, date, office),
        "totals": _cards(ov.totals),
        "roster": _roster_view(reports, roster, ov.roster) if roster is not None and ov.roster is not None else None,
        "status": _status_view(reports, roster, ov, lang),
        "heat": _heatmap_view(reports, ov, t["total"]),
        "bars": _code_bars_view(ov, lang),
        "files": [_file_view(i, r, ov.severities[i - 1], lang) for i, r in enumerate(reports, 1)],
    }
    return _environment().get_template("report.html.j2").render(view)
