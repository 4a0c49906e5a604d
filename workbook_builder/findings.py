"""Findings, reports, and the catalogue of finding codes with their Chinese and English messages.

A finding is data, never an exception. Severity is fixed per code, except for rule findings,
which carry the severity their rule declares in the template.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Code:
    code: str
    severity: str  # error · warning · info · rule (the rule's own severity)
    zh: str  # what it is
    en: str
    fix_zh: str  # what to do
    fix_en: str


CATALOGUE: dict[str, Code] = {c.code: c for c in (
    Code("unreadable-file", "error", "文件无法读取", "the file cannot be read",
         "请用 Excel、WPS 或 LibreOffice 打开后另存为 .xlsx 再提交", "open it in Excel, WPS or LibreOffice and save it as .xlsx"),
    Code("unsafe-content", "error", "文件含有不安全或主动内容", "the file contains unsafe or active content",
         "请在本工具生成的原始工作簿中填写，不要加入宏、外部链接或嵌入对象", "fill in the original workbook without macros, links or embedded objects"),
    Code("unknown-template", "error", "不是由本工具的模板生成的工作簿", "not a workbook made from one of our templates",
         "请使用下发的填报工作簿，或用 --template 指定模板", "use the workbook that was issued, or name the template with --template"),
    Code("template-version-mismatch", "error", "工作簿的模板版本与检查所用模板不一致", "the workbook was made from another template version",
         "请用当前版本的工作簿重新填报，或用对应版本的模板检查", "refill the current workbook, or check with the matching template version"),
    Code("structure-changed", "error", "工作簿结构被改动", "the workbook's structure was changed",
         "请勿增删、重命名工作表或插入、删除行列；请在原始工作簿中重新填写", "do not add, remove or rename sheets or insert or delete rows or columns"),
    Code("label-changed", "error", "表格标签被改动", "a label was changed",
         "标签必须与国办公开办函〔2021〕30号的格式一致，请恢复原文", "labels must match the official format; restore the original text"),
    Code("formula-overwritten", "error", "公式被改写为常数", "a formula was overwritten with a constant",
         "该单元格应由公式自动计算，请恢复公式或使用原始工作簿", "this cell is computed; restore its formula or use the original workbook"),
    Code("formula-changed", "error", "公式被修改", "a formula was changed",
         "请恢复模板规定的公式", "restore the template's formula"),
    Code("protection-removed", "warning", "工作表保护被取消", "sheet protection was removed",
         "请使用原始工作簿；取消保护后公式和标签容易被误改", "use the original workbook; without protection formulas and labels are easily changed"),
    Code("validation-removed", "warning", "输入单元格的数据有效性被删除或改动", "data validation was removed from an input or changed",
         "请使用原始工作簿；数据有效性可以防止误填", "use the original workbook; validation prevents wrong entries"),
    Code("lock-changed", "warning", "单元格锁定状态被改动", "a cell's lock state was changed",
         "请使用原始工作簿：填报单元格应解锁，公式和标签应锁定", "use the original workbook: inputs unlocked, formulas and labels locked"),
    Code("missing-input", "error", "必填数据未填写", "a required value is blank",
         "请在该单元格填写", "fill in the cell"),
    Code("invalid-input", "error", "填写的数据不符合要求", "a value does not fit its cell",
         "请按单元格的填写提示重新填写", "re-enter it as the cell's prompt says"),
    Code("stale-value", "error", "单元格显示的值与按模板公式重算的结果不一致", "the cell's stored value differs from the recomputed one",
         "请在 Excel/WPS 中按 F9 重新计算后保存，或检查是否被篡改", "recalculate (F9) and save, or check for tampering"),
    Code("no-cached-values", "info", "保存文件的程序没有计算公式，工作簿中没有公式结果", "the saving program stored no formula results",
         "已按模板公式重新计算并检查；如需显示结果，请在 Excel/WPS 中重新计算后保存", "values were recomputed from the template; recalculate and save to show them"),
    Code("rule-failed", "rule", "勾稽关系不成立", "a consistency rule fails",
         "请核对相关单元格的数据", "check the figures in the cells involved"),
    Code("prior-year-mismatch", "rule", "与上年报告不一致", "inconsistent with last year's report",
         "请核对本年数据与上年报告", "compare this year's figures with last year's report"),
    Code("checker-error", "error", "检查程序内部错误，此文件未能完成检查", "the checker failed on this file",
         "请把此文件和错误信息报告给工具维护者", "report this file and the message to the maintainers"),
    Code("prior-year-not-found", "info", "未找到上年报告，未做跨年度核对", "no prior-year workbook was found; year-on-year rules were not checked",
         "请确认 --prior 给出的上年工作簿中单位名称与本表一致、报告年度为上一年", "make sure the workbook given with --prior names the same unit and last year"),
)}


@dataclass(frozen=True)
class Finding:
    """One problem found in one file, at one cell where there is one."""

    code: str
    severity: str
    cell: str | None = None
    datapoint: str | None = None
    label: str | None = None
    rule: str | None = None
    expected: Any = None
    actual: Any = None
    detail_zh: str = ""
    detail_en: str = ""
    cells: tuple[str, ...] = ()  # every cell involved (rule findings)

    def message(self, lang: str = "zh") -> str:
        entry = CATALOGUE[self.code]
        if lang == "en":
            where = f"{self.cell} ({self.label}): " if self.cell and self.label else (f"{self.cell}: " if self.cell else "")
            detail = f": {self.detail_en}" if self.detail_en else ""
            return f"{where}{entry.en}{detail}. Fix: {entry.fix_en}."
        where = f"{self.cell}（{self.label}）：" if self.cell and self.label else (f"{self.cell}：" if self.cell else "")
        detail = f"：{self.detail_zh}" if self.detail_zh else ""
        return f"{where}{entry.zh}{detail}。处理：{entry.fix_zh}。"

    def as_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "code": self.code, "severity": self.severity, "cell": self.cell, "datapoint": self.datapoint,
            "label": self.label, "rule": self.rule, "expected": self.expected, "actual": self.actual,
            "message": self.message(lang), "cells": list(self.cells),
        }


def show(value: Any) -> str:
    """A value as a person reads it in a message: 3600, not 3600.0; blank, not None."""
    if value is None or value == "":
        return "空白"
    if isinstance(value, float) and abs(value) >= 1e15:
        return f"{value:.6g}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def make(code: str, severity: str | None = None, **kwargs: Any) -> Finding:
    """A finding with the catalogue's severity (rule codes pass their rule's severity)."""
    entry = CATALOGUE[code]
    sev = entry.severity if entry.severity != "rule" else severity
    if sev not in SEVERITY_ORDER:
        raise ValueError(f"finding {code} needs a severity")
    return Finding(code, sev, **kwargs)


@dataclass(frozen=True)
class FileReport:
    """Everything found in one file."""

    path: str
    template: dict[str, str] | None
    findings: tuple[Finding, ...]
    unit: str | None = None
    year: int | None = None
    saved_by: str | None = None
    claimed_template: str | None = None  # the template id the file's properties name (may differ when forced)

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)


def _cell_key(cell: str | None) -> tuple[str, int, int]:
    """'依申请公开'!B13 → ('依申请公开', 13, 2): B4 before B13, as a person reads a sheet."""
    if not cell:
        return ("", 0, 0)
    sheet, _, ref = cell.rpartition("!") if "!" in cell else (cell, "", "")
    m = re.fullmatch(r"\$?([A-Z]{1,3})\$?(\d+)", ref)
    if not m:
        return (sheet, 0, 0)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return (sheet, int(m.group(2)), col)


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], _cell_key(f.cell), f.code)))


def select(findings: Iterable[Finding], select_codes: Iterable[str] = (), ignore: Iterable[str] = ()) -> tuple[Finding, ...]:
    """Keep findings whose code (or its prefix) is selected and not ignored."""
    sel, ign = tuple(select_codes), tuple(ignore)
    return tuple(
        f for f in findings
        if (not sel or any(f.code.startswith(s) for s in sel)) and not any(f.code.startswith(i) for i in ign)
    )
