"""Who reports and for which year (from the title), and which template the report is written in.

The title is the line(s) before the first section heading that end with 报告 (the unit may stand on
the line before: "淮安市人民政府\\n2024 年政府信息公开工作年度报告"). The unit is the name before the
year, kept as printed, with one exception: "哈图布呼镇镇政府…" names the 镇政府 of 哈图布呼镇, so a
trailing "镇政府"/"乡政府"/"县政府"/"区政府"/"市政府" that repeats the level the name already ends
with is the body, not the name (→ 哈图布呼镇). "淮安市人民政府" stays as printed: that is how the
city's reports name their unit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from ..template.registry import Template
from .labels import template_labels
from .source import Para, Source

_YEAR = re.compile(r"(20\d\d)\s*年")
_TITLE_END = re.compile(r"(?:年度)?报告$|年报$")
_AFTER_UNIT = re.compile(r"(20\d\d)\s*年|政府信息公开")
_LEVEL_BODY = re.compile(r"^(.+([镇乡县区市]))\2(?:政府)?$")


def find_title(source: Source, first_heading: str) -> tuple[str, str | None, int | None]:
    """The title as printed (lines joined with a space), the unit and the year it names."""
    lines: list[str] = []
    for block in source.blocks:
        if not isinstance(block, Para):
            break
        for line in block.text.split("\n"):
            if line.strip():
                lines.append(line.strip())
        if first_heading and any(_squash(x).startswith(first_heading) for x in lines[-3:]):
            break
    for i, line in enumerate(lines[:40]):
        flat = _squash(line)
        if _squash(first_heading) and flat.startswith(_squash(first_heading)):
            break
        if not _TITLE_END.search(flat) or len(flat) > 60 or "。" in flat:
            continue
        title_lines = [line]
        unit = _unit(flat)
        if unit is None and i > 0 and _is_name(_squash(lines[i - 1])):
            title_lines.insert(0, lines[i - 1])
            unit = _squash(lines[i - 1])
        year = _YEAR.search(flat)
        return " ".join(title_lines), unit, int(year.group(1)) if year else None
    return "", None, None


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _unit(flat: str) -> str | None:
    m = _AFTER_UNIT.search(flat)
    if not m or m.start() == 0:
        return None
    name = flat[: m.start()].strip("《》<>\"'")
    body = _LEVEL_BODY.match(name)
    return body.group(1) if body else (name or None)


def _is_name(flat: str) -> bool:
    return 2 <= len(flat) <= 30 and not re.search(r"[。，,：:；;0-9]", flat)


def choose_template(text: str, templates: Sequence[Template], year: int | None) -> tuple[Template, dict[str, int]]:
    """The template the report is written in: the most of its own labels (those no other template
    has) found in the report's text; on a tie, the one whose year range holds the year, then the first."""
    if len(templates) == 1:
        return templates[0], {templates[0].spec.id: 0}
    labels = [template_labels(t) for t in templates]
    scores: dict[str, int] = {}
    ranked = []
    for i, template in enumerate(templates):
        others = set().union(*(labels[j] for j in range(len(templates)) if j != i))
        own = labels[i] - others
        score = sum(label in text for label in own)
        scores[template.spec.id] = score
        ranked.append((-score, 0 if year_fits(template, year) else 1, i))
    best = min(ranked)
    return templates[best[2]], scores


def year_range(template: Template) -> tuple[float | None, float | None]:
    """The years a template is for: its year input's min and max."""
    field = template.spec.year_field
    cell = template.layout.by_id.get(field) if field else None
    spec = cell.input if cell is not None else None
    return (spec.min, spec.max) if spec is not None else (None, None)


def year_fits(template: Template, year: int | None) -> bool:
    """Whether a year lies in the template's range (True when either is unknown)."""
    if year is None:
        return True
    low, high = year_range(template)
    return (low is None or year >= low) and (high is None or year <= high)
