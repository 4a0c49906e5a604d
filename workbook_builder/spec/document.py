"""The template's `document:` section: what `publish` prints, read and linted like the rest.

The section names data points and sheets; the words (headings, labels) stay where the workbook
already has them (a text field's label, a sheet's title, the tables' headers), so the published
document and the workbook cannot drift apart.
"""

from __future__ import annotations

import re
from typing import Any

from .ids import declared_datapoints, table_width
from .model import DocSection, DocumentSpec, ProseCheck, TemplateSpec
from .raw import RawReader

PLACEHOLDERS = ("unit", "year")  # the identity inputs a title may name


def read_document(ctx: RawReader, node: Any) -> DocumentSpec | None:
    """The `document:` mapping as a `DocumentSpec` (None when the template has none)."""
    if node is None:
        return None
    top = ctx.mapping(node, "$.document", ("title", "sections"), ("preamble", "old_labels", "name", "prose_checks"))
    sections = tuple(
        _section(ctx, item, f"$.document.sections[{i}]") for i, item in enumerate(ctx.seq(top, "sections", "$.document"))
    )
    return DocumentSpec(
        title=ctx.string(top, "title", "$.document"),
        sections=sections,
        preamble=ctx.string(top, "preamble", "$.document"),
        path="$.document",
        old_labels=_old_labels(ctx, top.get("old_labels")),
        name=ctx.string(top, "name", "$.document"),
        prose_checks=tuple(_prose_check(ctx, item, f"$.document.prose_checks[{i}]")
                           for i, item in enumerate(ctx.seq(top, "prose_checks", "$.document"))),
    )


def _old_labels(ctx: RawReader, node: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`old_labels: {official label: [older wording, …]}`."""
    if node is None:
        return ()
    path = "$.document.old_labels"
    if not isinstance(node, dict):
        ctx.bad(path, "应为映射：官方标签: [旧标签, …]")
        return ()
    out = []
    for label, olds in node.items():
        if not isinstance(label, str) or not isinstance(olds, list) or not olds \
                or not all(isinstance(o, str) and o.strip() for o in olds):
            ctx.bad(f"{path}.{label}", "应为 官方标签: [旧标签, …]，旧标签为非空文字")
            continue
        out.append((label, tuple(olds)))
    return tuple(out)


def _prose_check(ctx: RawReader, node: Any, path: str) -> ProseCheck:
    item = ctx.mapping(node, path, ("id", "pattern"), ("equals", "required_if", "in"))
    return ProseCheck(
        id=ctx.string(item, "id", path),
        pattern=ctx.string(item, "pattern", path),
        equals=tuple(_strings(ctx, item, "equals", path)),
        required_if=ctx.string(item, "required_if", path),
        within=tuple(_strings(ctx, item, "in", path)),
        path=path,
    )


def _strings(ctx: RawReader, node: dict, key: str, path: str) -> list[str]:
    out = []
    for i, value in enumerate(ctx.seq(node, key, path)):
        if isinstance(value, str) and value.strip():
            out.append(value)
        else:
            ctx.bad(f"{path}.{key}[{i}]", "应为非空文字")
    return out


# a prose check's expression: data point IDs and whole numbers joined by + and - (no spaces needed)
_TERM = re.compile(r"\s*([+-])?\s*([A-Za-z_][A-Za-z0-9_.]*|\d+(?:\.\d+)?)\s*")


def expression_terms(expression: str) -> list[tuple[int, str]] | None:
    """`a.b+c.d-2` → [(1, "a.b"), (1, "c.d"), (-1, "2")]; None when it is not such a sum."""
    terms: list[tuple[int, str]] = []
    at = 0
    while at < len(expression):
        m = _TERM.match(expression, at)
        if m is None or m.end() == at or (terms and not m.group(1)):
            return None
        terms.append((-1 if m.group(1) == "-" else 1, m.group(2)))
        at = m.end()
    return terms or None


def _section(ctx: RawReader, node: Any, path: str) -> DocSection:
    item = ctx.mapping(node, path, (), ("heading", "text", "sheet", "join", "empty", "widths"))
    widths = []
    for i, width in enumerate(ctx.seq(item, "widths", path)):
        if isinstance(width, bool) or not isinstance(width, (int, float)) or width <= 0:
            ctx.bad(f"{path}.widths[{i}]", "列宽应为正数")
        else:
            widths.append(float(width))
    return DocSection(
        heading=ctx.string(item, "heading", path),
        text=ctx.string(item, "text", path),
        sheet=ctx.string(item, "sheet", path),
        join=ctx.boolean(item, "join", path),
        empty=ctx.string(item, "empty", path, "无"),
        widths=tuple(widths),
        path=path,
    )


def heading(spec: TemplateSpec, section: DocSection) -> str:
    """A section's heading: as declared, else the prose field's label or the sheet's first title."""
    if section.heading:
        return section.heading
    for sheet in spec.sheets:
        for block in sheet.blocks:
            if section.text and any(f.id == section.text for f in block.fields):
                return next(f.label for f in block.fields if f.id == section.text)
            if section.sheet and sheet.name == section.sheet and block.kind == "title":
                return block.text
    return ""


def all_labels(spec: TemplateSpec) -> set[str]:
    """Every label the template prints: field labels, titles, table titles, row and column labels."""
    out: set[str] = set()

    def walk(items: Any) -> None:
        for item in items or ():
            if getattr(item, "label", None):
                out.add(item.label)
            walk(getattr(item, "children", ()))

    for sheet in spec.sheets:
        for block in sheet.blocks:
            out.update(x for x in (getattr(block, "text", ""), getattr(block, "title", ""),
                                   getattr(block, "corner", "")) if x)
            out.update(f.label for f in block.fields)
            walk(getattr(block, "rows", ()))
            walk(getattr(block, "columns", ()))
    return out


def prose_fields(spec: TemplateSpec) -> set[str]:
    """The data points a document may print as prose: text inputs."""
    return {
        f.id for s in spec.sheets for b in s.blocks for f in b.fields if f.input is not None and f.input.type == "text"
    }


def lint_document(spec: TemplateSpec, bad) -> None:  # type: ignore[no-untyped-def]
    """Every section names exactly one existing prose field or table sheet, and has a heading."""
    doc = spec.document
    if doc is None:
        return
    for name in re.findall(r"\{([^{}]*)\}", doc.title):
        if name not in PLACEHOLDERS:
            bad(f"{doc.path}.title", f"标题中的占位符 {{{name}}} 不认识；只能用 {{unit}}、{{year}}")
        elif not (spec.unit_field if name == "unit" else spec.year_field):
            bad(f"{doc.path}.title", f"标题用了 {{{name}}}，但模板的 identity 没有规定 {name}")
    labels = all_labels(spec)
    for label, _ in doc.old_labels:
        if label not in labels:
            bad(f"{doc.path}.old_labels", f"“{label}”不是模板中的标签")
    prose = prose_fields(spec)
    _lint_prose_checks(spec, prose, bad)
    if doc.preamble and doc.preamble not in prose:
        bad(f"{doc.path}.preamble", f"“{doc.preamble}”不是文本输入字段")
    if not doc.sections:
        bad(f"{doc.path}.sections", "文档至少需要一节")
    with_tables = {s.name for s in spec.sheets if any(b.kind == "table" for b in s.blocks)}
    for section in doc.sections:
        if bool(section.text) == bool(section.sheet):
            bad(section.path, "每一节必须且只能有 text、sheet 二者之一")
        elif section.text and section.text not in prose:
            bad(f"{section.path}.text", f"“{section.text}”不是文本输入字段")
        elif section.sheet and section.sheet not in with_tables:
            bad(f"{section.path}.sheet", f"找不到含表格的工作表“{section.sheet}”")
        elif not heading(spec, section):
            bad(f"{section.path}.heading", "这一节没有标题：请写 heading，或给工作表加一个 title 块")
        if section.join and not section.sheet:
            bad(f"{section.path}.join", "join 只用于 sheet 节")
        if section.widths:
            tables = [b for s in spec.sheets if s.name == section.sheet for b in s.blocks if b.kind == "table"]
            counts = sorted({table_width(b) for b in tables})
            if not section.sheet:
                bad(f"{section.path}.widths", "widths 只用于 sheet 节")
            elif counts != [len(section.widths)]:
                shown = "、".join(str(n) for n in counts)
                bad(f"{section.path}.widths", f"给了 {len(section.widths)} 个列宽，表格有 {shown} 列")


def _lint_prose_checks(spec: TemplateSpec, prose: set[str], bad) -> None:  # type: ignore[no-untyped-def]
    """Each check: a unique id, a pattern that compiles (with its figure group `n` when it compares),
    exactly one of `equals` / `required_if` over known data points, and prose fields to search."""
    assert spec.document is not None
    known = set(declared_datapoints(spec))
    seen: set[str] = set()
    for check in spec.document.prose_checks:
        if check.id in seen:
            bad(f"{check.path}.id", f"检查编号“{check.id}”重复")
        seen.add(check.id)
        try:
            groups = re.compile(check.pattern).groupindex
        except re.error as exc:
            bad(f"{check.path}.pattern", f"正则表达式无法编译：{exc}")
            groups = None
        if bool(check.equals) == bool(check.required_if):
            bad(check.path, "每项检查必须且只能有 equals、required_if 二者之一")
        elif check.equals and groups is not None and "n" not in groups:
            bad(f"{check.path}.pattern", "equals 检查的正则表达式需要命名组 (?P<n>…) 表示正文中的数字")
        named = [(f"{check.path}.equals[{i}]", e) for i, e in enumerate(check.equals)]
        named += [(f"{check.path}.required_if", check.required_if)] if check.required_if else []
        for path, expression in named:
            terms = expression_terms(expression)
            if terms is None:
                bad(path, f"“{expression}”应为数据点 ID 和数字用 + - 连接")
                continue
            for _, term in terms:
                if not term[0].isdigit() and term not in known:
                    bad(path, f"“{term}”不是模板中的数据点")
        for i, field in enumerate(check.within):
            if field not in prose:
                bad(f"{check.path}.in[{i}]", f"“{field}”不是文本输入字段")
