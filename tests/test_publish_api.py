"""api.publish: checked exactly as `check`, published from the checker's values, read back before
writing, one document per workbook named after its title, the batch going on past every bad file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.batch_helpers import unit_data
from tests.make_filled import build_to, honest_data
from workbook_builder import api
from workbook_builder.errors import UsageError
from workbook_builder.findings import make
from workbook_builder.publish import outputs, prepare, readback
from workbook_builder.publish.model import DRAFT_MARK
from workbook_builder.publish.result import FAILED, MISMATCH, NO_DOCUMENT, PUBLISHED, REFUSED
from workbook_builder.render import text as render_text
from workbook_builder.template import registry

TITLE = "淮安市人民政府2024年政府信息公开工作年度报告"


@pytest.fixture(scope="module")
def honest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_to(tmp_path_factory.mktemp("honest"), honest_data(), "淮安.xlsx")


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = honest_data()
    data["requests.new.person"] += 5  # T3-A no longer holds
    return build_to(tmp_path_factory.mktemp("broken"), data, "broken.xlsx", strict=False)


def _custom_properties(docx: Path) -> str:
    with zipfile.ZipFile(docx) as zf:
        return zf.read("docProps/custom.xml").decode("utf-8")


def _header_text(docx: Path) -> str:
    with zipfile.ZipFile(docx) as zf:
        return "".join(zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("word/header"))


def test_an_honest_workbook_is_published_and_reads_back_equal(honest: Path, tmp_path: Path) -> None:
    run = api.publish(honest, tmp_path / "报告.docx", formats="docx,html,fragment", jobs=1)
    assert run.exit_code == 0 and run.check.valid
    (entry,) = run.files
    assert entry.status == PUBLISHED and entry.title == TITLE and (entry.unit, entry.year) == ("淮安市人民政府", 2024)
    assert entry.outputs == {"docx": str(tmp_path / "报告.docx"), "html": str(tmp_path / "报告.html"),
                             "fragment": str(tmp_path / "报告.fragment.html")}
    # read back from disk, independently of the run's own read-back
    t = registry.resolve()
    from workbook_builder.publish.model import document

    doc = document(t.layout, run.check.files[0].values)
    assert readback.compare(doc, readback.read_docx_tables((tmp_path / "报告.docx").read_bytes()), "docx") == []
    for name in ("报告.html", "报告.fragment.html"):
        assert readback.compare(doc, readback.read_html_tables((tmp_path / name).read_text("utf-8")), "html") == []
    assert "draft" in _custom_properties(tmp_path / "报告.docx") and DRAFT_MARK not in _header_text(tmp_path / "报告.docx")


def test_the_format_follows_the_suffix(honest: Path, tmp_path: Path) -> None:
    run = api.publish([honest], tmp_path / "r.html", jobs=1)
    assert run.formats == ("html",) and list(run.files[0].outputs) == ["html"]
    assert (tmp_path / "r.html").read_text("utf-8").startswith("<!DOCTYPE html>")
    run = api.publish([honest], tmp_path / "folder", jobs=1)
    assert run.formats == ("docx",)
    assert [p.name for p in (tmp_path / "folder").iterdir()] == [f"{TITLE}.docx"]


def test_a_workbook_with_errors_gets_no_document(broken: Path, tmp_path: Path) -> None:
    run = api.publish(broken, tmp_path / "out", jobs=1)
    assert run.exit_code == 1 and [p.status for p in run.files] == [REFUSED]
    assert not (tmp_path / "out").exists()
    assert [f.code for f in run.check.files[0].findings] == ["rule-failed", "rule-failed"]
    # printed exactly as `check` prints the same file
    assert render_text.render(run.check) == render_text.render(api.check([broken], jobs=1))
    assert "未生成" in run.summary()[0] and run.summary()[-1] == "生成 0 份，未生成 1 份。"


def test_draft_publishes_it_anyway_marked(broken: Path, tmp_path: Path) -> None:
    run = api.publish(broken, tmp_path / "草稿.docx", formats=["docx", "html"], draft=True, jobs=1)
    (entry,) = run.files
    assert entry.status == PUBLISHED and entry.draft
    assert run.exit_code == 1  # the check's errors stand: a draft is no clean publication
    assert DRAFT_MARK in _header_text(tmp_path / "草稿.docx")
    assert '<property fmtid=' in _custom_properties(tmp_path / "草稿.docx")
    assert "true" in _custom_properties(tmp_path / "草稿.docx").split('name="draft"')[1][:120]
    assert DRAFT_MARK in (tmp_path / "草稿.html").read_text("utf-8")
    assert run.summary()[0].startswith("已生成（草稿）")


def _foreign(path: Path) -> Path:
    import openpyxl  # a workbook no template of ours made

    wb = openpyxl.Workbook()
    wb.active["A1"] = "别的表格"
    wb.save(path)
    return path


def test_a_folder_one_document_per_workbook_the_batch_goes_on(broken: Path, tmp_path: Path) -> None:
    returns = tmp_path / "returns"
    build_to(returns, unit_data(0, "甲局", year=2024), "a.xlsx")
    build_to(returns, unit_data(1, "甲局", year=2024), "b.xlsx")  # the same unit twice: numbered
    build_to(returns, unit_data(2, "乙/局", year=2024), "sub/c.xlsx")  # “/” cannot be in a file name
    (returns / "d-broken.xlsx").write_bytes(broken.read_bytes())
    (returns / "e-junk.xlsx").write_bytes(b"not a workbook")
    _foreign(returns / "f-foreign.xlsx")
    (returns / "notes.txt").write_text("说明", encoding="utf-8")
    run = api.publish(returns, tmp_path / "out", formats="docx,fragment", jobs=2)
    by_name = {Path(p.path).name: p for p in run.files}
    assert [by_name[n].status for n in ("a.xlsx", "b.xlsx", "c.xlsx", "d-broken.xlsx", "e-junk.xlsx",
                                        "f-foreign.xlsx")] == [PUBLISHED] * 3 + [REFUSED] * 3
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([
        "甲局2024年政府信息公开工作年度报告.docx", "甲局2024年政府信息公开工作年度报告.fragment.html",
        "甲局2024年政府信息公开工作年度报告（2）.docx", "甲局2024年政府信息公开工作年度报告（2）.fragment.html",
        "乙_局2024年政府信息公开工作年度报告.docx", "乙_局2024年政府信息公开工作年度报告.fragment.html"])
    assert run.check.skipped_other == (str(returns / "notes.txt"),)
    assert run.exit_code == 1 and run.summary()[-1] == "生成 3 份，未生成 3 份。"
    # the documents in the returns folder are never taken for returns
    for p in run.written:
        for out in p.outputs.values():
            Path(out).rename(returns / Path(out).name)
    again = api.check(returns, jobs=1)
    assert len(again.files) == 6 and len(again.skipped_other) == 7


def test_names_are_safe_on_windows_and_unique() -> None:
    assert outputs.safe_stem('甲:乙*丙?"<>|\\/ .') == "甲_乙_丙_______"
    assert outputs.safe_stem("CON") == "_CON" and outputs.safe_stem("aux.2024") == "_aux.2024"
    assert len(outputs.safe_stem("长" * 300)) == outputs.MAX_STEM
    namer = outputs.Namer()
    assert [namer.name(t, "x") for t in ("Abc", "abc", "ABC", "", "")] == ["Abc", "abc（2）", "ABC（3）", "x", "x（2）"]


def test_output_must_be_a_folder_for_many(honest: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="-o 应为一个文件夹"):
        api.publish(honest.parent, tmp_path / "one.docx")
    with pytest.raises(UsageError, match="-o 应为一个文件夹"):
        api.publish([honest, honest.parent / "*.xlsx"], tmp_path / "one.docx")
    with pytest.raises(UsageError, match="应为 .docx、.html 或 .pdf 文件，或一个文件夹"):
        api.publish(honest, tmp_path / "out.xlsx")
    with pytest.raises(UsageError, match="未知的格式 odt"):
        api.publish(honest, tmp_path / "out", formats="docx,odt")
    with pytest.raises(UsageError, match="没有找到要生成报告的工作簿"):
        api.publish(tmp_path / "*.xlsx", tmp_path / "out")


def test_a_document_that_cannot_be_written(honest: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    run = api.publish(honest, tmp_path / "a-file" / "sub", jobs=1)
    (entry,) = run.files
    assert entry.status == FAILED and "路径中有一段是文件" in entry.reason and run.exit_code == 2
    assert run.summary()[0].startswith("未生成 ") and "无法写出" in run.summary()[0]


def test_a_read_back_difference_writes_nothing(honest: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def differs(doc, grids, format_name, paragraphs=None, *, html=None):  # type: ignore[no-untyped-def]
        return [make("publish-roundtrip-mismatch", "value", datapoint="requests.new.person", format=format_name,
                     expected="1", actual="7")]

    monkeypatch.setattr(readback, "compare", differs)
    run = api.publish(honest, tmp_path / "out", formats="docx,html", jobs=1)
    assert [p.status for p in run.files] == [MISMATCH] and run.exit_code == 1
    assert not (tmp_path / "out").exists()
    codes = [f.code for f in run.check.files[0].findings]
    assert codes == ["publish-roundtrip-mismatch"] * 2
    assert "Word（docx） 文档中读回的是“7”，应为“1”" in render_text.render(run.check)


def test_prose_that_reads_back_differently_writes_nothing(honest: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The read-back covers the title, headings and prose, not only the tables."""
    import io

    from workbook_builder.publish import docx as publish_docx

    real = publish_docx.write_docx

    def reworded(doc):  # type: ignore[no-untyped-def]
        source = zipfile.ZipFile(io.BytesIO(real(doc)))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for info in source.infolist():
                data = source.read(info)
                if info.filename == "word/document.xml":
                    data = data.replace("本年度未收取信息处理费".encode(), "本年度收取信息处理费".encode())
                target.writestr(info, data)
        return out.getvalue()

    monkeypatch.setattr(publish_docx, "write_docx", reworded)
    run = api.publish(honest, tmp_path / "out", formats="docx", jobs=1)
    assert [p.status for p in run.files] == [MISMATCH] and not (tmp_path / "out").exists()
    (finding,) = run.check.files[0].findings
    assert (finding.code, finding.datapoint) == ("publish-roundtrip-mismatch", "text.other")


def test_publish_findings_are_the_files_findings(tmp_path: Path) -> None:
    data = honest_data()
    data["text.problems"] = "问题\x07一"  # a control character: the check lets it pass, a document cannot print it
    path = build_to(tmp_path, data, "w.xlsx", strict=False)
    run = api.publish(path, tmp_path / "out", jobs=1)
    assert run.files[0].status == PUBLISHED and run.exit_code == 0  # a warning does not stop publishing
    assert [f.code for f in run.check.files[0].findings] == ["publish-text-cleaned"]
    assert "[警告] publish-text-cleaned" in render_text.render(run.check)
    # an empty section is an error for the check (missing-input): only a draft prints it, as 无…
    data["text.other"] = ""
    path = build_to(tmp_path, data, "w.xlsx", strict=False)
    run = api.publish(path, tmp_path / "out", draft=True, jobs=1)
    codes = sorted(f.code for f in run.check.files[0].findings)
    assert codes == ["missing-input", "publish-empty-section", "publish-text-cleaned"]
    shown = render_text.render(run.check)
    assert "[警告] publish-empty-section" in shown and "无其他需要报告的事项" in shown


def test_a_template_without_a_document(tmp_path: Path) -> None:
    source = registry.resolve().spec.source
    text = Path(source).read_text(encoding="utf-8")
    yaml_path = tmp_path / "no-document.yaml"
    yaml_path.write_text(text[: text.index("\ndocument:")] + "\n", encoding="utf-8")
    book = tmp_path / "w.xlsx"
    book.write_bytes(api.build(template=str(yaml_path), data=honest_data()))
    run = api.publish(book, tmp_path / "out", template=str(yaml_path), jobs=1)
    assert [p.status for p in run.files] == [NO_DOCUMENT] and run.exit_code == 1
    assert "没有规定报告文档" in run.files[0].reason


def test_the_roll_up_can_be_published(tmp_path: Path) -> None:
    returns = tmp_path / "returns"
    for k, unit in enumerate(("甲局", "乙局")):
        build_to(returns, unit_data(k, unit, year=2024), f"{unit}.xlsx")
    rollup = api.aggregate(returns, tmp_path / "汇总.xlsx", data={"meta.unit_name": "某县人民政府"}, jobs=1)
    assert rollup.check_note() is None
    # the roll-up's prose is its placeholder 汇总（2个单位） until somebody writes it: no document
    run = api.publish(tmp_path / "汇总.xlsx", tmp_path / "out", jobs=1)
    assert run.files[0].status == REFUSED and run.exit_code == 1 and not (tmp_path / "out").exists()
    assert [(f.code, f.datapoint) for f in run.check.files[0].findings] == [
        ("publish-placeholder-text", dp) for dp in ("text.overview", "text.problems", "text.other")]
    assert "仍是“汇总（2个单位）”" in render_text.render(run.check)
    prose = {dp: f"本县{dp}的文字。" for dp in ("text.overview", "text.problems", "text.other")}
    api.aggregate(returns, tmp_path / "汇总.xlsx", data={"meta.unit_name": "某县人民政府", **prose}, jobs=1)
    run = api.publish(tmp_path / "汇总.xlsx", tmp_path / "out", jobs=1)
    assert run.exit_code == 0, render_text.render(run.check)
    assert [Path(p).name for p in run.files[0].outputs.values()] == ["某县人民政府2024年政府信息公开工作年度报告.docx"]


def test_prepare_turns_a_bug_into_an_internal_status(honest: Path, monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    def boom(*_: object) -> None:
        raise RuntimeError("layout bug")

    monkeypatch.setattr(prepare, "_lay_out", boom)
    run = api.publish(honest, tmp_path / "out", jobs=1)
    assert run.files[0].status == "internal" and "layout bug" in run.files[0].reason and run.exit_code == 3


def test_a_pdf_that_fails_costs_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("WORKBOOK_BUILDER_SOFFICE", str(fake))
    returns = tmp_path / "returns"
    for k, unit in enumerate(("甲局", "乙局")):
        build_to(returns, unit_data(k, unit, year=2024), f"{unit}.xlsx")
    run = api.publish(returns, tmp_path / "out", formats="docx,pdf", jobs=1, lang="en")
    assert [p.status for p in run.files] == [FAILED, FAILED] and run.exit_code == 2
    for p in run.files:  # the docx went out; the PDF's failure is said for each file
        assert list(p.outputs) == ["docx"] and Path(p.outputs["docx"]).is_file()
        assert "无法生成 PDF：LibreOffice 转换失败（退出码 1）：Error: source file could not be loaded" in p.reason
    assert run.summary()[-1] == "0 written, 2 not written."
    assert run.summary("zh")[0].startswith(f"未全部生成 {returns / '乙局.xlsx'}：已写出 {tmp_path / 'out'}")
