"""The catalogue: every finding code, its severity, and its zh/en meaning, fix and reason templates.

A code says *what* is wrong; a *reason* names the sub-case and owns the detail sentence, written
once here as a template with named fields (`应为公式 {expected}，现为空白`). Call sites pass only
the fields. A template may also name the finding's own fields (`cell`, `label`, `rule`, `expected`,
`actual`), so a value already on the finding is not passed twice, and may give a field a format
from `FORMATS` (`{actual:show}`): the few ways a value is written into a sentence.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from typing import Any

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
LANGS = ("zh", "en")
FINDING_FIELDS = frozenset({"cell", "datapoint", "label", "rule", "expected", "actual"})
FRAME_FIELDS = frozenset({"detail", "reason"})  # what a frame wraps: the reason's text and its slug


class Code(StrEnum):
    """Every finding code; the value is the stable kebab-case slug that JSON and --select use."""

    UNREADABLE_FILE = "unreadable-file"
    UNSAFE_CONTENT = "unsafe-content"
    # inputs refused before any check: a zip's members that are not unpacked, uploads over the desk's caps
    ZIP_REFUSED = "zip-refused"
    UPLOAD_REFUSED = "upload-refused"
    UNKNOWN_TEMPLATE = "unknown-template"
    TEMPLATE_VERSION_MISMATCH = "template-version-mismatch"
    STRUCTURE_CHANGED = "structure-changed"
    EXTRA_SHEET = "extra-sheet"
    SHEET_HIDDEN = "sheet-hidden"
    LABEL_CHANGED = "label-changed"
    FORMULA_OVERWRITTEN = "formula-overwritten"
    FORMULA_CHANGED = "formula-changed"
    PROTECTION_REMOVED = "protection-removed"
    VALIDATION_REMOVED = "validation-removed"
    LOCK_CHANGED = "lock-changed"
    MISSING_INPUT = "missing-input"
    INVALID_INPUT = "invalid-input"
    INPUT_FORMULA = "input-formula"
    STALE_VALUE = "stale-value"
    NO_CACHED_VALUES = "no-cached-values"
    RULE_FAILED = "rule-failed"
    PRIOR_YEAR_MISMATCH = "prior-year-mismatch"
    CHECKER_ERROR = "checker-error"
    PRIOR_YEAR_NOT_FOUND = "prior-year-not-found"
    PRIOR_YEAR_NOT_MATCHED = "prior-year-not-matched"
    PRIOR_YEAR_AMBIGUOUS = "prior-year-ambiguous"
    # publish: the annual report document made from a checked workbook
    PUBLISH_ROUNDTRIP_MISMATCH = "publish-roundtrip-mismatch"
    PUBLISH_EMPTY_SECTION = "publish-empty-section"
    PUBLISH_PLACEHOLDER_TEXT = "publish-placeholder-text"
    PUBLISH_TEXT_CLEANED = "publish-text-cleaned"
    # import: reading a published report (text, HTML, docx, PDF) into the template's data points
    IMPORT_UNSUPPORTED = "import-unsupported"
    IMPORT_NO_TEXT = "import-no-text"
    IMPORT_LIMIT = "import-limit"
    IMPORT_NOT_A_REPORT = "import-not-a-report"
    IMPORT_IDENTITY = "import-identity"
    IMPORT_ROW_MISSING = "import-row-missing"
    IMPORT_AMBIGUOUS = "import-ambiguous"
    IMPORT_SUSPECT = "import-suspect"
    # checks of a published report
    PUBLISHED_NOT_A_NUMBER = "published-not-a-number"
    PUBLISHED_TOTAL_MISMATCH = "published-total-mismatch"
    PUBLISHED_HEADING = "published-heading"
    PUBLISHED_OLD_FORMAT = "published-old-format"
    PUBLISHED_PROSE_MISMATCH = "published-prose-mismatch"


@dataclass(frozen=True)
class Text:
    """A piece already worded in both languages (a rule's message, what an input accepts)."""

    zh: str
    en: str | None  # a rule may give no English message; it then reads "None", as it always has

    def __str__(self) -> str:
        return self.zh


def _show(value: Any, lang: str) -> str:
    return show(value)


def _text(value: Any, lang: str) -> str:
    return "" if value is None else str(value)


def _cells(value: Any, lang: str) -> str:
    return ", ".join(value) or ("无" if lang == "zh" else "none")


def _name(value: Any, lang: str) -> str:
    return str(value) if value else ("（无）" if lang == "zh" else "(none)")


def _unit(value: Any, lang: str) -> str:
    return str(value) if value else ("未填单位" if lang == "zh" else "unknown unit")


def _year(value: Any, lang: str) -> str:
    return str(value) if value else ("未填" if lang == "zh" else "unknown")


@dataclass(frozen=True)
class Term:
    """One cell (or a summed run of cells) on a side of a failed rule, as a person finds it."""

    cell: str  # D5, or D8:D22 for the sum of a run of cells
    label: str  # its short label (the words its cells do not all share)
    last_label: str = ""  # a summed run: the last cell's label (`label` is the first's)
    prior: bool = False  # a cell of last year's report


@dataclass(frozen=True)
class Side:
    """One side of a failed rule: its formula over data point IDs (kept for programs), the terms and
    the operators or constants between them (for people), and its value."""

    formula: str
    parts: tuple[Term | str, ...]
    value: Any = None


_PRIOR = {"zh": ("上年报告的", "上年"), "en": ("last year's ", "last year's ")}
_RUN = {"zh": "{first}至{last}之和", "en": "the sum of {first} to {last}"}


def _side(value: Any, lang: str) -> str:
    """`本年新收… + 上年结转…（D5+D6 = 12）`: the labels, then the cells and the side's value; a side
    with no cells is its value alone."""
    if not isinstance(value, Side):
        return str(value)
    if not any(isinstance(p, Term) for p in value.parts):
        return show(value.value)
    label_prior, cell_prior = _PRIOR[lang]
    spaced = any(isinstance(p, Term) and p.prior for p in value.parts)  # 上年D4 + B4, not 上年D4+B4
    words, cells = [], []
    for part in value.parts:
        if isinstance(part, Term):
            label = _RUN[lang].format(first=part.label, last=part.last_label) if part.last_label else part.label
            words.append((label_prior if part.prior else "") + label)
            cells.append((cell_prior if part.prior else "") + part.cell)
        else:
            words.append(f" {part.strip()} ")
            cells.append(f" {part.strip()} " if spaced else part.strip())
    fmt = "{words}（{cells} = {value}）" if lang == "zh" else "{words} ({cells} = {value})"
    return fmt.format(words="".join(words).strip(), cells="".join(cells), value=show(value.value))


_COMPARE = {"zh": {"=": "应等于", "<=": "应不大于", ">=": "应不小于", "<": "应小于", ">": "应大于"},
            "en": {"=": "must equal", "<=": "must be at most", ">=": "must be at least", "<": "must be less than",
                   ">": "must be more than"}}


def _compare(value: Any, lang: str) -> str:
    return _COMPARE[lang].get(str(value), str(value))


# How a field may be written into a sentence: `{field:show}`.
FORMATS: dict[str, Callable[[Any, str], str]] = {
    "show": _show,    # a value as a person reads it: 3600, not 3600.0; 空白, not None
    "text": _text,    # the cell's text, or nothing
    "cells": _cells,  # a list of cell ranges, or 无 / none
    "name": _name,    # a name, or （无） / (none)
    "unit": _unit,    # a unit's name, or 未填单位 / unknown unit
    "year": _year,    # a year, or 未填 / unknown
    "side": _side,    # a rule's side: its labels, cells and value (a `Side`)
    "compare": _compare,  # a rule's comparator in words: 应等于, 应不大于 …
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


class _Formatter(string.Formatter):
    """str.format in one language: `Text` values pick that language, `{x:show}` uses FORMATS."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Text):
            value = value.zh if self.lang == "zh" else value.en
        if format_spec in FORMATS:
            return FORMATS[format_spec](value, self.lang)
        return super().format_field(value, format_spec)


_FORMATTERS = {lang: _Formatter(lang) for lang in LANGS}


def fill(template: str, lang: str, values: Mapping[str, Any]) -> str:
    """One template filled in one language."""
    return _FORMATTERS[lang].vformat(template, (), values)


def template_fields(template: str) -> frozenset[str]:
    """The field names a template uses."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


@dataclass(frozen=True)
class Reason:
    """One sub-case of a code: its detail sentence in Chinese and English, with named fields.
    `says_fix`: the sentence already says what to do, so a finding's message does not add its
    code's fix after it (the fix is said once)."""

    zh: str
    en: str
    says_fix: bool = False

    @cached_property
    def fields(self) -> frozenset[str]:
        """Every field either language uses (a language may leave one out)."""
        return template_fields(self.zh) | template_fields(self.en)

    def text(self, lang: str, values: Mapping[str, Any]) -> str:
        return fill(self.zh if lang == "zh" else self.en, lang, values)


@dataclass(frozen=True)
class Entry:
    """A code's catalogue entry. `frame`, where given, wraps every reason's text: `{detail}` is the
    reason's sentence and `{reason}` its slug."""

    code: Code
    severity: str  # error · warning · info · rule (the rule's own severity)
    zh: str  # what it is
    en: str
    fix_zh: str  # what to do
    fix_en: str
    reasons: Mapping[str, Reason] = field(default_factory=dict)
    frame: Reason | None = None

    def fields(self, reason: str) -> frozenset[str]:
        """The fields a finding of this reason needs (its own fields included)."""
        used = self.reasons[reason].fields
        if self.frame is not None:
            used |= self.frame.fields - FRAME_FIELDS
        return used


R = Reason
_RESAVE_ZH = "请用 Excel 或 WPS 打开后另存为 .xlsx 再重新提交"
_RESAVE_EN = "open it in Excel or WPS, save it as .xlsx and submit it again"
_SAVE_AS_ZH = "请在表格软件中另存为 .xlsx 后交回"
_SAVE_AS_EN = "save it as .xlsx in your spreadsheet program and return that"

# The preflight's reasons (check/preflight), in the order they are checked. Each is also a sentence
# on its own: the preflight's Problem ends it with a full stop.
PREFLIGHT_UNREADABLE: dict[str, Reason] = {
    "io-error": R("无法读取该文件（文件不存在、是目录或没有读取权限），请检查文件后重新提交",
                  "The file cannot be read (it is missing, a directory or not readable); check it and submit it again"),
    "empty": R("文件是空的（0 字节），请重新保存 .xlsx 文件后再提交",
               "The file is empty (0 bytes); save the .xlsx file again and resubmit it"),
    "too-large": R("文件超过 {limit} 的大小上限，请删除无关内容或拆分后重新提交",
                   "The file is larger than the {limit} limit; remove unneeded content or split it and resubmit"),
    "encrypted": R("文件已加密（设置了打开密码），请取消密码、另存为未加密的 .xlsx 后重新提交",
                   "The file is encrypted (it has an open password); remove the password, save an unencrypted .xlsx and resubmit"),
    "legacy-xls": R(f"这是 .xls 文件（Excel 97-2003 或 WPS 表格的旧格式），{_SAVE_AS_ZH}",
                    f"This is an .xls file (the old Excel 97-2003 or WPS format); {_SAVE_AS_EN}"),
    "not-zip": R(f"文件不是 .xlsx 格式（不是 Office Open XML 压缩包），{_RESAVE_ZH}",
                 f"The file is not an .xlsx file (not an Office Open XML package); {_RESAVE_EN}"),
    "truncated": R("文件已损坏或不完整（可能是上传或复制时中断），请重新保存或导出后再提交",
                   "The file is damaged or incomplete (perhaps an interrupted upload or copy); save or export it again and resubmit"),
    "unsupported-compression": R(f"文件部件 {{part}} 使用了 .xlsx 不允许的压缩方式，{_RESAVE_ZH}",
                                 f"Part {{part}} uses a compression method that .xlsx does not allow; {_RESAVE_EN}"),
    "not-xlsx": R("文件是压缩包，但其中没有 Excel 工作簿，请交回填好的 .xlsx 工作簿",
                  "The file is a zip package but holds no Excel workbook; return the filled .xlsx workbook"),
    # Files that are some other kind of table or document, named by their content (preflight/sniff.py).
    "ods": R(f"这是 .ods 文件，{_SAVE_AS_ZH}", f"This is an .ods file; {_SAVE_AS_EN}"),
    "xlsb": R(f"这是 .xlsb 文件（Excel 二进制工作簿），{_SAVE_AS_ZH}", f"This is an .xlsb file (an Excel binary workbook); {_SAVE_AS_EN}"),
    "numbers": R("这是 Numbers 表格文件，请在 Numbers 中导出为 Excel（.xlsx）后交回",
                 "This is an Apple Numbers file; export it to Excel (.xlsx) in Numbers and return that"),
    "xml-spreadsheet": R(f"这是 XML 表格文件（Excel 2003 XML 格式），{_SAVE_AS_ZH}",
                         f"This is an XML spreadsheet (the Excel 2003 XML format); {_SAVE_AS_EN}"),
    "html-table": R("这是网页（HTML）格式的表格，不是 Excel 工作簿，请在下发的 .xlsx 工作簿中填写后交回",
                    "This is a table in web page (HTML) format, not an Excel workbook; fill in the .xlsx workbook that was issued and return it"),
    "csv": R("这是 .csv 文本文件，没有工作簿的表格和公式，请在下发的 .xlsx 工作簿中填写后交回",
             "This is a .csv text file, without the workbook's tables and formulas; fill in the .xlsx workbook that was issued and return it"),
    "document": R("这是文字文档（如 Word、WPS 文字、PDF 或 .odt），不是填报的表格，请交回填好的 .xlsx 工作簿",
                  "This is a text document (Word, WPS Writer, PDF or .odt), not the report's workbook; return the filled .xlsx workbook"),
    "bad-xml": R(f"文件内部的 XML 部件 {{part}} 格式错误，{_RESAVE_ZH}", f"The XML part {{part}} inside the file is malformed; {_RESAVE_EN}"),
}
PREFLIGHT_UNSAFE: dict[str, Reason] = {
    "too-many-entries": R(f"文件内部的部件数量超过 {{limit}} 个，结构异常，{_RESAVE_ZH}",
                          f"The file holds more than {{limit}} parts, which is abnormal; {_RESAVE_EN}"),
    "duplicate-part": R(f"文件内部有重名的部件 {{part}}，内容有歧义，{_RESAVE_ZH}",
                        f"The file holds the part {{part}} more than once, so its content is ambiguous; {_RESAVE_EN}"),
    "unsafe-path": R(f"文件内部含有不安全的路径 {{part}}，已拒绝处理，{_RESAVE_ZH}", f"The file holds an unsafe path {{part}} and was refused; {_RESAVE_EN}"),
    "zip-bomb": R("文件解压后的大小异常（疑似“压缩炸弹”），已拒绝处理，请提交正常保存的 .xlsx 文件",
                  "The file inflates to an abnormal size (a suspected zip bomb) and was refused; submit a normally saved .xlsx file"),
    "doctype": R(f"文件内部的 XML 部件 {{part}} 含有 DOCTYPE 或实体声明（可用于“实体炸弹”攻击），已拒绝处理，{_RESAVE_ZH}",
                 f"The XML part {{part}} declares a DOCTYPE or entities (usable for entity-bomb attacks) and was refused; {_RESAVE_EN}"),
    "macro": R("文件包含宏（VBA 或 Excel 4.0 宏），请删除宏并另存为 .xlsx（不是 .xlsm）后重新提交",
               "The file contains macros (VBA or Excel 4.0); remove them, save as .xlsx (not .xlsm) and resubmit"),
    "activex": R("文件包含 ActiveX 控件，请删除控件并另存为 .xlsx 后重新提交", "The file contains ActiveX controls; delete them, save as .xlsx and resubmit"),
    "ole-object": R("文件包含嵌入或链接的 OLE 对象（如嵌入的文档或程序包），请删除这些对象后重新提交",
                    "The file contains embedded or linked OLE objects (such as embedded documents or packages); delete them and resubmit"),
    "dde": R("文件包含 DDE 动态数据交换公式或链接（可启动外部程序），请删除相关公式后重新提交",
             "The file contains DDE formulas or links (which can start other programs); delete them and resubmit"),
    "external-link": R("文件包含指向其他工作簿的外部链接，请在“数据 → 编辑链接”中断开链接（将公式转为数值）后重新提交",
                       "The file links to other workbooks; break the links (Data > Edit Links > Break Link) so formulas become values, and resubmit"),
    "data-connection": R("文件包含外部数据连接，请在“数据 → 查询和连接”中删除连接后重新提交",
                         "The file contains external data connections; delete them (Data > Queries & Connections) and resubmit"),
}
# A preflight reason is a sentence of its own that ends with what to do (the preflight's Problem and
# the annotator show it alone): a finding's message says that fix and not its code's fix as well.
PREFLIGHT_UNREADABLE = {k: replace(r, says_fix=True) for k, r in PREFLIGHT_UNREADABLE.items()}
PREFLIGHT_UNSAFE = {k: replace(r, says_fix=True) for k, r in PREFLIGHT_UNSAFE.items()}
# The reader's reasons (check/reader, ReadError): packages that pass the preflight but cannot be a workbook.
READER_UNREADABLE: dict[str, Reason] = {
    "unsafe-xml": R("部件 {part} 含有被禁止的 XML 结构（实体声明或外部引用）：{error}",
                    "part {part} carries a forbidden XML construct (entity declaration or external reference): {error}"),
    "malformed-xml": R("部件 {part} 不是格式正确的 XML（{error}）", "part {part} is not well-formed XML ({error})"),
    # found by the preflight (too many elements) or the reader (a formula too long, shared formulas too many)
    "too-complex": R("文件内容过多或过于复杂（{part} 中的单元格、行、格式、文字或公式远超填报所需），超出了可检查的范围，"
                     "请删除多余内容，或在下发的原始工作簿中重新填写",
                     "the file holds too much or too complex content ({part} has far more cells, rows, formats, text or "
                     "formulas than a return needs) to be checked; remove what is not needed, or fill in the original "
                     "workbook again", says_fix=True),  # re-saving, the code's fix, would not help
    "unknown-sheet-namespace": R("工作表 {sheet}（{part}）的根元素不属于 SpreadsheetML 命名空间：{namespace:name}",
                                 "sheet {sheet} ({part}) root element is not in a SpreadsheetML namespace: {namespace:name}"),
    "no-workbook": R("压缩包中没有工作簿部件（xl/workbook.xml）", "the package has no workbook part (xl/workbook.xml)"),
    "not-a-workbook": R("{part} 的根元素不是 SpreadsheetML 的 workbook：{tag}", "the root element of {part} is not a SpreadsheetML workbook: {tag}"),
    "no-sheets": R("{part} 中没有任何工作表", "{part} lists no sheets"),
    "bad-sheet-entry": R("{part} 中有一个工作表缺少名称或关系 ID（name={sheet!r}）",
                         "a sheet in {part} has no name or no relationship id (name={sheet!r})"),
    "sheet-relationship-missing": R("工作表 {sheet} 的关系 {rid} 在工作簿关系文件中不存在",
                                    "sheet {sheet}: relationship {rid} is not in the workbook relationships"),
    "sheet-part-missing": R("工作表 {sheet} 指向的部件 {target} 不存在", "sheet {sheet}: its part {target} is missing from the package"),
    "unsupported-encoding": R("XML 编码 {codec} 无法使用（{error}）", "unsupported XML encoding {codec} ({error})"),
}
# What an input cell refuses (template/inputs.check_value), as one phrase; an invalid-input finding
# frames it with what the cell accepts, pre-fill data errors with the data point.
INPUT_REASONS: dict[str, Reason] = {
    "too-long": R("共{length}个字，超过上限{max_length}个字", "{length} characters, more than the limit of {max_length}"),
    "not-a-date": R("“{value}”不是日期", "“{value}” is not a date"),
    "date-out-of-range": R("日期超出 2000—2100 年的范围", "the date is outside 2000–2100"),
    "text-in-number": R("填写了文字“{text}”，此处应填写数字", "holds the text “{text}” where a number is required"),
    "placeholder-in-number": R("填写了文字“{text}”，此处应填写数字；没有发生的请填写0", "holds the text “{text}” where a number is required"),
    "number-as-text": R("数字“{text}”以文本形式存储，请重新输入为数字", "the number “{text}” is stored as text; re-enter it as a number"),
    "formatted-number-as-text": R("“{text}”以文本形式存储（含全角数字或符号、千位分隔符或空格），请用半角数字重新输入为 {plain}",
                                  "“{text}” is stored as text (full-width digits or signs, thousands separators or spaces); "
                                  "re-enter it in half-width digits as {plain}"),
    "not-a-number": R("“{value}”不是数字", "“{value}” is not a number"),
    "below-min": R("{value}小于下限{min}", "{value} is below the minimum {min}"),
    "beyond-precision": R("{value}超出了表格能精确保存的范围（15位数字）", "{value} is beyond the 15 digits a spreadsheet keeps exactly"),
    "above-max": R("{value}大于上限{max}", "{value} is above the maximum {max}"),
    "fractional": R("{value}不是整数", "{value} is not a whole number"),
    "too-many-decimals": R("{value}超过{decimals}位小数", "{value} has more than {decimals} decimal places"),
    "error-value": R("单元格显示错误值 {value}", "the cell shows the error {value}"),  # from the checker, not check_value
}
# A failed rule names its cells, their labels and both sides' values; the data point IDs stay in the
# `Side`s (for programs), never in the sentence.
_RULE_ZH = "规则 {rule}：{message}；{left:side}{comparator:compare} {right:side}"
_RULE_EN = "rule {rule}: {message}; {left:side} {comparator:compare} {right:side}"
_RULE = {"failed": R(_RULE_ZH, _RULE_EN)}


def _rule_in_report(fix_zh: str, fix_en: str) -> dict[str, Reason]:
    """A rule that fails in a published report (imports/published.py): its sides show the report's figures,
    not cells to correct, so its fix is said with it: check against the report, republish if it is wrong."""
    return {**_RULE, "in-report": R(f"{_RULE_ZH}。处理：{fix_zh}", f"{_RULE_EN}. Fix: {fix_en}", says_fix=True)}


def _entries() -> tuple[Entry, ...]:
    E = Entry
    C = Code
    return (
        E(C.UNREADABLE_FILE, "error", "文件无法读取", "the file cannot be read",
          "请用 Excel、WPS 或 LibreOffice 打开后另存为 .xlsx 再提交", "open it in Excel, WPS or LibreOffice and save it as .xlsx",
          {**PREFLIGHT_UNREADABLE, **READER_UNREADABLE}),
        E(C.UNSAFE_CONTENT, "error", "文件含有不安全或主动内容", "the file contains unsafe or active content",
          "请在本工具生成的原始工作簿中填写，不要加入宏、外部链接或嵌入对象", "fill in the original workbook without macros, links or embedded objects",
          PREFLIGHT_UNSAFE),
        # batch/zipin.py: the zip (its shown name) or one member (<zip>/<member>) that was not unpacked; the
        # other members are checked. Sizes are in MB, as a clerk reads them in Explorer.
        E(C.ZIP_REFUSED, "error", "压缩包或其中的文件未解压、未检查", "the zip, or a file in it, was not unpacked or checked",
          "请把要交回的工作簿直接放进一个普通的 .zip 压缩包（不设密码、不套压缩包）后重新提交",
          "put the workbooks to return straight into a plain .zip (no password, no zip inside) and submit it again",
          {"damaged": R("压缩包已损坏或不是 .zip 文件，无法解开", "the zip is damaged or not a .zip file and cannot be unpacked"),
           "encrypted": R("压缩包设置了密码，无法解开", "the zip has a password and cannot be unpacked"),
           "empty": R("压缩包是空的，里面没有文件", "the zip is empty: it holds no file"),
           "too-many": R("压缩包中有 {count} 个文件，超过 {limit} 个的上限", "the zip holds {count} files, more than the limit of {limit}"),
           "too-large": R("压缩包解压后共 {size} MB，超过 {limit} MB 的上限",
                          "the zip unpacks to {size} MB, more than the limit of {limit} MB"),
           "member-encrypted": R("这个文件在压缩包中设置了密码，无法解开", "this file has a password in the zip and cannot be unpacked"),
           "member-too-large": R("这个文件解压后超过 {limit} MB 的上限", "this file unpacks to more than the limit of {limit} MB"),
           "member-damaged": R("这个文件在压缩包中已损坏，无法解开", "this file is damaged in the zip and cannot be unpacked"),
           "bomb": R("这个文件解压后的大小异常（疑似“压缩炸弹”），已拒绝解压",
                     "this file inflates to an abnormal size (a suspected zip bomb) and was refused"),
           "unsafe-name": R("压缩包中的文件名“{name}”含有不安全的路径（“..”、以“/”开头或盘符），已拒绝解压",
                            "the name “{name}” in the zip holds an unsafe path (“..”, a leading “/” or a drive) and was refused"),
           "nested": R("压缩包中又套着压缩包，只解开一层，里面的压缩包未解开",
                       "a zip inside the zip: only one level is unpacked, the inner zip was not"),
           "unsupported-compression": R("这个文件使用了不支持的压缩方式，请用系统自带的“发送到 → 压缩文件夹”重新压缩",
                                        "this file uses an unsupported compression method; zip it again with the "
                                        "system's own “Send to → Compressed folder”", says_fix=True)}),
        # desk/intake.py: an upload refused before it was kept (the browser sent it; nothing was checked)
        E(C.UPLOAD_REFUSED, "error", "上传的文件未被接收、未检查", "an uploaded file was not accepted or checked",
          "请只上传填好的工作簿或其压缩包，过大的请拆分后分批上传", "upload only the filled workbooks or a zip of them; split large uploads",
          {"too-large": R("文件大于 {limit} MB 的上限（已收到 {size} MB）", "the file is larger than the {limit} MB limit ({size} MB received)"),
           "too-many": R("一次上传了 {count} 个文件，超过 {limit} 个的上限", "{count} files in one upload, more than the limit of {limit}"),
           "empty": R("文件是空的（0 字节）", "the file is empty (0 bytes)")}),
        E(C.UNKNOWN_TEMPLATE, "error", "不是由本工具的模板生成的工作簿", "not a workbook made from one of our templates",
          "请使用下发的填报工作簿，或用 --template 指定模板", "use the workbook that was issued, or name the template with --template",
          {"claims": R("文件属性中的模板 ID 为“{actual}”", "the file claims template “{actual}”"),
           "no-id": R("文件属性中的模板 ID 为“无”", "the file claims template “无”")}),
        E(C.TEMPLATE_VERSION_MISMATCH, "error", "工作簿的模板版本与检查所用模板不一致", "the workbook was made from another template version",
          "请用当前版本的工作簿重新填报，或用对应版本的模板检查", "refill the current workbook, or check with the matching template version",
          {"version": R("工作簿为 {actual} 版，检查模板为 {expected} 版", "the workbook is version {actual}, the template is {expected}"),
           "no-version": R("工作簿为 未知 版，检查模板为 {expected} 版", "the workbook is version unknown, the template is {expected}"),
           "fingerprint": R("版本号相同但模板指纹不同（模板被修改过）", "same version, different template fingerprint")}),
        E(C.STRUCTURE_CHANGED, "error", "工作簿结构被改动", "the workbook's structure was changed",
          "请勿增删、重命名工作表或插入、删除行列；请在原始工作簿中重新填写", "do not add, remove or rename sheets or insert or delete rows or columns",
          {"sheet-missing": R("缺少工作表“{sheet}”（被删除或改名）", "sheet “{sheet}” is missing (deleted or renamed)"),
           "sheet-duplicate": R("又有一张工作表名为“{sheet}”，与模板的工作表“{original}”同名（或只差大小写），无法确定哪一张是报表，"
                                "请删除多余的一张",
                                "another sheet is named “{sheet}”, the name of the template's sheet “{original}” (or only "
                                "differs in case), so which one is the report is ambiguous; delete the extra one", says_fix=True),
           "sheet-lookalike": R("工作表“{sheet}”的名称与模板的工作表“{original}”几乎相同（像是复制出的工作表），"
                                "容易与报表混淆，请删除或改用明显不同的名称",
                                "sheet “{sheet}” is named almost like the template's sheet “{original}” (a copy, it seems) "
                                "and is easily taken for the report; delete it or give it a clearly different name", says_fix=True),
           "rows-inserted": R("第 {first} 行附近插入了 {count} 行", "{count} row(s) inserted near row {first}"),
           "rows-deleted": R("第 {first} 行附近删除了 {count} 行", "{count} row(s) deleted near row {first}"),
           "columns-inserted": R("第 {first} 列附近插入了 {count} 列", "{count} column(s) inserted near column {first}"),
           "columns-deleted": R("第 {first} 列附近删除了 {count} 列", "{count} column(s) deleted near column {first}"),
           "merged-changed": R("合并单元格被改动（缺少 {lost:cells}；多出 {extra:cells}）",
                               "merged cells changed (missing {lost:cells}; extra {extra:cells})")}),
        E(C.EXTRA_SHEET, "warning", "工作簿中多出了模板以外的工作表", "the workbook holds a sheet the template does not have",
          "多出的工作表不会被检查，也不会计入报表；如不需要请删除", "an extra sheet is neither checked nor counted; delete it if it is not needed",
          {"visible": R("多出工作表“{sheet}”", "an extra sheet “{sheet}”"),
           "hidden": R("多出隐藏的工作表“{sheet}”", "an extra hidden sheet “{sheet}”"),
           "very-hidden": R("多出深度隐藏的工作表“{sheet}”（在表格软件中无法取消隐藏）",
                            "an extra very hidden sheet “{sheet}” (it cannot be unhidden in the spreadsheet program)")}),
        E(C.SHEET_HIDDEN, "warning", "模板的工作表被隐藏", "a sheet of the template is hidden",
          "请取消隐藏该工作表（右键工作表标签 → 取消隐藏），或使用原始工作簿", "unhide the sheet, or use the original workbook",
          {"hidden": R("工作表“{sheet}”被隐藏", "sheet “{sheet}” is hidden"),
           "very-hidden": R("工作表“{sheet}”被深度隐藏（在表格软件中无法取消隐藏）",
                            "sheet “{sheet}” is very hidden (it cannot be unhidden in the spreadsheet program)")}),
        E(C.LABEL_CHANGED, "error", "表格标签被改动", "a label was changed",
          "标签必须与国办公开办函〔2021〕30号的格式一致，请恢复原文", "labels must match the official format; restore the original text",
          {"changed": R("应为“{expected}”，现为“{actual:text}”", "should read “{expected}”")}),
        E(C.FORMULA_OVERWRITTEN, "error", "公式被改写为常数", "a formula was overwritten with a constant",
          "该单元格应由公式自动计算，请恢复公式或使用原始工作簿", "this cell is computed; restore its formula or use the original workbook",
          {"constant": R("应为公式 {expected}，现为常数 {actual:show}", "should hold {expected}, holds {actual:show}"),
           "blank": R("应为公式 {expected}，现为空白", "should hold {expected}, holds a blank")}),
        E(C.FORMULA_CHANGED, "error", "公式被修改", "a formula was changed",
          "请恢复模板规定的公式", "restore the template's formula",
          {"changed": R("应为 {expected}，现为 {actual}", "should be {expected}, is {actual}")}),
        E(C.PROTECTION_REMOVED, "warning", "工作表保护被取消", "sheet protection was removed",
          "请使用原始工作簿；取消保护后公式和标签容易被误改", "use the original workbook; without protection formulas and labels are easily changed",
          {"unprotected": R("工作表“{sheet}”未受保护", "sheet “{sheet}” is not protected")}),
        E(C.VALIDATION_REMOVED, "warning", "输入单元格的数据有效性被删除或改动", "data validation was removed from an input or changed",
          "请使用原始工作簿；数据有效性可以防止误填", "use the original workbook; validation prevents wrong entries",
          {"removed": R("该单元格已没有数据有效性", "the cell has no data validation"),
           "changed": R("数据有效性被改为“{actual}”", "the validation was changed to “{actual}”")}),
        E(C.LOCK_CHANGED, "warning", "单元格锁定状态被改动", "a cell's lock state was changed",
          "请使用原始工作簿：填报单元格应解锁，公式和标签应锁定", "use the original workbook: inputs unlocked, formulas and labels locked",
          {"label-unlocked": R("标签单元格被解锁", "a label cell was unlocked"),
           "input-locked": R("填报单元格被锁定，无法填写", "an input cell was locked"),
           "formula-unlocked": R("公式单元格被解锁", "a formula cell was unlocked")}),
        E(C.MISSING_INPUT, "error", "必填数据未填写", "a required value is blank",
          "请在该单元格填写", "fill in the cell",
          # the advice fits the cell's declared type (template/inputs.missing_reason)
          {"blank-number": R("应填写{accepts}；没有发生的请填写0", "expected {accepts}; write 0 where nothing happened"),
           "blank-amount": R("应填写{accepts}；金额为零的请填写0", "expected {accepts}; write 0 where the amount is nil"),
           "blank-range": R("应填写{accepts}", "expected {accepts}"),
           "blank-date": R("应填写{accepts}；请按“年-月-日”输入，表格会识别为日期", "expected {accepts}; type it as year-month-day"),
           "blank": R("应填写{accepts}", "expected {accepts}")}),
        E(C.INVALID_INPUT, "error", "填写的数据不符合要求", "a value does not fit its cell",
          "请按单元格的填写提示重新填写", "re-enter it as the cell's prompt says",
          INPUT_REASONS, R("应填写{accepts}；{detail}", "expected {accepts}; {detail}")),
        E(C.INPUT_FORMULA, "error", "填报单元格中填写了公式", "an input cell holds a formula",
          "请删除公式，直接填写数值或文字", "delete the formula and type the value itself",
          {"formula": R("单元格中是公式 {actual}（显示为 {shown:show}），公式的结果不予采信",
                        "the cell holds the formula {actual} (showing {shown:show}); a formula's result is not accepted"),
           "formula-unknown": R("单元格中是公式（显示为 {shown:show}），公式的结果不予采信",
                                "the cell holds a formula (showing {shown:show}); a formula's result is not accepted")}),
        E(C.STALE_VALUE, "error", "单元格显示的值与按模板公式重算的结果不一致", "the cell's stored value differs from the recomputed one",
          "请在 Excel/WPS 中按 F9 重新计算后保存，或检查是否被篡改", "recalculate (F9) and save, or check for tampering",
          {"differs": R("文件中为 {actual:show}，按模板公式 ={formula} 重算应为 {expected:show}",
                        "the file holds {actual:show}; the template's formula gives {expected:show}")}),
        E(C.NO_CACHED_VALUES, "info", "保存文件的程序没有计算公式，工作簿中没有公式结果", "the saving program stored no formula results",
          "已按模板公式重新计算并检查；如需显示结果，请在 Excel/WPS 中重新计算后保存", "values were recomputed from the template; recalculate and save to show them",
          {"saved-by": R("保存程序：{saved_by}", "saved by {saved_by}")}),
        E(C.RULE_FAILED, "rule", "勾稽关系不成立", "a consistency rule fails",
          "请核对上面列出的单元格，改正填错的数据", "check the cells listed above and correct the wrong figure",
          _rule_in_report("请对照报告原文核对上面列出的数字；确是报告有误的，请更正后重新发布",
                          "check the figures listed above against the report; if the report is wrong, correct and "
                          "republish it")),
        E(C.PRIOR_YEAR_MISMATCH, "rule", "与上年报告不一致", "inconsistent with last year's report",
          "请对照上年报告核对上面列出的单元格，改正填错的数据",
          "compare the cells listed above with last year's report and correct the wrong figure",
          _rule_in_report("请对照两年的报告原文核对上面列出的数字；确是报告有误的，请更正后重新发布",
                          "check the figures listed above against both years' reports; if a report is wrong, "
                          "correct and republish it")),
        E(C.CHECKER_ERROR, "error", "检查程序内部错误，此文件未能完成检查", "the checker failed on this file",
          "请把此文件和错误信息报告给工具维护者", "report this file and the message to the maintainers",
          {"exception": R("{error}", "{error}")}),
        E(C.PRIOR_YEAR_NOT_FOUND, "info", "未找到上年报告，未做跨年度核对", "no prior-year workbook was found; year-on-year rules were not checked",
          "请确认上年的工作簿（--prior 给出的，或数据库中记入的）单位名称与本表一致、报告年度为上一年",
          "make sure last year's workbook (given with --prior, or recorded in the store) names the same unit and last year",
          {"not-found": R("没有找到“{unit:unit}”{year}年度的工作簿", "no workbook of “{unit:unit}” for {year}"),
           "not-found-refused": R("没有找到“{unit:unit}”{year}年度的工作簿；上年的压缩包中有 {count} 个文件未解压（{files}），它可能在其中",
                                  "no workbook of “{unit:unit}” for {year}; {count} file(s) of last year's zip were not "
                                  "unpacked ({files}), and it may be among them"),
           "not-in-store": R("数据库中没有“{unit:unit}”{year}年度的报送记录", "the store holds no submission of “{unit:unit}” for {year}"),
           "no-year": R("没有找到“{unit:unit}”上一年度（本表未填报告年度）的工作簿",
                        "no workbook of “{unit:unit}” for the previous year (this file has no year)")}),
        # --prior named one workbook and it is not this unit's of last year: the auditor asked for the
        # cross-year check and it did not run, so this is a warning (a folder without it is an info)
        E(C.PRIOR_YEAR_NOT_MATCHED, "warning", "给出的上年工作簿不是本单位上一年度的，未做跨年度核对",
          "the prior-year workbook given is not this unit's of last year; year-on-year rules were not checked",
          "请用 --prior 给出本单位上一年度的工作簿（单位名称须与本表一致），或给出上年工作簿所在的文件夹",
          "give this unit's workbook of last year with --prior (the same unit name), or last year's folder",
          {"not-found-given": R("没有找到“{unit:unit}”{year}年度的工作簿；给出的上年工作簿是“{given_unit:unit}”{given_year:year}年度的",
                                "no workbook of “{unit:unit}” for {year}; the prior-year workbook given is "
                                "“{given_unit:unit}” for {given_year:year}"),
           "no-year-given": R("没有找到“{unit:unit}”上一年度（本表未填报告年度）的工作簿；"
                              "给出的上年工作簿是“{given_unit:unit}”{given_year:year}年度的",
                              "no workbook of “{unit:unit}” for the previous year (this file has no year); the "
                              "prior-year workbook given is “{given_unit:unit}” for {given_year:year}"),
           "given-unreadable": R("给出的上年工作簿 {file} 无法读取，或不是本工具模板的工作簿",
                                 "the prior-year workbook {file} cannot be read or is not made from one of our templates")}),
        E(C.PRIOR_YEAR_AMBIGUOUS, "warning", "上年文件夹中本单位同一年度有多个工作簿",
          "last year's folder holds several workbooks of this unit and year",
          "请在上年文件夹中只保留正式交回的一份（删除草稿或旧稿）", "keep only the final one in last year's folder (remove drafts)",
          {"valid": R("{year}年度有 {count} 个：{files}；选用了其中唯一没有错误的 {chosen}",
                      "{count} for {year}: {files}; used the only one without errors, {chosen}"),
           "date": R("{year}年度有 {count} 个：{files}；选用了填报日期最晚的 {chosen}",
                     "{count} for {year}: {files}; used the one with the latest date, {chosen}"),
           "modified": R("{year}年度有 {count} 个：{files}；选用了最后修改的 {chosen}",
                         "{count} for {year}: {files}; used the one modified last, {chosen}"),
           "name": R("{year}年度有 {count} 个：{files}；无法区分，选用了按文件名排序的第一个 {chosen}",
                     "{count} for {year}: {files}; they cannot be told apart, used the first by name, {chosen}")}),
        E(C.PUBLISH_ROUNDTRIP_MISMATCH, "error", "生成的文档读回后与检查过的数据不一致，文档未写出",
          "the generated document, read back, differs from the checked data; it was not written",
          "这是本工具的缺陷：请不要手工发布该数据，并把此信息报告给维护者",
          "this is a bug of ours: do not publish by hand, and report it to the maintainers",
          {"value": R("{format} 文档中读回的是“{actual:text}”，应为“{expected:text}”",
                      "the {format} document reads “{actual:text}”, expected “{expected:text}”"),
           "missing": R("{format} 文档中找不到这一项（应为“{expected:text}”）",
                        "the {format} document lacks it (expected “{expected:text}”)"),
           "label": R("{format} 文档中的标签是“{actual:text}”，模板的标签是“{expected:text}”",
                      "the {format} document's label reads “{actual:text}”, the template's “{expected:text}”")}),
        E(C.PUBLISH_EMPTY_SECTION, "warning", "文档中这一节没有内容", "a section of the document is empty",
          "请在工作簿“文字说明”表中填写这一节后重新生成",
          "fill the section in the workbook's text sheet and publish again",
          {"empty": R("“{section}”为空，文档中印为“{printed}”", "“{section}” is empty; the document prints “{printed}”")}),
        E(C.PUBLISH_PLACEHOLDER_TEXT, "error", "这段文字是汇总时自动填入的占位文字，不能发布",
          "this text is the placeholder the roll-up put in; it cannot be published",
          "请在汇总工作簿中填写这段文字（或汇总时用 aggregate --data 提供），再重新生成；只想看效果可加 --draft",
          "fill this text in the roll-up (or give it with aggregate --data) and publish again; --draft shows a draft",
          {"rollup": R("“{label}”仍是“{actual:text}”", "“{label}” still reads “{actual:text}”")}),
        E(C.PUBLISH_TEXT_CLEANED, "warning", "文字中有不能印出的字符，已在文档中删去",
          "the text holds characters that cannot be printed; the document leaves them out",
          "请检查工作簿中这段文字（常见于从网页或其他软件复制粘贴），删去或改正这些字符",
          "check this text in the workbook (often pasted from a web page) and remove or correct them",
          {"cleaned": R("删去了 {count} 个字符：{chars}", "{count} characters left out: {chars}")}),

        # ---- import: a published report read into the template's data points (imports/) ----
        E(C.IMPORT_UNSUPPORTED, "error", "无法读取这种格式的已发布报告", "this kind of published report cannot be read",
          "请另存为 docx 或 PDF 后再检查", "save it as .docx or PDF and check again",
          {"legacy-word": R("这是旧版 Word/WPS 文档（.doc/.wps）", "it is a legacy Word/WPS document (.doc/.wps)"),
           "ofd": R("这是 OFD 版式文件", "it is an OFD document"),
           "encoding": R("文字编码无法识别（不是 UTF-8，也不是 GB18030/GBK）", "the text is neither UTF-8 nor GB18030/GBK"),
           "broken": R("文件已损坏：{detail_text}", "the file is damaged: {detail_text}"),
           "pdf-extra": R("读取 PDF 需要安装可选组件：pip install workbook-builder[pdf]",
                          "reading PDF needs the optional extra: pip install workbook-builder[pdf]", says_fix=True),
           "encrypted": R("文件有密码保护", "the file is password-protected"),
           "other": R("这不是文本、网页、docx 或 PDF 文件", "it is not a text, web page, .docx or PDF file")}),
        E(C.IMPORT_NO_TEXT, "error", "PDF 没有文字层（扫描件），无法读出数字", "the PDF has no text layer (a scan); no figure can be read",
          "扫描件无文字层，请按工作簿重新填报，或提供带文字层的 PDF/docx",
          "a scan has no text layer: fill the workbook instead, or give a PDF/docx with text",
          {"scan": R("{pages} 页中没有可读的文字", "none of the {pages} page(s) holds text")}),
        E(C.IMPORT_LIMIT, "error", "文件超出读取上限，未读取", "the file exceeds a reading limit and was not read",
          "请确认这是年度报告本身；过大的文件请删去无关内容后再检查",
          "make sure this is the report itself; remove unrelated content from a file this large",
          {"size": R("文件大小 {size} MB，上限 {limit} MB", "{size} MB; the limit is {limit} MB"),
           "pages": R("共 {count} 页，上限 {limit} 页", "{count} pages; the limit is {limit}"),
           "time": R("读取超过 {limit} 秒，已停止", "reading took over {limit} seconds and was stopped"),
           "nesting": R("内容嵌套超过 {limit} 层", "the content nests deeper than {limit} levels"),
           "chars": R("文件中有 {count} 个字符，上限 {limit} 个", "{count} characters; the limit is {limit}"),
           "cells": R("表格单元格超过 {limit} 个", "more than {limit} table cells"),
           "inflated": R("PDF 中有内容解压后超过 {limit} MB（疑似“压缩炸弹”）",
                         "a PDF stream inflates to over {limit} MB (a suspected zip bomb)")}),
        E(C.IMPORT_NOT_A_REPORT, "error", "文件中没有找到政府信息公开工作年度报告的统计表",
          "no statistical table of the annual report was found in the file",
          "请确认文件是政府信息公开工作年度报告（含“主动公开”“依申请公开”“行政复议、行政诉讼”三张表）",
          "make sure the file is the annual report with its three tables",
          {"no-tables": R("没有找到“{expected}”等表格的行", "none of the rows of “{expected}” and the other tables was found"),
           "empty": R("文件中没有文字", "the file holds no text")}),
        E(C.IMPORT_IDENTITY, "warning", "没有从报告标题中认出单位名称或年度", "the unit or the year was not recognised in the title",
          "请用 --unit 和 --year 给出单位名称和报告年度", "give them with --unit and --year",
          {"unit": R("没有认出单位名称", "no unit name recognised"),
           "year": R("没有认出报告年度", "no report year recognised")}),
        E(C.IMPORT_ROW_MISSING, "error", "报告的统计表中缺少这一行", "the report's table lacks this row",
          "请按官方格式补全这一行（没有发生的填 0）", "complete the row as in the official format (0 where nothing happened)",
          {"row": R("{table}中找不到“{label}”这一行", "“{label}” was not found in {table}"),
           "table": R("找不到“{table}”整张表", "the whole of “{table}” was not found")}),
        E(C.IMPORT_AMBIGUOUS, "warning", "无法确定这一格的数字，未采用", "this cell's figure cannot be read for certain and was not used",
          "请对照原文核实这一行；如需检查，请按工作簿重新填报",
          "verify the row against the original; fill the workbook to have it checked",
          {"digit-run": R("原文“{raw}”连在一起，可拆成 {count} 种，例如 {candidates}",
                          "the source “{raw}” runs together and splits {count} ways, e.g. {candidates}"),
           "count": R("原文这一行有 {found} 个数字，表格有 {columns} 列：“{raw}”",
                      "the source row has {found} figures for {columns} columns: “{raw}”"),
           "unreadable": R("原文“{raw}”不是数字", "the source “{raw}” is not a number"),
           # figures of one row on several lines of extracted text, or behind a note: a page number or a date may be among them
           "lines": R("原文这一行的数字“{raw}”分在几行或夹在别的文字后面，不能确定哪些属于这一行",
                      "the source row's figures “{raw}” stand on several lines or behind other text: "
                      "which belong to it is not certain")}),
        E(C.IMPORT_SUSPECT, "warning", "这一行的数字是从连在一起的原文拆出来的，勾稽关系不成立，可能是拆分有误",
          "this row was split from digits that ran together and an identity fails: the split may be wrong",
          "请对照原文核实这一行，不一定是报告单位的错误", "verify the row against the original; the unit may not be at fault",
          {"rule": R("原文“{raw}”拆为 {split}；{rule} 不成立", "the source “{raw}” split as {split}; {rule} fails")}),
        # ---- checks of a published report ----
        E(C.PUBLISHED_NOT_A_NUMBER, "warning", "应填数字的格子是空白或写了“/”", "a cell that needs a number is blank or holds “/”",
          "没有发生的应写 0，不要留空或写“/”“-”“无”", "write 0 where nothing happened, not a blank, “/”, “-” or “无”",
          {"blank": R("这一格是空白", "the cell is blank"),
           "slash": R("这一格写的是“{raw}”", "the cell reads “{raw}”")}),
        E(C.PUBLISHED_TOTAL_MISMATCH, "error", "印出的合计与各项之和不一致", "a printed total differs from the sum of its parts",
          "请核对各项数字和合计，改正错误的一处", "check the parts and the total and correct the wrong one",
          {"sum": R("印为 {actual:show}，{parts}相加为 {expected:show}", "printed {actual:show}; {parts} add up to {expected:show}"),
           # the rules that fail with the printed total but hold with the parts' sum: said here, not again
           "sum-rule": R("印为 {actual:show}，{parts}相加为 {expected:show}；按印出的合计，规则 {rules} 不成立",
                         "printed {actual:show}; {parts} add up to {expected:show}; with the printed total, rule {rules} fails"),
           # … or that fail with the parts' sum and hold with the printed total (a part is likely wrong)
           "sum-rule-parts": R("印为 {actual:show}，{parts}相加为 {expected:show}；按相加的结果，规则 {rules} 不成立",
                               "printed {actual:show}; {parts} add up to {expected:show}; with their sum, rule {rules} "
                               "fails")}),
        E(C.PUBLISHED_HEADING, "warning", "报告的章节标题与官方格式不一致", "a section heading differs from the official format",
          "请按官方格式写六个部分的标题，顺序不变", "write the six official headings, in order",
          {"missing": R("缺少“{expected}”", "“{expected}” is missing"),
           "typo": R("写作“{actual}”，官方标题为“{expected}”", "reads “{actual}”; the official heading is “{expected}”"),
           "order": R("“{expected}”出现的位置不对", "“{expected}” is out of order")}),
        E(C.PUBLISHED_OLD_FORMAT, "error", "报告用了2019年旧格式的标签或表格", "the report uses labels or tables of the 2019 format",
          "请按《中华人民共和国政府信息公开工作年度报告格式》（国办公开办函〔2021〕30号）编写",
          "follow the 2021 format (国办公开办函〔2021〕30号)",
          {"old-label": R("用了旧标签“{actual}”，应为“{expected}”", "the old label “{actual}” is used; it is “{expected}”"),
           # `actual`/`expected`: the formats' names (the templates' document.name: 2019年试行格式, 2021年格式)
           "old-layout": R("{year}年度的报告是按{actual}编写的，应按{expected}",
                           "the {year} report follows the {actual}; it should follow the {expected}")}),
        E(C.PUBLISHED_PROSE_MISMATCH, "warning", "正文中的数字与统计表不一致", "a figure in the prose differs from the tables",
          "请核对正文和统计表，改正错误的一处", "check the prose and the tables and correct the wrong one",
          {"figure": R("正文写“{quote}”，而表中“{item}”为 {expected:show}",
                       "the prose says “{quote}”, the table's “{item}” is {expected:show}"),
           # either sum is accepted (new requests alone, or with those carried over): both are shown
           "figures": R("正文写“{quote}”，而表中“{item}”为 {expected:show}，“{also}”为 {also_value:show}",
                        "the prose says “{quote}”, the table's “{item}” is {expected:show} and “{also}” is "
                        "{also_value:show}"),
           "not-mentioned": R("表中“{item}”为 {expected:show}，正文却没有提到“{words}”",
                              "the table's “{item}” is {expected:show}, yet the prose never mentions “{words}”")}),
    )


# Keyed by Code, which is a str: CATALOGUE["stale-value"] finds the entry too.
CATALOGUE: dict[str, Entry] = {e.code: e for e in _entries()}


def reason_text(code: str, reason: str, values: Mapping[str, Any], lang: str = "zh") -> str:
    """A reason's sentence on its own, unframed: what a preflight problem or an input problem says."""
    return CATALOGUE[Code(code)].reasons[reason].text(lang, values)


def sentence(text: str, lang: str = "zh") -> str:
    """A detail as a sentence of its own, with its full stop."""
    return text + ("。" if lang == "zh" else ".")
