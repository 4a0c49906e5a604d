"""Data point IDs as the template declares them; shared by lint, layout and the public API."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Block, HeaderNode, Rule, TemplateSpec

ID_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")


@dataclass(frozen=True)
class TableCell:
    """One data cell of a table: its ID, its row and column leaf, and their ancestor chains."""

    id: str
    row_index: int
    col_index: int
    row: HeaderNode | None
    col: HeaderNode
    row_chain: tuple[HeaderNode, ...]
    col_chain: tuple[HeaderNode, ...]
    input_name: str


def leaves(nodes: tuple[HeaderNode, ...]) -> list[tuple[str, HeaderNode, tuple[HeaderNode, ...]]]:
    """Leaves in order, each with its joined key (`review.upheld`) and its ancestor chain."""
    out: list[tuple[str, HeaderNode, tuple[HeaderNode, ...]]] = []

    def walk(node: HeaderNode, chain: tuple[HeaderNode, ...]) -> None:
        chain = chain + (node,)
        if node.is_leaf:
            out.append((".".join(n.key for n in chain if n.key), node, chain))
        for child in node.children:
            walk(child, chain)

    for n in nodes:
        walk(n, ())
    return out


def label_columns(block: Block) -> int:
    """How many columns a table's row labels take: the depth of its row tree (0 without rows)."""

    def depth(nodes: tuple[HeaderNode, ...]) -> int:
        return max((1 + depth(n.children) for n in nodes), default=0)

    return depth(block.rows)


def table_width(block: Block) -> int:
    """How many sheet columns a table takes: its label columns and its leaf columns' spans."""
    return label_columns(block) + sum(n.span for _, n, _ in leaves(block.columns))


def table_cells(block: Block) -> list[TableCell]:
    """Every data cell of a table block, row by row."""
    rows: list[tuple[str, HeaderNode | None, tuple[HeaderNode, ...]]] = [*leaves(block.rows)] or [("", None, ())]
    cols = leaves(block.columns)
    cells = []
    for ri, (rkey, rnode, rchain) in enumerate(rows):
        for ci, (ckey, cnode, cchain) in enumerate(cols):
            datapoint = block.id_pattern.replace("{row}", rkey).replace("{col}", ckey)
            input_name = cnode.input or (rnode.input if rnode else "") or block.cell_input
            cells.append(TableCell(datapoint, ri, ci, rnode, cnode, rchain, cchain, input_name))
    return cells


def check_id(rule: Rule) -> str:
    """The ID of the live check cell that shows one instance of a rule (`checks.t3_a.person`)."""
    slug = re.sub(r"[^a-z0-9_]", "_", rule.id.lower())
    column = rule.show_column.replace(".", "_") or "all"
    return f"checks.{slug}.{column}"


def shown_rules(spec: TemplateSpec) -> list[Rule]:
    """Rules that get a live check cell in the workbook."""
    return [r for r in spec.rules if r.show_table and r.scope == "current"]


def declared_datapoints(spec: TemplateSpec) -> dict[str, str]:
    """Every data point ID the template declares (fields, table cells, check cells) → its YAML path."""
    out: dict[str, str] = {}
    for sheet in spec.sheets:
        for block in sheet.blocks:
            for f in block.fields:
                out.setdefault(f.id, f.path)
            if block.kind == "table":
                for cell in table_cells(block):
                    out.setdefault(cell.id, block.path)
    for rule in shown_rules(spec):
        out.setdefault(check_id(rule), rule.path)
    return out
