"""Pre-fill data (JSON or YAML keyed by data point ID) → input values ready for the writer.

Values that merely break a consistency rule are accepted (the checker reports those). An unknown
ID, or a value the input cannot hold, is refused with a message naming the ID and what to fix.
A formula cell's value may be given (real reports publish their totals) but must match the formula.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..findings import Code
from ..spec.yaml import parse_yaml
from ..template.inputs import check_value, date_to_serial, describe
from ..template.layout import Layout

Value = float | str | None


class DataError(UsageError, ValueError):
    """Pre-fill data that cannot be used. `problems` lists every problem, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("预填数据有误：\n" + "\n".join(f"  {p}" for p in problems))


def read_data_file(path: str | Path) -> dict[str, Any]:
    """Read `{id: value}` from .json, .yaml or .yml; a top-level `values:` mapping is unwrapped."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text) if path.suffix.lower() == ".json" else parse_yaml(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DataError([f"无法读取数据文件 {path}：{exc}"]) from None
    if isinstance(raw, dict) and isinstance(raw.get("values"), dict):
        raw = raw["values"]
    if not isinstance(raw, dict):
        raise DataError([f"{path}：数据文件应为“数据点ID: 值”的映射"])
    return {str(k): v for k, v in raw.items()}


def _normalise(value: Any, itype: str) -> Any:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if itype != "date":
        # YAML reads 2024-01-01 as a date: text keeps it as written, anything else refuses it
        return value.isoformat() if isinstance(value, dt.date) and itype == "text" else value
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            return value
    if isinstance(value, dt.date):
        return date_to_serial(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def prepare_inputs(layout: Layout, data: Mapping[str, Any], computed: Mapping[str, Any] | None = None,
                   strict: bool = True) -> dict[str, Value]:
    """Validate `data` against the template's inputs; `computed` (if given) checks formula values.

    With strict=False, values an input would reject are kept (tests use this to make bad files);
    unknown IDs are refused either way.
    """
    problems: list[str] = []
    out: dict[str, Value] = {}
    for datapoint, raw in data.items():
        cell = layout.by_id.get(datapoint)
        if cell is None:
            problems.append(f"{datapoint}：模板中没有这个数据点 ID")
            continue
        if cell.kind != "input" or cell.input is None:
            continue  # formula values are compared after computing, in `check_given_formulas`
        value = _normalise(raw, cell.input.type)
        if value is not None and not isinstance(value, (str, float)):
            problems.append(f"{datapoint}（{cell.label}）：值 {raw!r} 的类型不对，应为{describe(cell.input)}")
            continue
        if cell.input.type == "text" and isinstance(value, float):
            value = str(int(value)) if value.is_integer() else repr(value)
        problem = check_value(cell.input, value)
        if problem and strict and problem.code != Code.MISSING_INPUT:
            problems.append(f"{datapoint}（{cell.label}）：{problem.detail()}；应为{describe(cell.input)}")
            continue
        out[datapoint] = value
    if problems:
        raise DataError(problems)
    return out


def check_given_formulas(layout: Layout, data: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """Refuse data that states a formula cell's value different from what the formula gives."""
    problems = []
    for datapoint, raw in data.items():
        cell = layout.by_id.get(datapoint)
        if cell is None or cell.kind == "input":
            continue
        got = values.get(datapoint)
        given = float(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else raw
        same = given == got or (isinstance(given, float) and isinstance(got, float) and abs(given - got) < 1e-6)
        if not same:
            problems.append(
                f"{datapoint}（{cell.label}）是公式单元格：数据给出 {raw!r}，按公式 ={cell.formula} 计算为 {got!r}。"
                "请核对分项数据，或从数据中删去这一项"
            )
    if problems:
        raise DataError(problems)
