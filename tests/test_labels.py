"""Every official label in the built workbook is verbatim, and every public data point ID exists.

The reference is `shared/reference/report-format-2021.md` next to the repository; the tests that
need it skip only when `../shared` is absent altogether. The row labels of table 三 and the column
paths of table 四 are also typed here, independently of both the template and the reference.
"""

from __future__ import annotations

import io
import itertools
import re

import openpyxl
import pytest

from workbook_builder import api
from workbook_builder.template import registry

TABLE_SHEETS = {"二": "主动公开", "三": "依申请公开", "四": "复议诉讼"}
LABEL_KINDS = ("title", "note", "header", "label")

T2_LABELS = [
    "二、主动公开政府信息情况",
    "第二十条第（一）项", "信息内容", "本年制发件数", "本年废止件数", "现行有效件数", "规章", "行政规范性文件",
    "第二十条第（五）项", "信息内容", "本年处理决定数量", "行政许可",
    "第二十条第（六）项", "信息内容", "本年处理决定数量", "行政处罚", "行政强制",
    "第二十条第（八）项", "信息内容", "本年收费金额（单位：万元）", "行政事业性收费",
]

T3_ROW_LABELS = [
    "一、本年新收政府信息公开申请数量",
    "二、上年结转政府信息公开申请数量",
    "三、本年度办理结果",
    "（一）予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "（三）不予公开",
    "1.属于国家秘密",
    "2.其他法律行政法规禁止公开",
    "3.危及“三安全一稳定”",
    "4.保护第三方合法权益",
    "5.属于三类内部事务信息",
    "6.属于四类过程性信息",
    "7.属于行政执法案卷",
    "8.属于行政查询事项",
    "（四）无法提供",
    "1.本机关不掌握相关政府信息",
    "2.没有现成信息需要另行制作",
    "3.补正后申请内容仍不明确",
    "（五）不予处理",
    "1.信访举报投诉类申请",
    "2.重复申请",
    "3.要求提供公开出版物",
    "4.无正当理由大量反复申请",
    "5.要求行政机关确认或重新出具已获取信息",
    "（六）其他处理",
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.其他",
    "（七）总计",
    "四、结转下年度继续办理",
]

T3_COLUMN_HEADERS = ["申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
T3_CORNER = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

_RESULTS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
T4_COLUMN_PATHS = (
    [("行政复议", r) for r in _RESULTS]
    + [("行政诉讼", "未经复议直接起诉", r) for r in _RESULTS]
    + [("行政诉讼", "复议后起诉", r) for r in _RESULTS]
)


@pytest.fixture(scope="module")
def layout():  # type: ignore[no-untyped-def]
    return registry.resolve("gov_info_disclosure_2021").layout


@pytest.fixture(scope="module")
def built() -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(api.build()))


def _check_rows(layout, sheet: str) -> set[int]:  # type: ignore[no-untyped-def]
    return {c.row for c in layout.sheet(sheet).cells if c.kind == "check"}


def _label_cells(layout, sheet: str, include_checks: bool = False):  # type: ignore[no-untyped-def]
    """Label-like cells of a sheet in reading order; the live check rows are ours, not official."""
    skip = set() if include_checks else _check_rows(layout, sheet)
    cells = [c for c in layout.sheet(sheet).cells if c.kind in LABEL_KINDS and c.text and c.row not in skip]
    return sorted(cells, key=lambda c: (c.row, c.col))


def test_typed_lists_use_full_width_punctuation() -> None:
    security = "3.危及\u201c三安全一稳定\u201d"  # curly quotes, not ASCII '"'
    assert security in T3_ROW_LABELS
    for label in T3_ROW_LABELS + T2_LABELS + [T3_CORNER]:
        assert not re.search(r'[(),:;"]', label), f"ASCII punctuation in {label!r}"


@pytest.mark.parametrize("table", ["二", "三", "四"])
def test_every_label_of_the_tables_is_in_the_reference(layout, reference: str, table: str) -> None:  # type: ignore[no-untyped-def]
    cells = _label_cells(layout, TABLE_SHEETS[table])
    assert cells
    missing = [(c.ref, c.text) for c in cells if c.text not in reference]
    assert not missing, f"labels not found verbatim in the reference: {missing}"


def test_section_labels_of_the_prose_are_in_the_reference(layout, reference: str) -> None:  # type: ignore[no-untyped-def]
    for dp in ("text.overview", "text.problems", "text.other"):
        label = layout.by_id[dp].label_path[-1]
        assert label in reference, label


def test_table_2_labels(layout) -> None:  # type: ignore[no-untyped-def]
    assert [c.text for c in _label_cells(layout, "主动公开")] == T2_LABELS


def test_table_3_row_labels_complete_and_in_order(layout) -> None:  # type: ignore[no-untyped-def]
    rows = [c.text for c in _label_cells(layout, "依申请公开") if c.kind == "label"]
    assert rows == T3_ROW_LABELS
    headers = [c.text for c in _label_cells(layout, "依申请公开") if c.kind == "header"]
    assert headers[0] == T3_CORNER
    assert sorted(headers[1:]) == sorted(T3_COLUMN_HEADERS)


def test_table_3_leaf_rows_match_the_data_rows(layout) -> None:  # type: ignore[no-untyped-def]
    """Each of the 25 data rows carries the label of its leaf row (its person cell's path)."""
    groups = {"三、本年度办理结果", "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"}
    leaves = [label for label in T3_ROW_LABELS if label not in groups]
    assert len(leaves) == 25
    person = sorted((c for c in layout.by_id.values() if c.datapoint.startswith("requests.")
                     and c.datapoint.endswith(".person")), key=lambda c: c.row)
    assert [c.label_path[-2] for c in person] == leaves


def test_table_4_has_the_15_column_paths(layout) -> None:  # type: ignore[no-untyped-def]
    cells = sorted((c for c in layout.by_id.values() if c.datapoint.startswith("appeals.")), key=lambda c: c.col)
    assert [c.label_path for c in cells] == T4_COLUMN_PATHS
    assert len({c.row for c in cells}) == 1  # one row × 15 columns


@pytest.mark.parametrize("sheet", ["封面", "主动公开", "依申请公开", "复议诉讼", "文字说明"])
def test_labels_sit_where_the_layout_says(layout, built, sheet: str) -> None:  # type: ignore[no-untyped-def]
    ws = built[sheet]
    cells = _label_cells(layout, sheet, include_checks=True)
    assert cells
    for c in cells:
        assert ws.cell(c.row, c.col).value == c.text, c.ref


def test_table_3_labels_in_the_file_read_in_order(built) -> None:  # type: ignore[no-untyped-def]
    """Read from the xlsx alone: the row labels of table 三, top to bottom, left to right."""
    ws = built["依申请公开"]
    found = []
    for row in ws.iter_rows(min_row=5, max_col=3):
        for cell in row:
            if isinstance(cell.value, str) and not cell.value.startswith("勾稽校验"):
                found.append(cell.value)
    assert found == T3_ROW_LABELS


def _reference_ids(reference: str) -> set[str]:
    section = reference.split("## Data point IDs", 1)[1].split("\n## ", 1)[0]
    ids: set[str] = set()
    rows = re.search(r"rows\s+`([^`]+)`", section)
    cols = re.search(r"columns\s+`([^`]+)`", section)
    assert rows and cols, "the reference's requests.<row>.<col> lists were not found"
    row_keys = [k.strip() for k in rows.group(1).split(",")]
    col_keys = [k.strip() for k in cols.group(1).split(",")]
    ids.update(f"requests.{r}.{c}" for r in row_keys for c in col_keys)
    for token in re.findall(r"`([^`]+)`", section):
        if "." not in token or "<" in token:
            continue
        parts = re.split(r"(\{[^}]*\})", token)
        choices = [p[1:-1].split(",") if p.startswith("{") else [p] for p in parts]
        ids.update("".join(combo) for combo in itertools.product(*choices))
    return ids


def test_reference_data_point_ids_exist_in_the_layout(layout, reference: str) -> None:  # type: ignore[no-untyped-def]
    ids = _reference_ids(reference)
    assert len(ids) == 10 + 25 * 7 + 15 + 5 + 3
    missing = sorted(ids - set(layout.by_id))
    assert not missing, missing


def test_layout_declares_no_unofficial_data_points(layout, reference: str) -> None:  # type: ignore[no-untyped-def]
    """Apart from our live check cells, the layout's IDs are exactly the public contract."""
    ours = {dp for dp in layout.by_id if not dp.startswith("checks.")}
    assert ours == _reference_ids(reference)
