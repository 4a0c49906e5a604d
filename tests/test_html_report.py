"""The HTML report: structure (read back with html.parser), escaping of everything from a returned file,
no network references, deterministic output, and the page as headless Chromium sees it (DOM and screenshot).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.chromium_headless import dump_dom, png_info, require_chromium, screenshot
from tests.html_tree import Node, parse_tree
from workbook_builder.batch.result import CheckRun
from workbook_builder.batch.roster import RosterResult
from workbook_builder.check.result import FileResult, TemplateRef
from workbook_builder.findings import Finding, Text, make, sort_findings
from workbook_builder.render import html as html_report


def render(reports: list[FileResult], roster: RosterResult | None = None, **kwargs: str) -> str:
    """The page of a run of these files (with this roster result, or none)."""
    return html_report.render(CheckRun(tuple(reports), roster or RosterResult.empty()), **kwargs)

HOSTILE_UNIT = "<script>alert(1)</script>"
HOSTILE_ATTR = '" onmouseover="x'
HOSTILE_ACTUAL = "<img src=x onerror=alert(2)>"
HOSTILE_MISSING = "<b>天津市</b>某某局"
TEMPLATE = TemplateRef("gov_info_disclosure_2021", "1")


# ----------------------------------------------------------------------------------------------- data


def rule(rule_id: str, severity: str, cell: str, label: str, expected: float, actual: float) -> Finding:
    return make("rule-failed", "failed", severity=severity, cell=cell, datapoint=f"dp.{rule_id}", label=label,
                rule=rule_id, expected=expected, actual=actual, cells=(cell, "表3!C20"),
                message=Text("合计应等于各项之和", "the total is the sum"), left="total", comparator="=",
                right="SUM(items)")


def sample_reports() -> list[FileResult]:
    honest = FileResult("returns/北京市某某局.xlsx", TEMPLATE, (make("no-cached-values"),),
                        unit="北京市某某局", year=2024, saved_by="Microsoft Excel")
    errors = FileResult("returns/上海市某某委.xlsx", TEMPLATE, (
        rule("T3-A", "error", "表3!D12", "办理结果总计", 40.0, 38.0),
        rule("T3-D", "warning", "表3!E30", "结转下年度继续办理", 3.0, 5.0),
        make("missing-input", cell="表1!C5", datapoint="disclosure.item1.a", label="本年制发件数"),
        make("stale-value", cell="表3!F12", label="总计", expected=12, actual=11),
        make("prior-year-mismatch", severity="error", cell="表3!B8", label="上年结转", rule="X-1",
             expected=7, actual=9),
    ), unit="上海市某某委", year=2024, saved_by="WPS Office")
    again = FileResult("returns/上海市某某委（更正）.xlsx", TEMPLATE, (
        rule("T3-A", "error", "表3!D12", "办理结果总计", 41.0, 39.0),
    ), unit="上海市某某委", year=2024, saved_by="WPS Office")
    warn_only = FileResult("returns/广州市某某办.xlsx", TEMPLATE, (
        rule("T2-1", "warning", "表2!C9", "行政许可", 10.0, 12.0),
        make("protection-removed", cell=None, label=None),
    ), unit="广州市某某办", year=2024, saved_by="LibreOffice")
    unreadable = FileResult("returns/损坏的文件.xlsx", None, (
        make("unreadable-file", "not-zip", actual="not-zip"),), )
    unsafe = FileResult("returns/macro.xlsm", None, (
        make("unsafe-content", "macro", actual="macro"),))
    hostile = FileResult(f"returns/{HOSTILE_ATTR}.xlsx", TEMPLATE, (
        rule("T3-A", "error", "表3!D12", HOSTILE_ATTR, 1.0, 2.0),
        make("invalid-input", "not-a-date", cell="表1!C6", label=HOSTILE_UNIT, actual=HOSTILE_ACTUAL,
             accepts=Text("日期", "a date"), value=HOSTILE_ACTUAL),
    ), unit=HOSTILE_UNIT, year=2024, saved_by=HOSTILE_ATTR)
    quoted = FileResult("returns/quoted.xlsx", TEMPLATE, (), unit=HOSTILE_ATTR, year=2024, saved_by="Excel")
    return [honest, errors, again, warn_only, unreadable, unsafe, hostile, quoted]


def sample_roster(reports: list[FileResult]) -> RosterResult:
    return RosterResult(
        expected=6,
        missing=("深圳市某某局", HOSTILE_MISSING),
        duplicates=(("上海市某某委", 2024, (reports[1].path, reports[2].path)),),
        unexpected=((HOSTILE_UNIT, reports[6].path), (HOSTILE_ATTR, reports[7].path)),
    )


# ----------------------------------------------------------------------------------------------- a tiny DOM


def parse(page: str) -> tuple[Node, str]:
    return parse_tree(page)


def card(doc: Node, ident: str, key: str) -> int:
    box = doc.find("ul", id=ident)
    assert box is not None, ident
    item = box.find("li", data_key=key)
    assert item is not None, key
    return int(item.find("span").text)


# ----------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def reports() -> list[FileResult]:
    return sample_reports()


@pytest.fixture(scope="module")
def page(reports: list[FileResult]) -> str:
    return render(reports, sample_roster(reports))


@pytest.fixture(scope="module")
def doc(page: str) -> Node:
    return parse(page)[0]


# ----------------------------------------------------------------------------------------------- structure


def test_head_is_self_contained(page: str) -> None:
    doc, doctype = parse(page)
    assert doctype.lower() == "doctype html"
    html_el = doc.find("html")
    assert html_el is not None and html_el.attrs["lang"] == "zh-CN"
    metas = list(doc.iter("meta"))
    assert any(m.attrs.get("charset") == "utf-8" for m in metas)
    csp = [m.attrs["content"] for m in metas if (m.attrs.get("http-equiv") or "").lower() == "content-security-policy"]
    assert csp == ["default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"]
    assert "政府信息公开工作年度报告" in doc.find("title").text
    assert "2024" in doc.find("h1").text
    assert "模板：gov_info_disclosure_2021 v1" in doc.find("section", id="file-1").find("p", class_="meta").text


def test_totals(doc: Node) -> None:
    assert card(doc, "totals-cards", "files") == 8
    assert card(doc, "totals-cards", "valid") == 3  # honest, warnings only, the quoted name
    assert card(doc, "totals-cards", "invalid") == 5
    assert card(doc, "totals-cards", "warn_only") == 1
    assert card(doc, "totals-cards", "unreadable") == 2
    labels = doc.find("ul", id="totals-cards").text
    for word in ("通过", "有错误", "仅有警告", "无法读取/不安全"):
        assert word in labels


def test_roster_section(doc: Node) -> None:
    assert card(doc, "roster-cards", "expected") == 6
    assert card(doc, "roster-cards", "reported") == 4
    assert card(doc, "roster-cards", "missing") == 2
    assert card(doc, "roster-cards", "duplicates") == 1
    assert card(doc, "roster-cards", "unexpected") == 2
    for word in ("应报单位", "缺报", "重复", "名单外"):
        assert word in doc.find("ul", id="roster-cards").text
    missing = [li.text for li in doc.find("div", id="missing").iter("li")]
    assert missing == ["深圳市某某局", HOSTILE_MISSING]
    dup_rows = list(doc.find("div", id="duplicates").find("tbody").iter("tr"))
    assert len(dup_rows) == 1
    cells = [td for td in dup_rows[0].children if isinstance(td, Node)]
    assert cells[0].text == "上海市某某委" and cells[1].text == "2024"
    links = [a.attrs["href"] for a in cells[2].iter("a")]
    assert links == ["#file-2", "#file-3"]
    unexpected = doc.find("div", id="unexpected").text
    assert HOSTILE_UNIT in unexpected and HOSTILE_ATTR in unexpected


def test_no_roster_no_roster_section(reports: list[FileResult]) -> None:
    doc = parse(render(reports))[0]
    assert doc.find("ul", id="roster-cards") is None
    assert doc.find("div", id="missing") is None
    # a roster result without a roster (duplicates only) shows duplicates, not "0 expected"
    doc = parse(render(reports, RosterResult(0, (), (("上海市某某委", 2024, ("a", "b")),), ())))[0]
    assert card(doc, "roster-cards", "duplicates") == 1
    assert doc.find("li", data_key="expected") is None and doc.find("div", id="missing") is None


def status_rows(doc: Node) -> list[Node]:
    table = doc.find("table", id="status-table")
    assert table is not None
    return list(table.find("tbody").iter("tr"))


def test_status_table(doc: Node, reports: list[FileResult]) -> None:
    rows = status_rows(doc)
    assert len(rows) == len(reports)
    states = [r.attrs["data-status"] for r in rows]
    assert states == sorted(states, key=lambda s: s != "fail"), "errors first"
    ids = {n.attrs["id"] for n in doc.iter() if n.attrs.get("id")}
    by_unit = {}
    for row in rows:
        tds = [c for c in row.children if isinstance(c, Node)]
        link = tds[0].find("a")
        assert link.attrs["href"].startswith("#") and link.attrs["href"][1:] in ids
        by_unit.setdefault(link.text, []).append((tds[1].text, tds[2].text, [int(td.text) for td in tds[3:6]], tds[6].text))
    # the most errors first: 上海 (4 errors) leads
    assert status_rows(doc)[0].find("a").text == "上海市某某委"
    assert by_unit["北京市某某局"] == [("2024", "通过", [0, 0, 1], "—")]
    assert by_unit["广州市某某办"] == [("2024", "通过", [0, 2, 0], "—")]
    shanghai = by_unit["上海市某某委"]
    assert sorted(s[2] for s in shanghai) == [[1, 0, 0], [4, 1, 0]]
    assert all(s[1] == "未通过" for s in shanghai)
    assert by_unit["损坏的文件.xlsx"][0][1] == "未通过" and "文件无法读取" in by_unit["损坏的文件.xlsx"][0][3]
    assert by_unit["macro.xlsm"][0][1] == "未通过"
    assert by_unit[HOSTILE_UNIT][0][1] == "未通过"
    assert by_unit[HOSTILE_ATTR] == [("2024", "通过", [0, 0, 0], "—")]
    # the roster's verdicts are tagged on the rows
    tagged = {r.find("a").text: [t.text for t in r.iter("span") if t.has_class("tag")] for r in rows}
    assert tagged[HOSTILE_UNIT] == ["名单外"] and tagged["北京市某某局"] == []
    assert sorted(tagged["上海市某某委"]) == ["重复"]


def test_findings_sections(doc: Node, reports: list[FileResult]) -> None:
    for i, report in enumerate(reports, 1):
        section = doc.find("section", id=f"file-{i}")
        assert section is not None
        table = section.find("table")
        if not report.findings:
            assert table is None and "未发现问题" in section.text
            continue
        head = [th.text for th in table.find("thead").iter("th")]
        assert head == ["级别", "代码", "单元格", "标签", "规则", "应为", "实际", "说明"]
        rows = list(table.find("tbody").iter("tr"))
        assert len(rows) == len(report.findings)
        assert sorted(r.find_all("code").__next__().text for r in rows) == sorted(f.code for f in report.findings)
    shanghai = doc.find("section", id="file-2")
    t3a = next(r for r in shanghai.iter("tr") if "T3-A" in r.text)
    tds = [td.text for td in t3a.children if isinstance(td, Node)]
    assert tds[0] == "错误" and tds[1] == "rule-failed" and tds[2].startswith("表3!D12")
    assert tds[3] == "办理结果总计" and tds[4] == "T3-A" and tds[5] == "40" and tds[6] == "38"
    assert "勾稽关系不成立" in tds[7] and "表3!C20" in tds[2]


def test_charts(doc: Node) -> None:
    heat = doc.find("svg", id="heatmap")
    assert heat is not None and heat.find("title").text == "各单位不成立的规则（次数）"
    rule_labels = [t.text for t in heat.iter("text") if t.has_class("rule-label")]
    assert rule_labels == ["T2-1", "T3-A", "T3-D", "X-1"]
    rows = {}
    for g in heat.iter("g"):
        label = g.find("text").find("title").text  # the full name; the visible label may be cut
        rows[label] = {t.attrs["data-rule"]: int(t.text) for t in g.iter("text") if t.has_class("count")}
    assert rows["上海市某某委 2024 · 上海市某某委.xlsx"] == {"T3-A": 1, "T3-D": 1, "X-1": 1}
    assert rows["上海市某某委 2024 · 上海市某某委（更正）.xlsx"] == {"T3-A": 1}
    assert rows["广州市某某办 2024"] == {"T2-1": 1}
    assert rows[f"{HOSTILE_UNIT} 2024"] == {"T3-A": 1}
    visible = [t.children[-1] for t in heat.iter("text") if t.has_class("unit-label")]
    assert "<script>alert(1)<…" in visible  # cut to fit, but text
    totals = {t.attrs["data-rule"]: int(t.text) for t in heat.iter("text") if t.has_class("col-total")}
    assert totals == {"T2-1": 1, "T3-A": 3, "T3-D": 1, "X-1": 1}
    bars = doc.find("svg", id="code-bars")
    assert bars is not None and "最常见的问题" in bars.find("title").text
    counts = {g.attrs["data-code"]: int(g.find("text", class_="count").text) for g in bars.iter("g")}
    assert counts["rule-failed"] == 5 and counts["prior-year-mismatch"] == 1 and counts["unreadable-file"] == 1
    assert [g.attrs["data-code"] for g in bars.iter("g")][0] == "rule-failed"  # most frequent first


def test_findings_in_report_order() -> None:
    """The page shows a file's findings in the report's order (severity, sheet, row, column: B4 before B13),
    the same order as the text report; it does not re-sort them (a string sort put B13 first)."""
    findings = sort_findings([
        make("invalid-input", cell="表3!B13", label="十三"), make("invalid-input", cell="表3!B4", label="四"),
        make("stale-value", cell="表3!B9", label="九", expected=1, actual=2),
    ])
    page = render([FileResult("order.xlsx", TEMPLATE, findings, unit="甲单位", year=2024)])
    doc = parse(page)[0]
    rows = list(doc.find("section", id="file-1").find("tbody").iter("tr"))
    cells = [[td for td in r.children if isinstance(td, Node)][2].text for r in rows]
    assert cells == [f.cell for f in findings]
    assert cells.index("表3!B4") < cells.index("表3!B13")
    assert page.index("表3!B4") < page.index("表3!B13")
    first_error = [td for td in status_rows(doc)[0].children if isinstance(td, Node)][6].text
    assert first_error.startswith(findings[0].cell + "（") and findings[0].severity == "error"


def test_escaping_is_structural() -> None:
    """Autoescape is on for every template and nothing in the templates or the module marks text safe."""
    env = html_report._environment()
    assert env.autoescape is True
    package = Path(html_report.__file__).parent
    templates = sorted((package / "templates").iterdir())
    assert {p.name for p in templates} >= {"report.html.j2", "report.css", "report.js"}
    for source in [Path(html_report.__file__), *templates]:
        text = source.read_text(encoding="utf-8")
        assert "|safe" not in text.replace(" ", "") and "Markup" not in text, source.name


def test_no_charts_without_findings() -> None:
    page = render([FileResult("a.xlsx", TEMPLATE, (), unit="甲单位", year=2024)])
    doc = parse(page)[0]
    assert doc.find("svg") is None
    assert doc.find("p", id="heatmap-none") is not None and doc.find("p", id="codes-none") is not None


URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "data", "background",
             "cite", "ping", "manifest", "longdesc"}


def assert_no_network(page: str) -> None:
    doc = parse(page)[0]
    for node in doc.iter():
        assert node.tag not in {"link", "img", "iframe", "object", "embed", "base", "audio", "video", "source",
                                "image", "use", "form", "frame", "feimage"}, node.tag
        for name, value in node.attrs.items():
            if name in URL_ATTRS:
                assert value is not None and value.startswith("#"), (node.tag, name, value)
    for style in doc.iter("style"):
        assert "url(" not in style.text and "@import" not in style.text
    for script in doc.iter("script"):
        assert "src" not in script.attrs
        assert not re.search(r"fetch|XMLHttpRequest|WebSocket|import\(|\.src\s*=|location", script.text)


def test_no_network_references(page: str) -> None:
    assert_no_network(page)
    honest = render(sample_reports()[:6], sample_roster(sample_reports()))
    for needle in ("http://", "https://", "//"):
        assert needle not in honest
    assert_no_network(honest)
    # a URL in a returned file stays text
    tricky = FileResult("x.xlsx", TEMPLATE, (make("invalid-input", cell="A1", label="url(https://evil.example/x)",
                                                  actual='<link rel="stylesheet" href="https://evil.example">'),),
                        unit="https://evil.example/unit", year=2024)
    assert_no_network(render([tricky]))


def test_hostile_text_is_escaped(page: str, doc: Node) -> None:
    for raw in (HOSTILE_UNIT, HOSTILE_ACTUAL, HOSTILE_MISSING, '" onmouseover="', "<svg onload"):
        assert raw not in page
    scripts = list(doc.iter("script"))
    assert len(scripts) == 1 and "alert" not in scripts[0].text
    for node in doc.iter():
        assert node.tag != "img" and node.tag != "b"
        assert not any(name.startswith("on") for name in node.attrs), (node.tag, node.attrs)
    text = doc.text
    for raw in (HOSTILE_UNIT, HOSTILE_ACTUAL, HOSTILE_MISSING, HOSTILE_ATTR):
        assert raw in text
    # attributes keep the quote inside their value
    titles = [n.attrs.get("title") for n in doc.iter("a")]
    assert f"returns/{HOSTILE_ATTR}.xlsx" in titles


def test_control_characters_and_long_values() -> None:
    bad = FileResult("c.xlsx", TEMPLATE, (make("invalid-input", cell="A1", label="a\x00b\x1bc\ud800",
                                               actual="长" * 5000),), unit="单位\x07", year=2024)
    page = render([bad])
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]", page)
    page.encode("utf-8")
    assert "长" * 5000 not in page and "长" * 150 in page


def test_english(reports: list[FileResult]) -> None:
    page = render(reports, sample_roster(reports), lang="en", title="Returns 2024")
    doc = parse(page)[0]
    assert doc.find("html").attrs["lang"] == "en"
    assert doc.find("title").text == "Returns 2024"
    labels = doc.find("ul", id="totals-cards").text
    for word in ("Files checked", "Valid", "With errors", "Warnings only", "Unreadable/unsafe"):
        assert word in labels
    badges = {r.find("span", class_="badge pass") is not None for r in status_rows(doc)}
    assert badges == {True, False}
    assert "valid" in status_rows(doc)[-1].text
    assert "a consistency rule fails" in doc.find("section", id="file-2").text
    assert "（" not in doc.find("div", id="missing").find("h4").text


def test_deterministic(reports: list[FileResult]) -> None:
    a = render(reports, sample_roster(reports))
    b = render(list(sample_reports()), sample_roster(sample_reports()))
    assert a == b


def test_edge_cases() -> None:
    page = render([])
    doc = parse(page)[0]
    assert card(doc, "totals-cards", "files") == 0 and doc.find("p", id="no-files") is not None
    with pytest.raises(ValueError):
        render([], lang="fr")
    escaped = render([], title="<i>标题</i>")
    assert "<i>" not in escaped and "&lt;i&gt;标题&lt;/i&gt;" in escaped


# ----------------------------------------------------------------------------------------------- Chromium


@pytest.fixture(scope="module")
def chromium() -> str:
    return require_chromium()


@pytest.fixture(scope="module")
def page_file(page: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html-report") / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser_dom(chromium: str, page_file: Path) -> Node:
    return parse(dump_dom(chromium, page_file))[0]


def test_chromium_dom_shows_status(browser_dom: Node, reports: list[FileResult]) -> None:
    rows = status_rows(browser_dom)
    assert len(rows) == len(reports)
    seen = {}
    for row in rows:
        tds = [c for c in row.children if isinstance(c, Node)]
        seen.setdefault(tds[0].find("a").text, set()).add(tds[2].text)
    assert seen["北京市某某局"] == {"通过"} and seen["广州市某某办"] == {"通过"}
    assert seen["上海市某某委"] == {"未通过"} and seen["损坏的文件.xlsx"] == {"未通过"}
    assert seen[HOSTILE_UNIT] == {"未通过"} and seen[HOSTILE_ATTR] == {"通过"}
    missing = [li.text for li in browser_dom.find("div", id="missing").iter("li")]
    assert missing == ["深圳市某某局", HOSTILE_MISSING]
    # the inline filter script ran under the page's CSP: it reveals the filter controls
    assert "hidden" not in browser_dom.find("div", id="filters").attrs


def test_chromium_no_injected_elements(browser_dom: Node) -> None:
    scripts = list(browser_dom.iter("script"))
    assert len(scripts) == 1 and "alert" not in scripts[0].text
    for node in browser_dom.iter():
        assert node.tag not in {"img", "b"}, node.tag
        assert not any(name.startswith("on") for name in node.attrs), (node.tag, node.attrs)
    assert HOSTILE_UNIT in browser_dom.text and HOSTILE_ACTUAL in browser_dom.text
    heat = browser_dom.find("svg", id="heatmap")
    assert heat is not None and heat.find("title").text == "各单位不成立的规则（次数）"


def test_chromium_screenshot(chromium: str, page_file: Path) -> None:
    out = screenshot(chromium, page_file, page_file.with_name("report.png"))
    data = out.read_bytes()
    width, height, distinct = png_info(data)
    assert (width, height) == (1280, 2000)
    assert len(data) > 20_000 and distinct > 16, "the screenshot looks blank"
