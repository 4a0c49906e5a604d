"""`for_each` expansion: a computed entry or a rule written once, instantiated per binding.

`for_each: {r: rows:T3}` binds `r` to each row key of table T3 (or to a literal list); several
variables give their cartesian product. `{r}` placeholders are substituted in the target, formula,
check and shown column; an unknown placeholder is left for lint to report.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

from .ids import leaves
from .model import COMPARATORS, SEVERITIES, Block, Computed, Rule
from .raw import RawReader


def _expand(ctx: RawReader, node: dict, path: str, tables: dict[str, Block]) -> Iterator[dict[str, str]]:
    """The bindings of `for_each`: the cartesian product of its lists, in declaration order."""
    raw = node.get("for_each", {})
    if not isinstance(raw, dict):
        ctx.bad(f"{path}.for_each", "应为映射（变量: 列表）")
        return
    names, values = [], []
    for var, source in raw.items():
        names.append(str(var))
        if isinstance(source, list) and all(isinstance(v, str) for v in source):
            values.append(source)
        elif isinstance(source, str) and re.fullmatch(r"(rows|columns):\w+", source):
            axis, table_id = source.split(":")
            table = tables.get(table_id)
            if table is None:
                ctx.bad(f"{path}.for_each.{var}", f"找不到表“{table_id}”")
                return
            keys = [k for k, _, _ in leaves(table.rows if axis == "rows" else table.columns)]
            if not keys:
                ctx.bad(f"{path}.for_each.{var}", f"表“{table_id}”没有{'行' if axis == 'rows' else '列'}可以展开")
                return
            values.append(keys)
        else:
            ctx.bad(f"{path}.for_each.{var}", "应为字符串列表，或 rows:表ID / columns:表ID")
            return
    for combo in itertools.product(*values):
        yield dict(zip(names, combo, strict=True))


def substitute(text: str, bindings: dict[str, str]) -> str:
    """Replace `{var}` placeholders; unknown placeholders are left for lint to report."""
    return re.sub(r"\{(\w+)\}", lambda m: bindings.get(m.group(1), m.group(0)), text)


def read_computed(ctx: RawReader, node: Any, path: str, tables: dict[str, Block]) -> list[Computed]:
    """One `computed:` entry, expanded over its `for_each` bindings."""
    node = ctx.mapping(node, path, ("target", "formula"), ("id", "for_each"))
    target, formula = ctx.string(node, "target", path), ctx.string(node, "formula", path)
    return [Computed(substitute(target, b), substitute(formula, b), path) for b in _expand(ctx, node, path, tables)]


def read_rule(ctx: RawReader, node: Any, path: str, tables: dict[str, Block]) -> list[Rule]:
    """One `rules:` entry, expanded over its `for_each` bindings; none when its check is unreadable."""
    node = ctx.mapping(node, path, ("id", "severity", "check", "message"), ("for_each", "show", "scope", "tolerance"))
    rule_id, severity = ctx.string(node, "id", path), ctx.string(node, "severity", path)
    if severity and severity not in SEVERITIES:
        ctx.bad(f"{path}.severity", f"严重程度应为 {', '.join(SEVERITIES)} 之一")
    scope = ctx.string(node, "scope", path, "current")
    if scope not in ("current", "prior"):
        ctx.bad(f"{path}.scope", "scope 应为 current 或 prior")
    check = ctx.string(node, "check", path)
    parts = _split_comparison(check)
    if parts is None:
        ctx.bad(f"{path}.check", f"检查式应为“左式 比较符 右式”，比较符为 {' '.join(COMPARATORS)} 之一")
        return []
    show = ctx.mapping(node.get("show", {}), f"{path}.show", (), ("table", "column", "label"))
    message = ctx.text(node.get("message", ""), f"{path}.message")
    tolerance = ctx.number(node, "tolerance", path)
    rules = []
    for b in _expand(ctx, node, path, tables):
        left, comparator, right = parts
        rules.append(
            Rule(
                id=rule_id,
                severity=severity,
                left=substitute(left, b),
                comparator=comparator,
                right=substitute(right, b),
                message=message,
                bindings=tuple(b.items()),
                show_table=ctx.string(show, "table", path),
                show_label=ctx.string(show, "label", path),
                show_column=substitute(ctx.string(show, "column", path), b),
                scope=scope,
                tolerance=1e-6 if tolerance is None else tolerance,
                path=path,
            )
        )
    return rules


def _split_comparison(check: str) -> tuple[str, str, str] | None:
    """Split `left OP right` at the single top-level comparator outside strings and brackets."""
    depth, in_string, hits = 0, False, []
    i = 0
    while i < len(check):
        ch = check[i]
        if ch == '"':
            in_string = not in_string
        elif not in_string and ch == "(":
            depth += 1
        elif not in_string and ch == ")":
            depth -= 1
        elif not in_string and depth == 0 and ch in "<>=":
            op = check[i : i + 2] if check[i : i + 2] in ("<=", ">=") else ch
            hits.append((i, op))
            i += len(op)
            continue
        i += 1
    if len(hits) != 1:
        return None
    pos, op = hits[0]
    left, right = check[:pos].strip(), check[pos + len(op) :].strip()
    return (left, op, right) if left and right else None
