"""Fill our workbook through a real LibreOffice the way a person would, and read its results back.

Shared by the LibreOffice round-trip, honest-fill and tamper tests and by
``tests/render_readme_image.py``.  Everything here is pure Python over the template's layout;
the UNO side is the test driver in ``tests/helpers`` (``LibreOffice.run`` with ops).

* :func:`valid_fill` — a seeded random fill of EVERY input that satisfies every rule of the
  template (errors and warnings alike), so that an honest file raises no finding above info;
* :func:`typing_ops` — the UNO ops that enter such a fill: numbers and the date typed as text
  into the input line (``type``), texts stored as text (``set``);
* :func:`read_ops` / :func:`values_from` — ``get`` every formula (or any) cell and map the
  results back to data point IDs.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from workbook_builder import api
from workbook_builder.ooxml.refs import a1
from workbook_builder.template import registry
from workbook_builder.template.inputs import date_to_serial
from workbook_builder.template.layout import Cell, Layout

TEMPLATE = registry.resolve()
LAYOUT: Layout = TEMPLATE.layout
PASSWORD: str = TEMPLATE.spec.password
SEVERE = ("error", "warning")  # "above info"

DATE_TYPED = "2025-01-20"

REQUEST_COLUMNS = ("person", "business", "research", "nonprofit", "legal_services", "other_org")
RESULT_ROWS = tuple(
    dp.split(".")[1]
    for dp, c in LAYOUT.by_id.items()
    if dp.startswith("requests.") and dp.endswith(".person") and c.kind == "input"
    and dp.split(".")[1] not in ("new", "carried_over", "carried_forward")
)
SHEETS = tuple(s.name for s in LAYOUT.sheets)

CHINESE = "政府信息公开工作年度报告依申请主动复议诉讼处理结果本机关掌握行政许可处罚强制收费规章规范性文件"
QUOTES = "“引号”‘单引号’\"ASCII\"'撇号'《书名号》<&>"


def cell(datapoint: str) -> Cell:
    return LAYOUT.by_id[datapoint]


def input_type(datapoint: str) -> str:
    spec = cell(datapoint).input
    assert spec is not None, f"{datapoint} is not an input"
    return spec.type


def addr(datapoint: str) -> str:
    """The cell as the UNO ops address it (without the sheet): 'B7'."""
    c = cell(datapoint)
    return a1(c.row, c.col)


# ---------------------------------------------------------------- fills


def count(rng: random.Random, large: bool = False) -> int:
    """0 often, small numbers mostly, now and then a large one."""
    pick = rng.random()
    if pick < 0.25:
        return 0
    if pick < 0.85 or not large:
        return rng.randint(1, 500)
    return rng.randint(10**6, 10**11)


def fee(rng: random.Random) -> str:
    """A fee in 万元 below the N3 warning threshold, with 0–6 decimals, as a person types it."""
    whole = rng.choice((0, rng.randint(1, 999), rng.randint(1000, 999_999)))
    decimals = rng.randint(0, 6)
    if not decimals:
        return str(whole)
    frac = str(rng.randint(0, 10**decimals - 1)).zfill(decimals)
    return f"{whole}.{frac}"


def chinese_text(rng: random.Random, length: int) -> str:
    """`length` characters of Chinese, with quotes and markup-like characters mixed in."""
    base = (CHINESE + QUOTES) * (length // len(CHINESE + QUOTES) + 1)
    start = rng.randrange(len(CHINESE + QUOTES))
    text = (base + base)[start:start + length]
    return text if text.strip() else "文" * length


def valid_fill(seed: int = 0, large: bool = True) -> dict[str, Any]:
    """Every input of the template with a value that satisfies every rule (errors and warnings).

    Numbers come back as int, the fee as the decimal text a person types, the date as
    ``DATE_TYPED``; see :func:`expected_inputs` for the values a checker should read back.
    """
    rng = random.Random(seed)
    out: dict[str, Any] = {
        "meta.unit_name": "某某市人民政府办公室" + chinese_text(rng, rng.randint(0, 20)),
        "meta.year": rng.randint(2021, 2100),
        "meta.contact_person": "张三",
        "meta.contact_phone": f"0517-{rng.randint(10_000_000, 99_999_999)}",
        "meta.date": DATE_TYPED,
        "text.overview": chinese_text(rng, rng.randint(50, 400)),
        "text.problems": chinese_text(rng, rng.randint(1, 200)),
        "text.other": "无。",
    }
    for kind in ("rules", "normative"):
        issued = count(rng)
        repealed = count(rng)
        in_force = max(count(rng, large), issued)  # T2-1: issued <= in_force + repealed
        out.update({f"disclosure.{kind}.issued": issued, f"disclosure.{kind}.repealed": repealed,
                    f"disclosure.{kind}.in_force": in_force})
    for row in ("licensing", "penalty", "coercion"):
        out[f"disclosure.{row}.decisions"] = count(rng, large)
    out["disclosure.fees.amount"] = fee(rng)
    for col in REQUEST_COLUMNS:
        results = {row: count(rng, large=large and rng.random() < 0.1) for row in RESULT_ROWS}
        forward = count(rng)
        handled = sum(results.values()) + forward
        carried_over = rng.randint(0, handled) if rng.random() < 0.5 else 0
        for row, value in results.items():
            out[f"requests.{row}.{col}"] = value
        out[f"requests.carried_forward.{col}"] = forward
        out[f"requests.carried_over.{col}"] = carried_over
        out[f"requests.new.{col}"] = handled - carried_over  # T3-A holds, so does T3-D
    for block in ("review", "suit_direct", "suit_after_review"):
        for col in ("upheld", "corrected", "other", "pending"):
            out[f"appeals.{block}.{col}"] = count(rng, large)
    missing = {c.datapoint for c in LAYOUT.inputs} - set(out)
    assert not missing, f"valid_fill misses inputs: {sorted(missing)}"
    return out


def expected_inputs(fill: Mapping[str, Any]) -> dict[str, Any]:
    """What a file holding ``fill`` says for each input, as our checker reads it (numbers as float)."""
    out: dict[str, Any] = {}
    for dp, value in fill.items():
        itype = input_type(dp)
        if itype == "date":
            out[dp] = date_to_serial(dt.date.fromisoformat(value)) if isinstance(value, str) else float(value)
        elif itype in ("whole", "decimal"):
            out[dp] = float(value)
        else:
            out[dp] = value
    return out


def exported_inputs(fill: Mapping[str, Any]) -> dict[str, Any]:
    """What ``api.export`` should give for each input of ``fill``."""
    out: dict[str, Any] = {}
    for dp, value in fill.items():
        itype = input_type(dp)
        if itype == "whole":
            out[dp] = int(value)
        elif itype == "decimal":
            out[dp] = float(value)
        else:
            out[dp] = value  # text as is; the date as its ISO text
    return out


# ---------------------------------------------------------------- ops


def typing_op(datapoint: str, value: Any) -> dict:
    """Numbers and dates typed into the input line; text stored as text (a person's paste)."""
    c = cell(datapoint)
    if c.input is not None and c.input.type == "text":
        return {"op": "set", "sheet": c.sheet, "cell": addr(datapoint), "value": str(value)}
    return {"op": "type", "sheet": c.sheet, "cell": addr(datapoint), "text": str(value)}


def typing_ops(fill: Mapping[str, Any]) -> list[dict]:
    return [typing_op(dp, value) for dp, value in fill.items()]


def read_ops(datapoints: Iterable[str]) -> tuple[list[dict], list[list[str]]]:
    """One ``get`` op per sheet for the cells of ``datapoints``; the IDs in the same order."""
    by_sheet: dict[str, list[str]] = {}
    for dp in datapoints:
        by_sheet.setdefault(cell(dp).sheet, []).append(dp)
    ops = [{"op": "get", "sheet": sheet, "cells": [addr(dp) for dp in dps]} for sheet, dps in by_sheet.items()]
    return ops, list(by_sheet.values())


def values_from(results: list, order: list[list[str]]) -> dict[str, dict]:
    """Map the results of :func:`read_ops`' ops (the last ``len(order)`` results) back to IDs."""
    got = results[len(results) - len(order):]
    out: dict[str, dict] = {}
    for dps, infos in zip(order, got, strict=True):
        for dp, info in zip(dps, infos, strict=True):
            out[dp] = info
    return out


FORMULA_IDS = tuple(c.datapoint for c in LAYOUT.formulas)
CHECK_IDS = tuple(c.datapoint for c in LAYOUT.formulas if c.kind == "check")


def fill_and_save(office, source, fill: Mapping[str, Any], out, extra: Iterable[dict] = (),
                  calculate: bool = True) -> dict[str, dict]:
    """Type ``fill`` into ``source`` through LibreOffice, recalculate, save ``out`` as xlsx.

    Returns LibreOffice's result for every formula cell (``get`` info by data point ID).
    """
    ops, order = read_ops(FORMULA_IDS)
    results = office.run(source, [
        *typing_ops(fill), *extra,
        *([{"op": "calculate_all"}] if calculate else []),
        {"op": "save_xlsx", "path": str(out)},
        *ops,
    ])
    return values_from(results, order)


def severe(report) -> list:
    """The findings above info of a `FileResult`."""
    return [f for f in report.findings if f.severity in SEVERE]


def describe_findings(findings) -> str:
    return "\n".join(f"{f.code} {f.severity} {f.cell} {f.datapoint} {f.rule} exp={f.expected!r} act={f.actual!r}"
                     for f in findings) or "(none)"


def build_empty(path: str | Path) -> None:
    """The default workbook, empty, written to ``path``."""
    Path(path).write_bytes(api.build())
