"""A broken template is refused with one TemplateError that lists every problem with its `$.path`.

The author must be able to fix a template in one pass, so every mistake (structural: unknown keys,
missing keys, wrong types; semantic: duplicate IDs, unknown references, cycles, ...) must be reported
at once, each against the YAML path to fix.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from workbook_builder.cli import main
from workbook_builder.spec import TemplateError, load_template, load_template_text
from workbook_builder.template.registry import builtin_template_paths

# A small valid template; the tests below break it in known places.
VALID: dict[str, Any] = {
    "id": "broken",
    "version": "1.0",
    "password": "pw",
    "input_types": {"count": {"type": "whole", "min": 0}},
    "sheets": [
        {
            "name": "甲表",
            "blocks": [
                {
                    "kind": "fields",
                    "fields": [
                        {"id": "meta.name", "label": "名称", "input": {"type": "text", "max_length": 10}},
                        {"id": "meta.other", "label": "其他", "input": {"type": "text", "max_length": 10}},
                    ],
                },
                {
                    "kind": "table",
                    "table_id": "t1",
                    "id_pattern": "t1.{row}.{col}",
                    "cell_input": "count",
                    "columns": [{"key": "a", "label": "甲"}, {"key": "b", "label": "乙"}, {"key": "c", "label": "丙"}],
                    "rows": [{"key": "r1", "label": "行一"}, {"key": "r2", "label": "行二"}],
                },
                {
                    "kind": "table",
                    "table_id": "t2",
                    "id_pattern": "t2.{col}",
                    "cell_input": "count",
                    "columns": [{"key": "x", "label": "戊"}, {"key": "y", "label": "己"}],
                },
            ],
        }
    ],
    "computed": [
        {"target": "t1.r1.c", "formula": "t1.r1.a+t1.r1.b"},
        {"target": "t1.r2.c", "formula": "SUM(t1.r2.a:t1.r2.b)"},
    ],
    "rules": [
        {
            "id": "R1",
            "severity": "error",
            "for_each": {"col": "columns:t1"},
            "check": "t1.r2.{col} <= t1.r1.{col}",
            "show": {"table": "t1", "column": "{col}", "label": "校验"},
            "message": "第二行不超过第一行",
        },
        {"id": "R2", "severity": "warning", "check": "t2.x >= t2.y", "message": "戊不小于己"},
    ],
}

# (path, a word the message must contain); a tuple of paths accepts any one of them.
Expected = list[tuple[str | tuple[str, ...], str]]


def _structural(t: dict[str, Any]) -> Expected:
    """Shape and type mistakes: what the loader reports."""
    t["colour"] = "red"  # unknown top-level key
    t["input_types"]["money"] = {"type": "currency"}  # unknown input type
    t["input_types"]["note"] = {"type": "text"}  # text input without max_length
    fields = t["sheets"][0]["blocks"][0]["fields"]
    fields.insert(0, {"label": "无ID", "input": {"type": "text", "max_length": 10}})  # missing id
    fields[1]["colour"] = "blue"  # unknown key in a field (now fields[1])
    t["rules"][1]["check"] = "t2.x >= t2.y = 1"  # two comparators
    return [
        ("$.colour", "未知的键"),
        ("$.input_types.money.type", "currency"),
        ("$.input_types.note.max_length", "最大长度"),
        ("$.sheets[0].blocks[0].fields[0].id", "缺少必填项"),
        ("$.sheets[0].blocks[0].fields[1].colour", "未知的键"),
        ("$.rules[1].check", "比较符"),
    ]


def _semantic(t: dict[str, Any], fields_offset: int = 0) -> Expected:
    """Meaning mistakes on a structurally valid template: what lint reports."""
    t["sheets"][0]["name"] = "甲/乙"  # '/' is not allowed in a sheet name
    fields = t["sheets"][0]["blocks"][0]["fields"]
    fields[fields_offset + 1]["id"] = "meta.name"  # duplicate data point ID
    t["computed"][0]["formula"] = "t1.r1.a+t1.nope.zz"  # unknown ID
    t["computed"].append({"target": "t1.r1.a", "formula": "t1.r1.c-1"})  # t1.r1.c → t1.r1.a → t1.r1.c
    t["computed"][1]["formula"] = "SUM(t1.r2.a:t2.y)"  # a range across two tables
    t["rules"].append({
        "id": "R3", "severity": "error", "check": "t1.r1.a >= 0", "message": "非负",
        "show": {"table": "t1", "column": "zz", "label": "校验三"},  # no such column
    })
    return [
        ("$.sheets[0].name", "工作表名称"),
        (f"$.sheets[0].blocks[0].fields[{fields_offset + 1}].id", "重复"),
        ("$.computed[0].formula", "t1.nope.zz"),
        (("$.computed[0].formula", "$.computed[2].formula"), "循环引用"),
        ("$.computed[1].formula", "不在同一张表"),
        ("$.rules[2].show.column", "zz"),
    ]


def _problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(TemplateError) as info:
        load_template_text(text)
    problems = [(p.path, p.message) for p in info.value.problems]
    # The exception text lists every problem, each with its path.
    for path, message in problems:
        assert f"{path}: {message}" in str(info.value)
    return problems


def _dump(t: dict[str, Any]) -> str:
    return yaml.safe_dump(t, allow_unicode=True, sort_keys=False)


def _assert_reported(problems: list[tuple[str, str]], expected: Expected, exact: bool = True) -> None:
    missing = []
    for paths, word in expected:
        paths = (paths,) if isinstance(paths, str) else paths
        if not any(path in paths and word in message for path, message in problems):
            missing.append((paths, word))
    listing = "\n".join(f"  {p}: {m}" for p, m in problems)
    assert not missing, f"not reported: {missing}\nreported:\n{listing}"
    if exact:
        assert len(problems) == len(expected), f"unexpected extra problems:\n{listing}"


def test_the_valid_base_template_loads() -> None:
    spec = load_template_text(_dump(VALID))
    assert spec.id == "broken"


def test_builtin_templates_are_valid() -> None:
    paths = builtin_template_paths()
    assert "gov_info_disclosure_2021" in paths
    for path in paths.values():
        load_template(path)


def test_structural_mistakes_all_reported_with_paths() -> None:
    t = copy.deepcopy(VALID)
    expected = _structural(t)
    _assert_reported(_problems(_dump(t)), expected)


def test_semantic_mistakes_all_reported_with_paths() -> None:
    t = copy.deepcopy(VALID)
    expected = _semantic(t)
    _assert_reported(_problems(_dump(t)), expected)


def test_every_mistake_at_once_is_reported_in_one_error() -> None:
    t = copy.deepcopy(VALID)
    expected = _structural(t) + _semantic(t, fields_offset=1)
    # Exactness is not required here: a half-built field may add a second message at its own path.
    _assert_reported(_problems(_dump(t)), expected, exact=False)


def test_invalid_yaml_syntax() -> None:
    problems = _problems("id: broken\nsheets: [unclosed\n  - name: x\n")
    assert len(problems) == 1
    path, message = problems[0]
    assert path == "$"
    assert "YAML 语法错误" in message
    assert "line" in message  # the parser's position helps the author find the mistake


@pytest.mark.parametrize("text", ["- a\n- b\n", "42\n", "just a string\n", ""])
def test_template_that_is_not_a_mapping(text: str) -> None:
    problems = _problems(text)
    assert problems == [("$", problems[0][1])]
    assert "映射" in problems[0][1]


@pytest.mark.parametrize("variant", ["structural", "semantic"])
def test_cli_build_with_broken_template_exits_2_and_writes_nothing(tmp_path: Path, variant: str) -> None:
    t = copy.deepcopy(VALID)
    expected = _structural(t) if variant == "structural" else _semantic(t)
    broken = tmp_path / "broken.yaml"
    broken.write_text(_dump(t), encoding="utf-8")
    out = tmp_path / "out" / "x.xlsx"
    result = CliRunner().invoke(main, ["build", "-t", str(broken), "-o", str(out)])
    assert result.exit_code == 2, result.output
    for paths, _ in expected:
        paths = (paths,) if isinstance(paths, str) else paths
        assert any(p in result.stderr for p in paths), (paths, result.stderr)
    assert not out.exists()
    leftovers = [p for p in tmp_path.rglob("*") if p.suffix == ".xlsx"]
    assert leftovers == []


def test_cli_build_with_missing_template_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    result = CliRunner().invoke(main, ["build", "-t", str(tmp_path / "nope.yaml"), "-o", str(out)])
    assert result.exit_code == 2
    assert "找不到模板" in result.stderr
    assert not out.exists()
