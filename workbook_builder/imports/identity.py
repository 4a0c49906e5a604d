"""Who reports and for which year (from the title), and which template the report is written in.

The title is the last line before the first section heading that ends with 报告 and names a year (the
unit may stand on the line before: "淮安市人民政府\\n2024 年政府信息公开工作年度报告"). The unit is the name before the
year, kept as printed, with one exception: "哈图布呼镇镇政府…" names the 镇政府 of 哈图布呼镇, so a
trailing "镇政府"/"乡政府"/"县政府"/"区政府"/"市政府" that repeats the level the name already ends
with is the body, not the name (→ 哈图布呼镇). "淮安市人民政府" stays as printed: that is how the
city's reports name their unit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..template.registry import Template
from .labels import template_key, template_labels
from .source import Para, Source
from .tokens import flat as squash

_YEAR = re.compile(r"(20\d\d)\s*年")
_ABOUT_YEAR = re.compile(r"(20\d\d)\s*年度?(?:政府信息公开|工作年度报告|年度报告)")
_TITLE_END = re.compile(r"(?:年度)?报告$|年报$")
_AFTER_UNIT = re.compile(r"(20\d\d)\s*年|政府信息公开")
MAX_TITLE_LINES = 200  # lines before the first heading looked at for the title
_LEVEL_BODY = re.compile(r"^(.+([镇乡县区市]))\2(?:政府)?$")


def find_title(source: Source, first_heading: str) -> tuple[str, str | None, int | None]:
    """The title as printed (its lines joined with a space), the unit and the year it names.

    The title is the last line before the first section heading that ends with 报告 and names a year
    (with the line before it when the unit or the year stands there): a web page's menus and
    breadcrumbs come before the article's own title."""
    lines: list[str] = []
    head = squash(first_heading)
    for block in source.blocks:
        if not isinstance(block, Para):
            continue
        texts = [x.strip() for x in block.text.split("\n") if x.strip()]
        if head and any(squash(x).startswith(head) and len(squash(x)) < len(head) + 10 for x in texts):
            lines.extend(x for x in texts if not squash(x).startswith(head))
            break
        lines.extend(texts)
        if len(lines) > MAX_TITLE_LINES:
            break
    best: tuple[str, str | None, int | None] = ("", None, None)
    for i, line in enumerate(lines[:MAX_TITLE_LINES]):
        flat = squash(line)
        if not _TITLE_END.search(flat) or len(flat) > 60 or "。" in flat:
            continue
        used = [line]
        unit, year = _unit(flat), _report_year(flat)
        if (unit is None or year is None) and i > 0 and _is_name(squash(lines[i - 1])):
            used.insert(0, lines[i - 1])
            joined = squash(lines[i - 1]) + flat
            # the title line's own year first: the line before may be a date ("2024年1月20日")
            unit, year = _unit(joined) or unit, year or _report_year(squash(lines[i - 1]))
        if year is not None:
            best = (" ".join(used), unit, year)
    return best


def _report_year(flat: str) -> int | None:
    """The year a title names: its only year, or among several (a date beside it: "2024年1月 …关于
    2023年度政府信息公开…") the one the report is about; None when that is not certain."""
    years = set(_YEAR.findall(flat))
    if len(years) == 1:
        return int(years.pop())
    about = set(_ABOUT_YEAR.findall(flat))
    return int(about.pop()) if len(about) == 1 else None


def _unit(flat: str) -> str | None:
    m = _AFTER_UNIT.search(flat)
    if not m or m.start() == 0:
        return None
    name = flat[: m.start()].strip("《》<>\"'")
    body = _LEVEL_BODY.match(name)
    return body.group(1) if body else (name or None)


def _is_name(flat: str) -> bool:
    """A short line that may hold the unit (and the year): no sentence punctuation."""
    return 2 <= len(flat) <= 30 and not re.search(r"[。，,：:；;]", flat)


def choose_template(text: str, templates: Sequence[Template], year: int | None) -> tuple[Template, dict[str, int]]:
    """The template the report is written in: the most of its own labels (those no other template
    has) found in the report's text; on a tie, the one whose year range holds the year, then the first."""
    if len(templates) == 1:
        return templates[0], {templates[0].spec.id: 0}
    scores: dict[str, int] = {}
    ranked = []
    for i, (template, (own, masks)) in enumerate(zip(templates, _own_labels(tuple(templates)), strict=True)):
        masked = text
        for label in masks:
            masked = masked.replace(label, "\x00")
        score = sum(label in masked for label in own)
        scores[template.spec.id] = score
        ranked.append((-score, 0 if year_fits(template, year) else 1, i))
    best = min(ranked)
    return templates[best[2]], scores


_OWN: dict[tuple[tuple[str, str, str], ...], tuple[tuple[frozenset[str], tuple[str, ...]], ...]] = {}


def _own_labels(templates: tuple[Template, ...]) -> tuple[tuple[frozenset[str], tuple[str, ...]], ...]:
    """Per template (cached per set of templates, not worked out per report): its own labels (those no
    other template has), and the other templates' labels to mask out of the text first, longest first."""
    key = tuple(template_key(t) for t in templates)
    if key not in _OWN:
        labels = [template_labels(t) for t in templates]
        out = []
        for i in range(len(templates)):
            others = set().union(*(labels[j] for j in range(len(templates)) if j != i))
            own = labels[i] - others
            # a label of its own that is a part of another template's label (2019's 规范性文件 inside
            # 2021's 行政规范性文件, 处理决定数量 inside 本年处理决定数量) counts only where it stands alone
            masks = tuple(label for label in sorted(others, key=len, reverse=True) if any(o in label for o in own))
            out.append((frozenset(own), masks))
        _OWN[key] = tuple(out)
    return _OWN[key]


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
