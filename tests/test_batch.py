"""A whole batch through the command line: `workbook-builder check DIR --roster … --summary --html --annotate`.

A generated folder tree of returned workbooks: honest units with their own figures (in sub-folders
too: folders are walked recursively), units whose names are formula-injection payloads, a formula
overwritten at the XML level, a '/' typed into an input, three hostile files, a second file for one
unit and year, and a roster (UTF-8 and GBK) naming a unit that sent nothing. Every output must tell
the truth about every file, nothing from a returned file may become a formula, and the input folder
must be left exactly as it was.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests import tamper_xml as tx
from tests.batch_helpers import Node, parse_html, require_chromium, run_cli, run_cli_tty_stderr, snapshot, unit_data
from tests.chromium_headless import dump_dom
from tests.hostile import build_corpus
from tests.make_filled import a1, build_to, ref
from workbook_builder import api
from workbook_builder.ooxml.refs import split_cell_ref

YEAR = 2024
TEMPLATE = "gov_info_disclosure_2021 1.1.0"
INJECTIONS = ('=HYPERLINK("http://x","y")', "+cmd", "@SUM(1)")
# (relative path, unit) of the honest workbooks: eight units, in three folder levels
HONEST = (
    ("甲局.xlsx", "示例市甲局"),
    ("乙局.xlsx", "示例市乙局"),
    ("区县/丙局.xlsx", "示例市丙局"),
    ("区县/丁局.xlsx", "示例市丁局"),
    ("区县/hyperlink.xlsx", INJECTIONS[0]),
    ("区县/乡镇/plus.xlsx", INJECTIONS[1]),
    ("区县/乡镇/at.xlsx", INJECTIONS[2]),
    ("区县/乡镇/戊局.xlsx", "示例市戊局"),
)
DUPLICATE = ("更正/甲局（更正）.xlsx", "示例市甲局")
FORMULA = ("问题/己局-公式.xlsx", "示例市己局")
SLASH = ("问题/庚局-斜杠.xlsx", "示例市庚局")
HOSTILE = ("truncated", "macro", "external-entity")
MISSING = "示例市缺报局"
OVERWRITTEN = "requests.new.total"  # a formula cell
SLASHED = "requests.new.legal_services"  # an input


@dataclass
class Expected:
    rel: str
    unit: str | None
    findings: list[tuple[str, str | None]] = field(default_factory=list)  # (code, cell)

    @property
    def valid(self) -> bool:
        return not self.findings  # every finding expected here is an error


@dataclass
class Batch:
    root: Path
    inputs: Path
    out: Path
    expected: dict[str, Expected]  # by absolute path as the checker prints it
    before: dict[str, tuple[str, int]]
    after: dict[str, tuple[str, int]] = field(default_factory=dict)
    runs: dict[str, Any] = field(default_factory=dict)

    def path(self, rel: str) -> str:
        return str(self.inputs / rel)


def _make_tree(root: Path) -> tuple[Path, dict[str, Expected]]:
    inputs = root / "returns"
    expected: dict[str, Expected] = {}
    for k, (rel, unit) in enumerate(HONEST):
        build_to(inputs, unit_data(k, unit, date=f"2025-01-{10 + k:02d}"), rel)
        expected[rel] = Expected(rel, unit)
    build_to(inputs, unit_data(20, DUPLICATE[1]), DUPLICATE[0])
    expected[DUPLICATE[0]] = Expected(DUPLICATE[0], DUPLICATE[1])
    # a formula overwritten by its own value: only the formula check can see it
    honest = build_to(root / "scratch", unit_data(30, FORMULA[1]), "honest.xlsx")
    value = str(api.export(honest)["values"][OVERWRITTEN])
    (inputs / FORMULA[0]).parent.mkdir(parents=True, exist_ok=True)
    tx.tamper(honest, inputs / FORMULA[0], tx.SHEET_PART["依申请公开"], lambda x: tx.set_number(x, a1(OVERWRITTEN), value))
    expected[FORMULA[0]] = Expected(FORMULA[0], FORMULA[1], [("formula-overwritten", ref(OVERWRITTEN))])
    slash = unit_data(31, SLASH[1])
    slash[SLASHED] = "/"
    build_to(inputs, slash, SLASH[0], strict=False)
    expected[SLASH[0]] = Expected(SLASH[0], SLASH[1], [("invalid-input", ref(SLASHED))])
    for name, (path, code, _reason) in build_corpus(inputs / "异常", list(HOSTILE)).items():
        rel = path.relative_to(inputs).as_posix()
        expected[rel] = Expected(rel, None, [(code, None)])
        assert name in rel
    return inputs, {str(inputs / rel): e for rel, e in expected.items()}


def _write_roster(path: Path, encoding: str) -> Path:
    units = [u for _, u in HONEST] + [FORMULA[1], SLASH[1], MISSING]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["序号", "单位名称"])
    writer.writerows([i, u] for i, u in enumerate(units, 1))
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    root = tmp_path_factory.mktemp("batch")
    inputs, expected = _make_tree(root)
    out = root / "out"
    out.mkdir()
    gbk = _write_roster(root / "roster-gbk.csv", "gbk")
    utf8 = _write_roster(root / "roster-utf8.csv", "utf-8")
    assert gbk.read_bytes() != utf8.read_bytes()  # the GBK file really is GBK
    b = Batch(root, inputs, out, expected, snapshot(inputs))
    b.runs["text"] = run_cli("check", inputs, "--roster", gbk, "--summary", out / "s.xlsx", "--html", out / "r.html",
                             "--annotate", out / "annotated", "--jobs", "2")
    b.runs["json"] = run_cli("check", inputs, "--roster", utf8, "--format", "json", "--summary", out / "s.csv",
                             "--jobs", "2")
    b.runs["json1"] = run_cli("check", inputs, "--roster", utf8, "--format", "json", "--jobs", "1")
    b.runs["progress"] = run_cli("check", inputs, "--progress", "--jobs", "2")
    b.runs["json-progress"] = run_cli("check", inputs, "--format", "json", "--progress", "--jobs", "2")
    b.runs["no-path"] = run_cli("check", root / "没有这个文件夹")
    b.runs["txt"] = run_cli("check", inputs, "--summary", out / "out.txt")
    b.runs["onto-input"] = run_cli("check", inputs, "--summary", inputs / HONEST[0][0])
    b.after = snapshot(inputs)
    return b


@pytest.fixture(scope="module")
def doc(batch: Batch) -> dict[str, Any]:
    run = batch.runs["json"]
    assert run.returncode == 1, run.stderr
    return json.loads(run.stdout)


def _files(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["path"]: f for f in doc["files"]}


def _dup_paths(doc: dict[str, Any]) -> list[str]:
    """The two files of the duplicated unit, in the order the batch reports them."""
    return [f["path"] for f in doc["files"] if f["unit"] == DUPLICATE[1]]


# ---------------------------------------------------------------- the verdicts


def test_json_verdicts(batch: Batch, doc: dict[str, Any]) -> None:
    files = _files(doc)
    assert sorted(files) == sorted(batch.expected), "every workbook in every sub-folder is checked, nothing else"
    assert len(doc["files"]) == len(files) == 14
    for path, exp in batch.expected.items():
        got = files[path]
        assert [(f["code"], f["cell"]) for f in got["findings"]] == exp.findings, path
        assert got["valid"] is exp.valid, path
        assert got["counts"] == {"error": len(exp.findings), "warning": 0, "info": 0}, path
        assert got["unit"] == exp.unit, path
        assert got["year"] == (YEAR if exp.unit else None), path
        assert got["template"] == ({"id": "gov_info_disclosure_2021", "version": "1.1.0"} if exp.unit else None)
    roster = doc["roster"]
    assert roster["expected"] == 11
    assert roster["missing"] == [MISSING]
    assert roster["duplicates"] == [{"unit": DUPLICATE[1], "year": YEAR,
                                     "paths": _dup_paths(doc)}]
    assert sorted(_dup_paths(doc)) == sorted([batch.path(HONEST[0][0]), batch.path(DUPLICATE[0])])
    assert roster["unexpected"] == []


def test_text_output(batch: Batch, doc: dict[str, Any]) -> None:
    run = batch.runs["text"]
    assert run.returncode == 1, run.stderr
    lines = run.stdout.splitlines()
    for path, exp in batch.expected.items():
        who = f"（{exp.unit} {YEAR}）" if exp.unit else ""
        status = "通过" if exp.valid else "未通过"
        head = f"{path}{who}：{status}，错误 {len(exp.findings)} 个，警告 0 个，提示 0 个"
        assert head in lines, head
        index = lines.index(head)
        codes = [line.split(":", 1)[0].strip() for line in lines[index + 1:index + 1 + len(exp.findings)]]
        assert codes == [f"[错误] {code}" for code, _ in exp.findings], path
    summary = "共检查 14 个文件：通过 9 个，有错误 5 个，仅有警告 0 个，无法读取或不安全 3 个。"
    assert lines.count(summary) == 1
    tail = lines[lines.index(summary) + 1:]
    roster_lines = [
        "名单核对：应报 11 个单位，缺报 1 个。",
        f"缺报：{MISSING}",
        f"重复：{DUPLICATE[1]}（{YEAR}）有 2 个文件：{'；'.join(_dup_paths(doc))}",
    ]
    assert tail[-3:] == roster_lines, "the output ends with the roster lines (read from the GBK roster)"
    assert all(line.startswith(("最常不成立的规则：", "最常见的问题：")) for line in tail[:-3]), tail
    # the same verdicts as the JSON run
    files = _files(doc)
    for path, f in files.items():
        assert any(line.startswith(path) and ("：通过，" if f["valid"] else "：未通过，") in line for line in lines)
    # stderr: where the outputs went, and no progress bar (stderr is a pipe, not a terminal)
    assert "已写出汇总表" in run.stderr and "已写出 HTML 报告" in run.stderr and "写出 2 份带批注的副本" in run.stderr
    assert "\r" not in run.stderr and "个/秒" not in run.stderr and "检查 " not in run.stderr


def test_jobs_1_and_2_identical(batch: Batch) -> None:
    one, two = batch.runs["json1"], batch.runs["json"]
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert "\r" not in one.stderr and "个/秒" not in one.stderr and "个/秒" not in two.stderr


def test_progress_only_when_forced(batch: Batch) -> None:
    for name in ("progress", "json-progress"):
        run = batch.runs[name]
        assert run.returncode == 1, run.stderr
        assert "检查 14/14" in run.stderr and "100%" in run.stderr, name
        assert "个/秒" not in run.stdout and "\r" not in run.stdout, "the bar goes to stderr only"
    assert json.loads(batch.runs["json-progress"].stdout)["files"]  # stdout stays clean JSON


def test_progress_on_a_terminal(batch: Batch) -> None:
    """With stderr a terminal the bar is shown for text output, and not for JSON unless forced."""
    code, out, err = run_cli_tty_stderr("check", batch.inputs, "--jobs", "2")
    assert code == 1 and "共检查 14 个文件" in out
    assert "检查 14/14" in err and "100%" in err
    assert "个/秒" not in out and "100%" not in out
    code, out, err = run_cli_tty_stderr("check", batch.inputs, "--format", "json", "--jobs", "2")
    assert code == 1 and len(json.loads(out)["files"]) == 14
    assert "个/秒" not in err and "检查 " not in err
    assert snapshot(batch.inputs) == batch.before


def test_usage_errors(batch: Batch) -> None:
    run = batch.runs["no-path"]
    assert run.returncode == 2 and "找不到文件或文件夹" in run.stderr and "没有这个文件夹" in run.stderr
    run = batch.runs["txt"]
    assert run.returncode == 2 and "--summary 的文件名应以 .xlsx 或 .csv 结尾" in run.stderr
    assert not (batch.out / "out.txt").exists()
    run = batch.runs["onto-input"]
    assert run.returncode == 2 and "检查从不改写交回的文件" in run.stderr
    rel = HONEST[0][0]
    assert batch.after[rel] == batch.before[rel]


def test_inputs_untouched(batch: Batch) -> None:
    assert batch.after == batch.before, "bytes and mtimes of the inputs unchanged, no file added to the input folder"


# ---------------------------------------------------------------- the summary workbook and CSV


def _sheet_rows(ws) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [["" if c is None else c for c in row] for row in ws.iter_rows(values_only=True)]


def _safe(text: str) -> str:
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def _file_row(f: dict[str, Any]) -> list[str]:
    first = next((x["message"] for x in f["findings"] if x["severity"] == "error"), "")
    return [f["path"], _safe(f["unit"] or ""), str(f["year"] or ""), "通过" if f["valid"] else "未通过",
            str(f["counts"]["error"]), str(f["counts"]["warning"]), str(f["counts"]["info"]),
            TEMPLATE if f["template"] else "", "xlsxwriter" if f["template"] else "", first]


def test_summary_xlsx(batch: Batch, doc: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(batch.out / "s.xlsx")
    assert wb.sheetnames == ["汇总", "问题清单", "缺报与重复"]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                # issue 7 changed the policy: counts, years and numeric values are numbers, the rest text
                assert c.value is None or isinstance(c.value, str | int | float), (ws.title, c.coordinate, c.value)
    files = [[str(c) for c in row] for row in _sheet_rows(wb["汇总"])]
    assert files[0][:4] == ["文件", "单位", "年度", "状态"] and files[0][-1] == "第一个错误"
    assert files[1:] == [_file_row(f) for f in doc["files"]]
    by_path = {r[0]: r for r in files[1:]}
    for path, exp in batch.expected.items():
        row = by_path[path]
        assert row[3] == ("通过" if exp.valid else "未通过") and row[4] == str(len(exp.findings))
        assert (row[9] != "") is (not exp.valid)
    findings = _sheet_rows(wb["问题清单"])
    assert findings[0] == ["文件", "单位", "严重程度", "代码", "单元格", "数据点", "标签", "规则", "应为", "实际", "说明"]
    want = [[f["path"], _safe(f["unit"] or ""), "错误", x["code"], x["cell"] or "", x["datapoint"] or "", x["message"]]
            for f in doc["files"] for x in f["findings"]]
    assert [[r[0], r[1], r[2], r[3], r[4], r[5], r[10]] for r in findings[1:]] == want
    assert len(want) == sum(len(e.findings) for e in batch.expected.values()) == 5
    roster = [[str(c) for c in row] for row in _sheet_rows(wb["缺报与重复"])]
    assert roster == [
        ["类别", "单位", "年度", "文件"],
        ["缺报", MISSING, "", ""],
        ["重复", DUPLICATE[1], str(YEAR), "；".join(_dup_paths(doc))],
    ]


def test_formula_injection_is_text(batch: Batch) -> None:
    wb = openpyxl.load_workbook(batch.out / "s.xlsx")
    units = {r[0]: r[1] for r in _sheet_rows(wb["汇总"])[1:]}
    text = (batch.root / "out" / "s.csv").read_bytes().decode("utf-8-sig")
    csv_units = {r[0]: r[1] for r in list(csv.reader(io.StringIO(text)))[1:] if r and r[0] in units}
    for rel, unit in HONEST:
        if unit in INJECTIONS:
            path = batch.path(rel)
            assert units[path] == "'" + unit, "xlsx: a leading quote (OWASP)"
            assert csv_units[path] == "'" + unit, "csv: a leading quote (OWASP)"


def test_summary_csv(batch: Batch, doc: dict[str, Any]) -> None:
    data = (batch.out / "s.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, so that Excel reads it as UTF-8"
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))
    assert rows[0] == ["文件", "单位", "年度", "状态", "错误", "警告", "提示", "模板", "保存程序", "第一个错误"]
    n = len(doc["files"])
    assert rows[1:1 + n] == [_file_row(f) for f in doc["files"]]
    dup = "；".join(_dup_paths(doc))
    # then, after a blank line, the roster reconciliation as a table of its own
    assert rows[1 + n:] == [
        [],
        ["类别", "单位", "年度", "文件"],
        ["缺报", MISSING, "", ""],
        ["重复", DUPLICATE[1], str(YEAR), dup],
    ]


# ---------------------------------------------------------------- the HTML page in Chromium


def _status_rows(dom: Node) -> list[tuple[str, str, str]]:
    table = dom.find("table", id="status-table")
    assert table is not None
    body = [e for e in table.elements if e.tag == "tbody"][0]
    out = []
    for tr in (e for e in body.elements if e.tag == "tr"):
        tds = [e for e in tr.elements if e.tag == "td"]
        link = tds[0].find("a")
        assert link is not None
        out.append((link.text, tds[1].text, tds[2].text))
    return out


def test_html_in_chromium(batch: Batch) -> None:
    browser = require_chromium()
    dom = parse_html(dump_dom(browser, batch.out / "r.html"))
    rows = _status_rows(dom)
    want = sorted((e.unit or Path(p).name, str(YEAR) if e.unit else "", "通过" if e.valid else "未通过")
                  for p, e in batch.expected.items())
    assert sorted(rows) == want
    assert [r for r in rows if r[0] == DUPLICATE[1]] == [(DUPLICATE[1], str(YEAR), "通过")] * 2
    missing = dom.find("div", id="missing")
    assert missing is not None and [li.text for li in missing.iter("li")] == [MISSING]
    dups = dom.find("div", id="duplicates")
    assert dups is not None
    dup_rows = [[td.text for td in tr.elements if td.tag == "td"] for tr in dups.iter("tr")
                if any(e.tag == "td" for e in tr.elements)]
    assert len(dup_rows) == 1 and dup_rows[0][:2] == [DUPLICATE[1], str(YEAR)]
    assert "甲局.xlsx" in dup_rows[0][2] and "甲局（更正）.xlsx" in dup_rows[0][2]
    for node in dom.iter():
        assert not any(name.startswith("on") for name in node.attrs), node.attrs


# ---------------------------------------------------------------- annotated copies


def test_annotated_copies(batch: Batch, doc: dict[str, Any]) -> None:
    folder = batch.out / "annotated"
    readable_with_findings = {p: f for p, f in _files(doc).items() if f["findings"] and f["template"]}
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{Path(p).stem}.批注.xlsx" for p in readable_with_findings)
    assert len(readable_with_findings) == 2
    copies = {str(folder / f"{Path(p).stem}.批注.xlsx"): f for p, f in readable_with_findings.items()}
    for copy, f in copies.items():
        wb = openpyxl.load_workbook(copy)
        for x in f["findings"]:
            sheet, addr = split_cell_ref(x["cell"])
            comment = wb[sheet][addr].comment
            assert comment is not None, (copy, x["cell"])
            assert comment.text == f"错误：{x['message']}"
    rechecked = api.check(list(copies), jobs=1).files
    for report, f in zip(rechecked, copies.values(), strict=True):
        assert [(x.code, x.cell) for x in report.findings] == [(x["code"], x["cell"]) for x in f["findings"]]
        assert report.unit == f["unit"]


def test_annotate_never_replaces_an_input(tmp_path: Path) -> None:
    """--annotate into the checked folder, which already holds an input named like a copy."""
    folder = tmp_path / "returns"
    honest = build_to(tmp_path / "scratch", unit_data(40, "示例市辛局"), "honest.xlsx")
    value = str(api.export(honest)["values"][OVERWRITTEN])
    folder.mkdir()
    tampered = tx.tamper(honest, folder / "辛局.xlsx", tx.SHEET_PART["依申请公开"],
                         lambda x: tx.set_number(x, a1(OVERWRITTEN), value))
    decoy = build_to(folder, unit_data(41, "示例市壬局"), "辛局.批注.xlsx")  # an honest input with a copy's name
    before = snapshot(folder)
    run = run_cli("check", folder, "--annotate", folder, "--format", "json")
    assert run.returncode == 1, run.stdout + run.stderr
    after = snapshot(folder)
    assert {k: v for k, v in after.items() if k in before} == before, "no input rewritten"
    assert sorted(after) == sorted([*before, "辛局.批注2.xlsx"])
    copy = folder / "辛局.批注2.xlsx"
    report = api.check_file(copy)
    assert [(f.code, f.cell) for f in report.findings] == [("formula-overwritten", ref(OVERWRITTEN))]
    assert api.check_file(decoy).unit == "示例市壬局" and api.check_file(tampered).unit == "示例市辛局"
    sheet, addr = split_cell_ref(ref(OVERWRITTEN))
    assert openpyxl.load_workbook(copy)[sheet][addr].comment is not None
