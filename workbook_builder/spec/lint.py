"""Semantic checks of a structurally valid template: names, IDs, references, cycles.

Returns every problem at once, each with the `$.path` of the YAML to fix.
"""

from __future__ import annotations

import re

from .document import lint_document
from .errors import Problem
from .formula_text import is_prior, references, strip_prior, translate
from .ids import ID_RE, check_id, declared_datapoints, leaves, shown_rules, table_cells
from .model import Block, TemplateSpec

_SHEET_FORBIDDEN = re.compile(r"[:\\/?*\[\]]")


def lint(spec: TemplateSpec) -> list[Problem]:
    problems: list[Problem] = []
    bad = lambda path, msg: problems.append(Problem(path, msg))  # noqa: E731

    if not re.fullmatch(r"\d+(\.\d+){0,2}", spec.version):
        bad("$.version", "版本号应形如 1.0.0")
    if not spec.password:
        bad("$.password", "必须规定工作表保护密码")
    _lint_sheets(spec, bad)
    ids = declared_datapoints(spec)
    cells = _cell_index(spec)
    inputs = {name for name, _ in spec.input_types}
    computed_targets: dict[str, str] = {}
    for c in spec.computed:
        if c.target not in cells:
            bad(f"{c.path}.target", f"计算目标“{c.target}”不是任何表格中的单元格")
        elif c.target in computed_targets:
            bad(f"{c.path}.target", f"“{c.target}”已在 {computed_targets[c.target]} 定义了公式")
        computed_targets[c.target] = c.path
        _lint_refs(c.formula, f"{c.path}.formula", ids, cells, bad, allow_prior=False)
    for sheet in spec.sheets:
        for block in sheet.blocks:
            for f in block.fields:
                if f.formula:
                    _lint_refs(f.formula, f"{f.path}.formula", ids, cells, bad, allow_prior=False)
    for block in _tables(spec):
        for cell in table_cells(block):
            if cell.id not in computed_targets and cell.input_name not in inputs:
                bad(block.path, f"单元格“{cell.id}”没有输入类型（cell_input 或 input），也没有公式")
    tables = {b.table_id: b for b in _tables(spec)}
    for r in spec.rules:
        _lint_refs(r.left, f"{r.path}.check", ids, cells, bad, allow_prior=r.scope == "prior")
        _lint_refs(r.right, f"{r.path}.check", ids, cells, bad, allow_prior=r.scope == "prior")
        if r.show_table:
            table = tables.get(r.show_table)
            if table is None:
                bad(f"{r.path}.show.table", f"找不到表“{r.show_table}”")
            elif r.show_column not in {k for k, _, _ in leaves(table.columns)}:
                bad(f"{r.path}.show.column", f"表“{r.show_table}”没有列“{r.show_column}”")
            if r.scope == "prior":
                bad(f"{r.path}.show", "与上年比较的规则不能在工作簿中显示校验单元格")
        if not r.message.zh:
            bad(f"{r.path}.message", "规则必须有中文说明")
    seen_checks: set[str] = set()
    for r in shown_rules(spec):
        if check_id(r) in seen_checks:
            bad(f"{r.path}.show.column", f"校验单元格“{check_id(r)}”重复")
        seen_checks.add(check_id(r))
    for key, datapoint in (("unit", spec.unit_field), ("year", spec.year_field)):
        if datapoint and datapoint not in ids:
            bad(f"$.identity.{key}", f"引用了不存在的数据点“{datapoint}”")
    _lint_cycles(spec, cells, bad)
    lint_document(spec, bad)
    return problems


def _tables(spec: TemplateSpec) -> list[Block]:
    return [b for s in spec.sheets for b in s.blocks if b.kind == "table"]


def _lint_sheets(spec: TemplateSpec, bad) -> None:  # type: ignore[no-untyped-def]
    names: set[str] = set()
    table_ids: set[str] = set()
    seen: dict[str, str] = {}
    defined_names: dict[str, str] = {}
    summaries = 0
    if not spec.sheets:
        bad("$.sheets", "至少需要一个工作表")
    for sheet in spec.sheets:
        if not sheet.name or len(sheet.name) > 31 or _SHEET_FORBIDDEN.search(sheet.name):
            bad(f"{sheet.path}.name", "工作表名称须为 1–31 个字符，且不能含 : \\ / ? * [ ]")
        if sheet.name.casefold() in names:
            bad(f"{sheet.path}.name", f"工作表名称“{sheet.name}”重复（Excel 不区分大小写）")
        if sheet.name.startswith("'") or sheet.name.endswith("'"):
            bad(f"{sheet.path}.name", "工作表名称不能以单引号开头或结尾")
        names.add(sheet.name.casefold())
        for block in sheet.blocks:
            if block.kind in ("title", "note") and not block.text:
                bad(f"{block.path}.text", "标题或说明不能为空")
            for f in block.fields:
                summaries += f.summary
                _lint_id(f.id, f"{f.path}.id", seen, defined_names, bad)
                if not f.label:
                    bad(f"{f.path}.label", "标签不能为空")
            if block.kind != "table":
                continue
            if block.table_id in table_ids:
                bad(f"{block.path}.table_id", f"表 ID“{block.table_id}”重复")
            table_ids.add(block.table_id)
            if "{col}" not in block.id_pattern or (block.rows and "{row}" not in block.id_pattern):
                bad(f"{block.path}.id_pattern", "id_pattern 必须包含 {col}，有行时还必须包含 {row}")
            if not block.columns:
                bad(f"{block.path}.columns", "表格至少需要一列")
            for cell in table_cells(block):
                _lint_id(cell.id, f"{block.path}.id_pattern", seen, defined_names, bad)
            _lint_headers(block, bad)
    if summaries > 1:
        bad("$.sheets", "最多只能有一个 summary 字段")


def _lint_headers(block: Block, bad) -> None:  # type: ignore[no-untyped-def]
    for axis, nodes in (("columns", block.columns), ("rows", block.rows)):
        for _, node, chain in leaves(nodes):
            if not all(n.label for n in chain):
                bad(node.path, "表头标签不能为空")
        keys = [k for k, _, _ in leaves(nodes)]
        if axis == "rows" or keys:
            dup = {k for k in keys if keys.count(k) > 1}
            if dup:
                bad(f"{block.path}.{axis}", f"叶子键重复：{', '.join(sorted(dup))}")


def _lint_id(datapoint: str, path: str, seen: dict[str, str], defined: dict[str, str], bad) -> None:  # type: ignore[no-untyped-def]
    if not ID_RE.fullmatch(datapoint) or datapoint.startswith("prior."):
        bad(path, f"数据点 ID“{datapoint}”格式不对：应为小写字母、数字、下划线组成的点分名称，如 requests.new.person")
        return
    if datapoint in seen:
        bad(path, f"数据点 ID“{datapoint}”重复（另见 {seen[datapoint]}）")
    seen[datapoint] = path
    name = datapoint.replace(".", "_")
    if name in defined and defined[name] != datapoint:
        bad(path, f"数据点 ID“{datapoint}”与“{defined[name]}”的定义名称相同")
    defined[name] = datapoint


def _cell_index(spec: TemplateSpec) -> dict[str, tuple[str, int, int]]:
    """Table data point → (table, row index, column index), for ranges and cycle checks."""
    return {c.id: (b.table_id, c.row_index, c.col_index) for b in _tables(spec) for c in table_cells(b)}


def _lint_refs(formula: str, path: str, ids: dict[str, str], cells, bad, allow_prior: bool) -> None:  # type: ignore[no-untyped-def]
    if not formula:
        bad(path, "公式或检查式不能为空")
    leftover = re.findall(r"\{(\w+)\}", formula)
    if leftover:
        bad(path, f"占位符 {', '.join('{' + v + '}' for v in leftover)} 没有在 for_each 中定义")
    bare = re.sub(r'"(?:[^"]|"")*"', "", translate(formula, lambda a, b: "ID"))
    a1_refs = re.findall(r"(?<![A-Za-z_.])\$?[A-Z]{1,3}\$?\d+\b", bare)
    if a1_refs:
        bad(path, f"公式中出现了单元格地址 {', '.join(a1_refs)}：请用数据点 ID 引用单元格，单元格地址由布局决定")
    if formula.count("(") != formula.count(")"):
        bad(path, "括号不配对")
    for a, b in references(formula):
        for ref in (a, b) if b else (a,):
            if is_prior(ref) and not allow_prior:
                bad(path, f"只有 scope: prior 的规则可以引用上年数据（{ref}）")
            if strip_prior(ref) not in ids:
                bad(path, f"引用了不存在的数据点“{ref}”")
        if b and (strip_prior(a) in cells and strip_prior(b) in cells):
            if cells[strip_prior(a)][0] != cells[strip_prior(b)][0]:
                bad(path, f"区域 {a}:{b} 的两端不在同一张表中")
        elif b:
            bad(path, f"区域 {a}:{b} 只能连接同一张表中的两个单元格")


def expand(a: str, b: str | None, cells: dict[str, tuple[str, int, int]]) -> list[str]:
    """The data points a reference covers (a range covers the rectangle between its ends)."""
    if b is None or a not in cells or b not in cells:
        return [a] if b is None else [a, b]
    table, r1, c1 = cells[a]
    _, r2, c2 = cells[b]
    return [
        k for k, (t, r, c) in cells.items()
        if t == table and min(r1, r2) <= r <= max(r1, r2) and min(c1, c2) <= c <= max(c1, c2)
    ]


def _lint_cycles(spec: TemplateSpec, cells, bad) -> None:  # type: ignore[no-untyped-def]
    graph = {c.target: [d for a, b in references(c.formula) for d in expand(a, b, cells)] for c in spec.computed}
    paths = {c.target: c.path for c in spec.computed}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for dep in graph.get(node, []):
            if state.get(dep) == 1:
                bad(f"{paths[node]}.formula", "公式循环引用：" + " → ".join(trail + [node, dep]))
            elif dep in graph and not state.get(dep):
                visit(dep, trail + [node])
        state[node] = 2

    for target in graph:
        if not state.get(target):
            visit(target, [])
