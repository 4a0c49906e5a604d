"""YAML → `TemplateSpec`. Collects every structural problem with its `$.path` before giving up.

The loader checks shapes and types; `lint` then checks meaning (unique IDs, references, cycles).
Both raise one `TemplateError` listing every problem, so an author fixes a template in one pass.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from .document import read_document
from .errors import Problem, TemplateError
from .expand import read_computed, read_rule
from .lint import lint
from .model import AGGREGATES, INPUT_TYPES, Block, Field, HeaderNode, InputSpec, Sheet, TemplateSpec
from .raw import RawReader
from .yaml import parse_yaml


def load_template(path: str | Path) -> TemplateSpec:
    """Load and lint a template file; raise `TemplateError` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(str(path), [Problem("$", f"无法读取模板文件：{exc}")]) from None
    return load_template_text(text, source=str(path))


def load_template_text(text: str, source: str = "<string>") -> TemplateSpec:
    """Parse template YAML text; raise `TemplateError` listing every problem."""
    try:
        raw = parse_yaml(text)
    except ValueError as exc:
        raise TemplateError(source, [Problem("$", f"YAML 语法错误：{exc}")]) from None
    ctx = RawReader()
    spec = _template(ctx, raw)
    ctx.problems.extend(_lint_partial(spec, ctx.problems))
    if ctx.problems:
        # a for_each expansion repeats the same problem once per instance: report it once
        raise TemplateError(source, list(dict.fromkeys(ctx.problems)))
    return replace(spec, fingerprint=fingerprint(raw), source=source)


def _lint_partial(spec: TemplateSpec, found: list[Problem]) -> list[Problem]:
    """Meaning checks even when the shape had problems, so an author sees everything in one pass.

    A partly built spec can hold placeholders where a node was unusable; lint problems under a
    path that already has a problem repeat it and are dropped, and a crash of lint on such a
    spec only means there is nothing more to say until the shape is fixed.
    """
    if not found:
        return lint(spec)
    try:
        extra = lint(spec)
    except Exception:
        return []
    return [p for p in extra if not any(p.path.startswith(f.path) or f.path.startswith(p.path) for f in found)]


def fingerprint(raw: Any) -> str:
    """A stable hash of the template's content (not its formatting or comments).

    The `document:` section is left out: it shapes only the published report, so changing it does not
    make the workbooks already handed out look like another template's.
    """
    if isinstance(raw, dict):
        raw = {k: v for k, v in raw.items() if k != "document"}
    canonical = json.dumps(_string_keys(raw), ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def _string_keys(node: Any) -> Any:
    # YAML allows `1: x` next to `a: y`; json.dumps cannot sort mixed keys
    if isinstance(node, dict):
        return {str(k): _string_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_string_keys(v) for v in node]
    return node


def _template(ctx: RawReader, raw: Any) -> TemplateSpec:
    top = ctx.mapping(
        raw, "$", ("id", "version", "sheets"), ("title", "password", "input_types", "computed", "rules", "identity", "document")
    )
    identity = ctx.mapping(top.get("identity", {}), "$.identity", (), ("unit", "year"))
    template_id = ctx.string(top, "id", "$")
    if template_id and not re.fullmatch(r"[a-z][a-z0-9_]*", template_id):
        ctx.bad("$.id", "模板 ID 只能包含小写字母、数字和下划线，并以字母开头")
    input_types = []
    raw_types = top.get("input_types", {})
    if not isinstance(raw_types, dict):
        ctx.bad("$.input_types", "应为映射（名称: 输入类型）")
        raw_types = {}
    for name, node in raw_types.items():
        input_types.append((str(name), _input(ctx, node, f"$.input_types.{name}")))
    sheets = tuple(_sheet(ctx, node, f"$.sheets[{i}]") for i, node in enumerate(ctx.seq(top, "sheets", "$")))
    tables = {b.table_id: b for s in sheets for b in s.blocks if b.kind == "table"}
    computed = tuple(
        c for i, node in enumerate(ctx.seq(top, "computed", "$")) for c in read_computed(ctx, node, f"$.computed[{i}]", tables)
    )
    rules = tuple(r for i, node in enumerate(ctx.seq(top, "rules", "$")) for r in read_rule(ctx, node, f"$.rules[{i}]", tables))
    return TemplateSpec(
        id=template_id,
        version=ctx.string(top, "version", "$"),
        title=ctx.text(top.get("title", {"zh": template_id}), "$.title"),
        password=ctx.string(top, "password", "$"),
        input_types=tuple(input_types),
        sheets=sheets,
        computed=computed,
        rules=rules,
        unit_field=ctx.string(identity, "unit", "$.identity"),
        year_field=ctx.string(identity, "year", "$.identity"),
        document=read_document(ctx, top.get("document")),
    )


def _input(ctx: RawReader, node: Any, path: str) -> InputSpec:
    node = ctx.mapping(node, path, ("type",), ("required", "min", "max", "decimals", "max_length", "unit", "aggregate"))
    kind = ctx.string(node, "type", path)
    if kind and kind not in INPUT_TYPES:
        ctx.bad(f"{path}.type", f"未知的输入类型“{kind}”；可选：{', '.join(INPUT_TYPES)}")
    spec = InputSpec(
        type=kind,
        required=ctx.boolean(node, "required", path, True),
        min=ctx.number(node, "min", path),
        max=ctx.number(node, "max", path),
        decimals=ctx.integer(node, "decimals", path, 0),
        max_length=ctx.integer(node, "max_length", path, 0) or None,
        unit=ctx.string(node, "unit", path),
        aggregate=ctx.string(node, "aggregate", path),
        path=path,
    )
    if spec.aggregate and spec.aggregate not in AGGREGATES:
        ctx.bad(f"{path}.aggregate", f"汇总方式应为 {', '.join(AGGREGATES)} 之一")
    if spec.aggregate == "sum" and kind not in ("whole", "decimal"):
        ctx.bad(f"{path}.aggregate", "只有数值输入可以求和汇总")
    if kind == "text" and not spec.max_length:
        ctx.bad(f"{path}.max_length", "文本输入必须规定最大长度")
    if spec.decimals < 0 or (spec.decimals and kind != "decimal"):
        ctx.bad(f"{path}.decimals", "只有 decimal 类型可以规定小数位数，且不能为负")
    if kind in ("text", "date") and (spec.min is not None or spec.max is not None):
        ctx.bad(path, f"{kind} 类型不支持 min/max（文本用 max_length；日期固定为 2000—2100 年）")
    if spec.min is not None and spec.max is not None and spec.min > spec.max:
        ctx.bad(f"{path}.min", "最小值大于最大值")
    return spec


def _sheet(ctx: RawReader, node: Any, path: str) -> Sheet:
    node = ctx.mapping(node, path, ("name", "blocks"), ("landscape", "width"))
    blocks = tuple(_block(ctx, b, f"{path}.blocks[{i}]") for i, b in enumerate(ctx.seq(node, "blocks", path)))
    return Sheet(
        name=ctx.string(node, "name", path),
        blocks=blocks,
        landscape=ctx.boolean(node, "landscape", path),
        width=ctx.integer(node, "width", path, 0),
        path=path,
    )


def _block(ctx: RawReader, node: Any, path: str) -> Block:
    kind = node.get("kind") if isinstance(node, dict) else None
    if kind in ("title", "note"):
        node = ctx.mapping(node, path, ("kind", "text"), ())
        return Block(kind=kind, path=path, text=ctx.string(node, "text", path))
    if kind == "fields":
        node = ctx.mapping(node, path, ("kind", "fields"), ())
        fields = tuple(_field(ctx, f, f"{path}.fields[{i}]") for i, f in enumerate(ctx.seq(node, "fields", path)))
        return Block(kind="fields", path=path, fields=fields)
    if kind == "table":
        node = ctx.mapping(
            node, path, ("kind", "table_id", "id_pattern", "columns"), ("title", "corner", "cell_input", "rows")
        )
        return Block(
            kind="table",
            path=path,
            table_id=ctx.string(node, "table_id", path),
            title=ctx.string(node, "title", path),
            corner=ctx.string(node, "corner", path),
            id_pattern=ctx.string(node, "id_pattern", path),
            cell_input=ctx.string(node, "cell_input", path),
            columns=tuple(_header(ctx, c, f"{path}.columns[{i}]") for i, c in enumerate(ctx.seq(node, "columns", path))),
            rows=tuple(_header(ctx, r, f"{path}.rows[{i}]") for i, r in enumerate(ctx.seq(node, "rows", path))),
        )
    ctx.bad(f"{path}.kind", "块类型应为 title、note、fields 或 table 之一")
    return Block(kind="note", path=path)


def _field(ctx: RawReader, node: Any, path: str) -> Field:
    node = ctx.mapping(node, path, ("id", "label"), ("input", "formula", "summary", "block_style", "height"))
    kinds = [k for k in ("input", "formula") if k in node] + (["summary"] if node.get("summary") else [])
    if len(kinds) != 1:
        ctx.bad(path, "每个字段必须且只能有 input、formula、summary 三者之一")
    return Field(
        id=ctx.string(node, "id", path),
        label=ctx.string(node, "label", path),
        input=_input(ctx, node["input"], f"{path}.input") if "input" in node else None,
        formula=ctx.string(node, "formula", path),
        summary=ctx.boolean(node, "summary", path),
        block_style=ctx.boolean(node, "block_style", path),
        height=ctx.integer(node, "height", path, 0),
        path=path,
    )


def _header(ctx: RawReader, node: Any, path: str) -> HeaderNode:
    node = ctx.mapping(node, path, ("label",), ("key", "children", "span", "in_path", "input"))
    children = tuple(_header(ctx, c, f"{path}.children[{i}]") for i, c in enumerate(ctx.seq(node, "children", path)))
    span = ctx.integer(node, "span", path, 1)
    if span < 1 or (span > 1 and children):
        ctx.bad(f"{path}.span", "span 只能用于叶子列，且至少为 1")
    return HeaderNode(
        label=ctx.string(node, "label", path),
        key=ctx.string(node, "key", path),
        children=children,
        span=span,
        in_path=ctx.boolean(node, "in_path", path, True),
        input=ctx.string(node, "input", path),
        path=path,
    )

