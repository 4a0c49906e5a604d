"""api.publish: checked exactly as `check`, published from the checker's values, read back before
writing, one document per workbook named after its title, the batch going on past every bad file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.batch_helpers import unit_data
from tests.make_filled import build_to, honest_data
from workbook_builder import api, outfile
from workbook_builder.errors import UsageError
from workbook_builder.findings import make
from workbook_builder.publish import outputs, prepare, readback
from workbook_builder.publish.model import DRAFT_MARK
from workbook_builder.publish.result import FAILED, MISMATCH, NO_DOCUMENT, PUBLISHED, REFUSED
from workbook_builder.render import text as render_text
from workbook_builder.template import registry

TITLE = "淮安市人民政府2024年政府信息公开工作年度报告"


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
    # the documents in the returns folder are published reports: `check` reads and checks them too
    for p in run.written:
        for out in p.outputs.values():
            Path(out).rename(returns / Path(out).name)
    again = api.check(returns, jobs=1)
    documents = [f for f in again.files if f.published]
    assert len(again.files) == 12 and again.skipped_other == (str(returns / "notes.txt"),)
    assert sorted(f.published or "" for f in documents) == ["docx"] * 3 + ["html"] * 3
    assert all(f.valid for f in documents)


def test_names_are_safe_on_windows_and_unique() -> None:
    assert outfile.safe_name('甲:乙*丙?"<>|\\/ .') == "甲_乙_丙_______"
    assert outfile.safe_name("CON") == "_CON" and outfile.safe_name("aux.2024") == "_aux.2024"
    assert outfile.safe_name("aux.txt") == "_aux.txt" and outfile.safe_name("a\x7fb") == "a_b"
    long = outfile.safe_name("长" * 300 + "尾")  # cut in UTF-8 bytes, between characters: head … tail
    assert long == "长" * 29 + "…" + "长" * 19 + "尾" and len(long.encode()) <= outfile.MAX_NAME_BYTES
    assert outfile.safe_name("a" + "长" * 100 + "bc") == "a" + "长" * 29 + "…" + "长" * 19 + "bc"
    assert outfile.safe_name("长" * 50) == "长" * 50  # 150 bytes: not cut
    namer = outputs.namer()
    assert [namer.name(t, "x") for t in ("Abc", "abc", "ABC", "", "")] == ["Abc", "abc（2）", "ABC（3）", "x", "x（2）"]
    build = outfile.Namer(suffix="_{n}", default="unit")
    assert [build.name(t) for t in ("甲/乙", "甲_乙", "", "CON")] == ["甲_乙", "甲_乙_2", "unit", "_CON"]


def test_a_unit_name_of_the_longest_allowed_fits_the_file_system(tmp_path: Path) -> None:
    """The template lets a unit name be 100 characters: 300 bytes of Chinese, over ext4's 255."""
    returns = tmp_path / "returns"
    for k, name in enumerate(("a.xlsx", "b.xlsx")):  # the same unit twice: the second numbered
        build_to(returns, unit_data(k, "江" * 100, year=2024), name)
    run = api.publish(returns, tmp_path / "out", formats="docx,html,fragment", jobs=1)
    assert [p.status for p in run.files] == [PUBLISHED, PUBLISHED] and run.exit_code == 0, run.summary()
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(names) == 6 and all(len(n.encode()) <= 255 for n in names)
    # the head and the tail of the title: the year and 年度报告 stay in the name
    stem = names[0].removesuffix(".docx")
    assert stem.startswith("江" * 25) and stem.endswith("江…江江江江江2024年政府信息公开工作年度报告"), stem
    assert f"{stem}（2）.docx" in names


def test_long_names_that_differ_at_the_end_or_in_the_year_stay_apart(tmp_path: Path) -> None:
    returns = tmp_path / "returns"
    build_to(returns, unit_data(0, "江" * 99 + "甲", year=2024), "a.xlsx")
    build_to(returns, unit_data(1, "江" * 99 + "乙", year=2024), "b.xlsx")
    build_to(returns, unit_data(2, "江" * 99 + "甲", year=2023), "c.xlsx")
    run = api.publish(returns, tmp_path / "out", formats="docx", jobs=1)
    assert [p.status for p in run.files] == [PUBLISHED] * 3
    assert [p.same_title_as for p in run.files] == [None] * 3, run.summary()
    assert len({Path(p.outputs["docx"]).name for p in run.files}) == 3


def test_a_file_output_always_writes_its_own_format(honest: Path, tmp_path: Path) -> None:
    """-o y.html --format docx writes y.html too, never a y.docx alone under a name that said html."""
    run = api.publish(honest, tmp_path / "y.html", formats="docx", jobs=1)
    assert run.formats == ("docx", "html") and run.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["y.docx", "y.html"]
    run = api.publish(honest, tmp_path / "z.html", formats="fragment", jobs=1)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("z")) == ["z.fragment.html", "z.html"]


def test_an_output_path_never_leaves_its_folder(tmp_path: Path) -> None:
    target = outputs.Target(tmp_path, ("docx",))
    assert target.path("甲", "docx") == tmp_path / "甲.docx"
    for stem in ("../甲", "sub/甲", "/etc/甲"):
        with pytest.raises(ValueError, match="outside"):
            target.path(stem, "docx")


def test_each_line_names_its_source_and_a_repeated_title_is_a_warning(tmp_path: Path) -> None:
    returns = tmp_path / "returns"
    build_to(returns, unit_data(0, "甲局", year=2024), "甲局.xlsx")
    build_to(returns, unit_data(1, "甲局", year=2024), "甲局-草稿.xlsx")
    run = api.publish(returns, tmp_path / "out", formats="docx,html", jobs=1)
    stem = tmp_path / "out" / "甲局2024年政府信息公开工作年度报告"
    lines = run.summary()
    assert lines[0] == f"已生成 {stem}（.docx、.html） ← {returns / '甲局-草稿.xlsx'}"
    assert lines[1] == (f"已生成 {stem}（2）（.docx、.html） ← {returns / '甲局.xlsx'}"
                        f"（与 {returns / '甲局-草稿.xlsx'} 的报告同名，已编号）")
    assert lines[-2:] == ["注意：1 份报告与另一份同名（多为同一单位同一年度交了两份），已在文件名后加编号；请确认应发布哪一份。",
                          "生成 2 份，未生成 0 份。"]
    docs = run.as_dict()["documents"]
    assert [d["path"] for d in docs] == [str(returns / "甲局-草稿.xlsx"), str(returns / "甲局.xlsx")]
    assert [d["same_title_as"] for d in docs] == [None, str(returns / "甲局-草稿.xlsx")]


def _moved(data: dict[str, object], by: int) -> dict[str, object]:
    """上年结转 and 结转 moved together (T3-A still holds)."""
    for dp in ("requests.carried_over.person", "requests.carried_forward.person"):
        data[dp] += by  # type: ignore[operator]
    return data


def test_prior_applies_the_cross_year_rules_before_publishing(tmp_path: Path) -> None:
    """X-1 (上年结转 = last year's 结转) is an error: with --prior a mismatch gets no document."""
    last = honest_data()
    this = build_to(tmp_path, _moved(honest_data(), last["requests.carried_forward.person"]
                                     - last["requests.carried_over.person"]), "淮安.xlsx")
    wrong = build_to(tmp_path / "wrong", _moved({**last, "meta.year": 2023}, 7), "淮安-2023.xlsx")
    run = api.publish(this, tmp_path / "out" / "r.docx", jobs=1, prior=wrong)
    assert run.files[0].status == REFUSED and run.exit_code == 1 and not (tmp_path / "out").exists()
    assert "X-1" in {f.rule for f in run.check.files[0].findings}
    right = build_to(tmp_path / "right", {**last, "meta.year": 2023}, "淮安-2023.xlsx")
    run = api.publish(this, tmp_path / "out" / "r.docx", jobs=1, prior=right.parent)
    assert run.files[0].status == PUBLISHED and (tmp_path / "out" / "r.docx").is_file(), render_text.render(run.check)


def test_a_draft_prints_an_invalid_input_empty(tmp_path: Path) -> None:
    data = honest_data()
    data["disclosure.rules.issued"] = -7777  # refused by its cell's check: never printed, even in a draft
    book = build_to(tmp_path, data, "inv.xlsx", strict=False)
    run = api.publish(book, tmp_path / "d.html", draft=True, jobs=1)
    assert run.files[0].status == PUBLISHED and run.files[0].draft
    page = (tmp_path / "d.html").read_text("utf-8")
    assert "7777" not in page  # the value left out (its cell empty), not printed as -7777


def test_an_input_is_never_overwritten(tmp_path: Path) -> None:
    """publish copy.html -o copy.html, where copy.html is a returned workbook: refused, the input intact."""
    copy = tmp_path / "copy.html"
    copy.write_bytes(build_to(tmp_path, honest_data(), "x.xlsx").read_bytes())
    before = copy.read_bytes()
    run = api.publish(copy, copy, jobs=1)
    assert run.files[0].status == FAILED and run.exit_code == 2
    assert "是输入的文件之一：不会覆盖交回的文件" in run.files[0].reason
    assert copy.read_bytes() == before
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


def test_build_for_roster_names_files_by_the_same_rules(tmp_path: Path) -> None:
    """`build --roster` names its workbooks with the same `outfile.safe_name` (its own suffix _2)."""
    roster = tmp_path / "units.csv"
    units = ["江" * 100, "CON", "aux.txt", "甲/乙", "甲_乙"]
    roster.write_text("单位名称\n" + "\n".join(units) + "\n", encoding="utf-8")
    records = api.build_for_roster(roster, tmp_path / "out", year=2024)
    assert [Path(r["path"]).name for r in records] == [
        "江" * 29 + "…" + "江" * 20 + ".xlsx", "_CON.xlsx", "_aux.txt.xlsx", "甲_乙.xlsx", "甲_乙_2.xlsx"]
    assert all(Path(r["path"]).is_file() for r in records)
