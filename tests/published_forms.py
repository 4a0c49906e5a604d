"""Published reports synthesised in the forms real ones take, each with the cells an import must give.

Every form starts from the template's own report document (`publish.model.document`): the tables'
labels, merges and headings come from the template (`registry.resolve(...).layout`), never typed
here, so a form works for any template with a `document:` section (2021, 2019). What changes is only
how the same report is printed:

- `sample_text`   one cell per line, a tab before each, a blank line between rows (the reference
                  sample's shape: Word's "save as text" of a report);
- `pdf_rows`      rows as pdfplumber extracts a PDF: "label n n n …", long labels wrapped over lines
                  with the figures on the middle one, group labels one character a line, page footers;
- `digit_runs`    `pdf_rows` with some rows' figures concatenated ("713000074");
- `cms_html`      a government CMS page: GBK, menus, footer, scripts, MsoNormal spans and &nbsp;;
- `word_docx`     a Word file with the official merged cells (python-docx);
- `publish_forms` our own `publish` output (docx, html, fragment, pdf) of a built workbook.

Defects are made on the `Printed` report before it is rendered (`printed(..., texts=..., old_labels=True,
heading_typo=True)`): a blank cell, "/", "无", a total that does not add up, full-width digits, the old
label 规范性文件, a heading typo. Each `Form` says, per data point, what the import must give:
`expect[dp]` is "value" (exactly `truth[dp]`), "blank", "slash", or "any" (a value, then exactly the
truth, or any status that is not a value: a digit run or a damaged row may be unreadable, never wrong).
"""

from __future__ import annotations

import html
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from workbook_builder.publish.model import DocCell, DocTable, Document, document
from workbook_builder.template import registry

Number = int | float
SLASHES = ("/", "-", "—", "无", "／")
PROSE = {  # short prose for the text sections a values dict may lack
    "text.overview": "本年度，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，主动公开、依申请公开工作有序开展。",
    "text.problems": "政府信息公开工作仍存在公开内容不够全面等问题，下一步将加强培训、完善制度。",
    "text.other": "本年度未收取信息处理费。",
}


@dataclass(frozen=True)
class Form:
    """One synthesised published report: its bytes, and what importing it must give."""

    kind: str  # text | html | docx | pdf: the reader that must take it
    name: str  # the form: sample, pdf-rows, digit-runs, cms-html, word-docx, publish-docx …
    data: bytes
    suffix: str
    truth: Mapping[str, Number | None]  # what each table data point says (None: printed as no number)
    expect: Mapping[str, str]  # value | blank | slash | any

    def write(self, folder: str | Path, stem: str | None = None) -> Path:
        path = Path(folder) / f"{stem or self.name}{self.suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.data)
        return path


@dataclass
class Printed:
    """A report as it will be printed: the template's document with each value cell's printed text."""

    template: str
    doc: Document
    truth: dict[str, Number | None]
    expect: dict[str, str]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def tables(self) -> tuple[DocTable, ...]:
        return self.doc.tables


def parse_figure(text: str) -> Number | None:
    """What a printed cell says as a number (full-width digits, thousands commas), None if not one."""
    t = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    if re.fullmatch(r"\d+", t):
        return int(t)
    if re.fullmatch(r"\d+\.\d+", t):
        return float(t)
    return None


def status_of(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).strip()
    if not t:
        return "blank"
    if t in {unicodedata.normalize("NFKC", s) for s in SLASHES}:
        return "slash"
    return "value" if parse_figure(t) is not None else "any"


def complete(values: Mapping[str, Any], template: str | None = None) -> dict[str, Any]:
    """Inputs with every formula recomputed by the template and short prose added where missing."""
    t = registry.resolve(template)
    inputs = {k: v for k, v in values.items() if k in t.layout.by_id and t.layout.by_id[k].kind == "input"}
    out = {**{k: v for k, v in PROSE.items() if k in t.layout.by_id}, **inputs}
    out.update(t.recompute.compute(out))
    return out


def printed(values: Mapping[str, Any], template: str | None = None, texts: Mapping[str, str] | None = None,
            old_labels: bool = False, heading_typo: bool = False, recompute: bool = True) -> Printed:
    """The report of `values` (inputs; totals recomputed unless `recompute=False`, then printed as given),
    with `texts` printed in place of some cells' figures ("", "/", "无", "１２", a wrong total …)."""
    t = registry.resolve(template)
    data = complete(values, template) if recompute else {**PROSE, **values}
    doc = document(t.layout, data)
    texts = dict(texts or {})
    olds = dict(t.layout.spec.document.old_labels) if t.layout.spec.document else {}

    def cell(c: DocCell) -> DocCell:
        if c.kind == "value" and c.datapoint in texts:
            return replace(c, text=texts[c.datapoint])
        if old_labels and c.kind == "label" and c.text in olds:
            return replace(c, text=olds[c.text][0])
        return c

    sections = []
    for s in doc.sections:
        tables = tuple(replace(tb, cells=tuple(cell(c) for c in tb.cells)) for tb in s.tables)
        heading = s.heading
        if heading_typo and "行政复议" in heading:
            heading = heading.replace("行政复议", "行政法复议", 1)
        sections.append(replace(s, heading=heading, tables=tables))
    doc = replace(doc, sections=tuple(sections))
    truth: dict[str, Number | None] = {}
    expect: dict[str, str] = {}
    for tb in doc.tables:
        for c in tb.value_cells:
            truth[c.datapoint] = parse_figure(c.text)
            expect[c.datapoint] = status_of(c.text)
    meta = {"unit": data.get(t.layout.spec.unit_field or ""), "year": data.get(t.layout.spec.year_field or "")}
    return Printed(t.layout.spec.id, doc, truth, expect, meta)


# ---------------------------------------------------------------- the table grid, row by row


def cell_owners(table: DocTable) -> dict[tuple[int, int], DocCell]:
    """(row, column) of every grid slot → the cell covering it (a merged cell covers several)."""
    owner: dict[tuple[int, int], DocCell] = {}
    for c in table.cells:
        for r in range(c.row, c.row + c.row_span):
            for k in range(c.col, c.col + c.col_span):
                owner[(r, k)] = c
    return owner


def grid_rows(table: DocTable) -> list[list[tuple[DocCell | None, bool]]]:
    """Each grid row as Word's "save as text" walks it: (cell, starts here). A merged cell's later
    rows give (cell, False) once at its first column; its other columns give nothing."""
    owner = cell_owners(table)
    rows = []
    for r in range(table.n_rows):
        row: list[tuple[DocCell | None, bool]] = []
        for k in range(table.n_cols):
            c = owner.get((r, k))
            if c is None:
                row.append((None, False))
            elif c.row == r and c.col == k:
                row.append((c, True))
            elif c.col == k:
                row.append((c, False))
        rows.append(row)
    return rows


def _prose_lines(p: Printed) -> Callable[[Any], list[str]]:
    return lambda s: [f"{para.subhead}{para.text}" for para in s.paragraphs]


def sample_text(p: Printed) -> str:
    """The sample's shape: title, headings and prose one per line; each table cell "\\t" + text on its
    own line (a line break inside a cell continues without a tab), a blank line after each row."""
    lines = ["", "", p.doc.title]
    for s in p.doc.sections:
        lines.append(s.heading)
        lines += _prose_lines(p)(s)
        for tb in s.tables:
            for row in grid_rows(tb):
                for c, starts in row:
                    text = c.text if (c is not None and starts) else ""
                    first, *rest = text.split("\n")
                    lines.append("\t" + first)
                    lines += rest
                lines.append("")
            lines.append("")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- PDF text rows


WRAP = 16  # characters of a label cell's line in a PDF table
PROSE_WRAP = 30


def _chunks(text: str, width: int) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def _group_pieces(text: str) -> list[str]:
    """A vertical group label as a PDF prints it: "三、" then one character a line."""
    m = re.match(r"^[一二三四五六七八九十]+、|^（[一二三四五六七八九十]+）", text)
    head = m.group(0) if m else ""
    return ([head] if head else []) + list(text[len(head):])


def _table_lines(tb: DocTable, joiner: Callable[[int, list[str]], str]) -> list[str]:
    """A table as PDF text: header rows joined by spaces, each data row "label figures", wrapped."""
    lines: list[str] = []
    rows = grid_rows(tb)
    groups = [c for c in tb.cells if c.kind == "label" and c.row_span > 1]
    outer = [g for g in groups if g.col == 0]
    inner = [g for g in groups if g.col > 0]
    pieces = {id(g): _group_pieces(g.text) for g in outer}
    for r, row in enumerate(rows):
        starting = [c for c, s in row if c is not None and s]
        values = [c.text for c in starting if c.kind == "value"]
        if not values:
            text = " ".join(c.text.replace("\n", "") for c in starting if c.text)
            if text:
                lines += _chunks(text, 40)
            continue
        label = "".join(c.text for c in starting if c.kind == "label" and c.row_span == 1)
        prefix = ""
        for g in inner:
            if g.row + g.row_span // 2 == r:  # the middle row of the group carries its first half
                half = (len(g.text) + 1) // 2
                prefix, after = g.text[:half] + " ", g.text[half:]
                break
        else:
            after = ""
        figures = joiner(0, [v for v in values if v != ""])
        for g in outer:  # the outer group's characters, interleaved: one before the row, one on it
            if g.row <= r < g.row + g.row_span:
                k = r - g.row
                got = pieces[id(g)]
                if 2 * k < len(got):
                    lines.append(got[2 * k])
                if 2 * k + 1 < len(got):
                    prefix = got[2 * k + 1] + " " + prefix
        parts = _chunks(label, WRAP) if label else []
        if len(parts) <= 1:
            lines.append(" ".join(x for x in (prefix.strip(), label, figures) if x))
        elif len(parts) == 2:
            lines += [prefix + parts[0], figures, parts[1]]
        else:
            lines += [prefix + parts[0], f"{parts[1]} {figures}", "".join(parts[2:])]
        if after:
            lines.append(after)
    for g in outer:  # characters left over when the group is taller than its rows
        lines += pieces[id(g)][2 * (g.row_span):]
    return lines


def _pdf_lines(p: Printed, joiner: Callable[[int, list[str]], str]) -> list[str]:
    lines = list(p.doc.title_parts or (p.doc.title,))
    count = iter(range(10**6))  # data rows are numbered across tables, as `data_rows` lists them
    numbered = lambda _i, figs: joiner(next(count), figs)  # noqa: E731
    for s in p.doc.sections:
        lines.append(s.heading)
        for text in _prose_lines(p)(s):
            lines += _chunks(text, PROSE_WRAP)
        for tb in s.tables:
            lines += _table_lines(tb, numbered)
    out = []
    for i, line in enumerate(lines, 1):  # a page footer every 40 lines, as pdfplumber keeps it
        out.append(line)
        if i % 40 == 0:
            out.append(f"- {i // 40} -")
    return out


def pdf_rows(p: Printed) -> str:
    """The report as pdfplumber text of a PDF (the huaian reference's shape)."""
    return "\n".join(_pdf_lines(p, lambda _i, figs: " ".join(figs))) + "\n"


def digit_runs(p: Printed, rows: Iterable[int] | None = None) -> tuple[str, set[int]]:
    """`pdf_rows` with the figures of some data rows (0-based, in print order; default every third)
    run together without separators; returns the text and the rows that were run together."""
    chosen = set(rows) if rows is not None else None
    used: set[int] = set()

    def join(i: int, figs: list[str]) -> str:
        if len(figs) > 1 and (i in chosen if chosen is not None else i % 3 == 1):
            used.add(i)
            return "".join(figs)
        return " ".join(figs)

    return "\n".join(_pdf_lines(p, join)) + "\n", used


def data_rows(p: Printed) -> list[list[str]]:
    """The data points of each printed data row, in print order (what `digit_runs` counts)."""
    out = []
    for tb in p.tables:
        for row in grid_rows(tb):
            ids = [c.datapoint for c, s in row if c is not None and s and c.kind == "value"]
            if ids:
                out.append(ids)
    return out


# ---------------------------------------------------------------- CMS HTML (GBK)


_CMS_HEAD = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head>
<meta charset="gbk" />
<meta http-equiv="X-UA-Compatible" content="IE=edge" />
<title>{title}</title>
<link rel="stylesheet" href="/images/common.css" />
<script type="text/javascript">var _hmt = _hmt || []; var stats = "<table><tr><td>99</td><td>98</td></tr></table>";
document.write("<p>一、本年新收政府信息公开申请数量 7 7 7 7 7 7 42</p>");</script>
<style type="text/css">.TRS_Editor P{{margin-top:0;margin-bottom:0;line-height:1.5;font-size:12pt}}</style>
</head><body>
<div class="top"><ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政府信息公开</a> &gt; 政府信息公开年报</div>
<div class="info">发布时间：{year_next}-01-20 09:30&nbsp;&nbsp;来源：本站&nbsp;&nbsp;浏览次数：<span id="hits">1024</span></div>
<div id="zoom" class="TRS_Editor"><div class="Section0">
"""
_CMS_FOOT = """</div></div>
<div class="share">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</div>
<div class="footer"><p>主办单位：{unit}办公室&nbsp;&nbsp;网站标识码：3208000001&nbsp;&nbsp;ICP备案号：苏ICP备05001234号</p>
<p>地址：人民路1号 邮编：223001 电话：0517-83600000</p></div>
<script src="/js/jquery.min.js"></script><script>$(function(){{ $("#hits").text(2048); }});</script>
</body></html>
"""
_P = "<p class=MsoNormal {align}style='{style}'><span style='font-family:{font};mso-ascii-font-family:\"Times New Roman\"'>{text}</span></p>"
_TD = ("<td width={w} {spans}valign=center style='width:{w}pt;border:solid windowtext 1.0pt;mso-border-alt:solid windowtext .5pt;"
       "padding:0cm 5.4pt 0cm 5.4pt'>{paras}</td>")


def _cell_paras(text: str, kind: str) -> str:
    """A cell's content as a Word-made page has it: spans in MsoNormal paragraphs, long labels over two
    paragraphs, an empty cell as &nbsp;."""
    if not text:
        return _P.format(align="align=center ", style="text-align:center", font="宋体", text="&nbsp;")
    if kind == "label" and len(text) > 18:
        half = len(text) // 2
        return "".join(_P.format(align="", style="text-align:left", font="宋体", text=html.escape(t))
                       for t in (text[:half], text[half:]))
    align = "align=center " if kind != "label" else ""
    lang = "<span lang=EN-US>" if kind == "value" else ""
    body = html.escape(text).replace("\n", "<br />")
    return _P.format(align=align, style="text-align:center" if align else "text-align:left", font="宋体",
                     text=f"{lang}{body}{'</span>' if lang else ''}")


def cms_html(p: Printed, charset: str = "gbk") -> bytes:
    """A full CMS page of the report, encoded in `charset` (declared in <meta>)."""
    out = [_CMS_HEAD.format(title=html.escape(p.doc.title), year_next=int(p.meta.get("year") or 2024) + 1)]
    if charset != "gbk":
        out[0] = out[0].replace('charset="gbk"', f'charset="{charset}"')
    out.append(_P.format(align="align=center ", style="text-align:center", font="方正小标宋简体",
                         text=html.escape(p.doc.title)))
    for s in p.doc.sections:
        out.append(_P.format(align="", style="text-indent:32.0pt", font="黑体", text=html.escape(s.heading)))
        for line in _prose_lines(p)(s):
            out.append(_P.format(align="", style="text-indent:32.0pt", font="仿宋_GB2312",
                                 text="&nbsp;&nbsp;" + html.escape(line)))
        for tb in s.tables:
            out.append("<div align=center><table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 "
                       "style='border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt'><tbody>")
            for row in grid_rows(tb):
                tds = []
                for c, starts in row:
                    if c is None or not starts:
                        continue
                    spans = (f"rowspan={c.row_span} " if c.row_span > 1 else "") + \
                            (f"colspan={c.col_span} " if c.col_span > 1 else "")
                    tds.append(_TD.format(w=40 * c.col_span, spans=spans, paras=_cell_paras(c.text, c.kind)))
                out.append("<tr style='height:20.0pt'>" + "".join(tds) + "</tr>")
            out.append("</tbody></table></div>")
    out.append(_CMS_FOOT.format(unit=html.escape(str(p.meta.get("unit") or ""))))
    return "\n".join(out).encode(charset, errors="xmlcharrefreplace")


# ---------------------------------------------------------------- Word (python-docx)


def word_docx(p: Printed) -> bytes:
    """A Word file of the report with the official merged cells (python-docx, default styles)."""
    import docx  # python-docx: a test helper's writer, not the project's

    word = docx.Document()
    word.add_paragraph(p.doc.title)
    for s in p.doc.sections:
        word.add_paragraph(s.heading)
        for line in _prose_lines(p)(s):
            word.add_paragraph(line)
        for tb in s.tables:
            table = word.add_table(rows=tb.n_rows, cols=tb.n_cols)
            table.style = "Table Grid"
            for c in tb.cells:
                target = table.cell(c.row, c.col)
                if c.row_span > 1 or c.col_span > 1:
                    target = target.merge(table.cell(c.row + c.row_span - 1, c.col + c.col_span - 1))
                lines = c.text.split("\n")
                target.paragraphs[0].text = lines[0]
                for more in lines[1:]:
                    target.add_paragraph(more)
            word.add_paragraph("")
    buf = io.BytesIO()
    word.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- the forms of one report


def forms(p: Printed, digit_rows: Iterable[int] | None = None) -> list[Form]:
    """Every synthesised form of a printed report (not the publish outputs: `publish_forms`)."""
    text = sample_text(p)
    runs, used = digit_runs(p, digit_rows)
    rows = data_rows(p)
    loose = dict(p.expect)
    for i in used:
        for dp in rows[i]:
            if loose[dp] == "value":
                loose[dp] = "any"
    return [
        Form("text", "sample", text.encode("utf-8"), ".txt", p.truth, p.expect),
        Form("text", "sample-gb18030", text.encode("gb18030"), ".txt", p.truth, p.expect),
        Form("text", "pdf-rows", pdf_rows(p).encode("utf-8-sig"), ".txt", p.truth, p.expect),
        Form("text", "digit-runs", runs.encode("utf-8"), ".txt", p.truth, loose),
        Form("html", "cms-html", cms_html(p), ".html", p.truth, p.expect),
        Form("docx", "word-docx", word_docx(p), ".docx", p.truth, p.expect),
    ]


def publish_forms(workbook: Path, out: Path, formats: str = "docx,html,fragment") -> list[Form]:
    """Our `publish` command's documents of a built, honest workbook, with its printed values."""
    from workbook_builder import api

    run = api.publish([workbook], out, formats=formats)
    report = run.check.files[0]
    values = dict(report.values)
    p = printed(values, recompute=False)
    kinds = {".docx": "docx", ".html": "html", ".pdf": "pdf"}
    found = []
    for path in sorted(Path(out).rglob("*")):
        if path.suffix in kinds:
            name = "publish-fragment" if "fragment" in path.name or path.name.endswith(".fragment.html") \
                else f"publish-{kinds[path.suffix]}"
            found.append(Form(kinds[path.suffix], name, path.read_bytes(), path.suffix, p.truth, p.expect))
    return found


PUBLISHED_REAL = Path(__file__).resolve().parent / "fixtures" / "published" / "real"


def real_published(name: str) -> Printed:
    """A real report typed as printed (tests/fixtures/published/real/NAME.yaml): blanks as null, its
    non-number cells under `printed:`, totals as printed (never recomputed)."""
    import yaml

    raw = yaml.safe_load((PUBLISHED_REAL / f"{name}.yaml").read_text(encoding="utf-8"))
    return printed(raw["values"], template=raw.get("template"), texts=raw.get("printed") or {}, recompute=False)


def problems(form: Form, cells: Mapping[str, Any]) -> list[str]:
    """What an import got wrong against the form: `cells` maps data point → CellRead (status, value).
    Empty when every data point is as the form says; a wrong number with status value is always one."""
    out = []
    for dp, want in form.expect.items():
        got = cells.get(dp)
        status = getattr(got, "status", None)
        value = getattr(got, "value", None)
        truth = form.truth.get(dp)
        if status == "value" and (truth is None or value is None or float(value) != float(truth)):
            out.append(f"{dp}: read {value!r} as a value, the report says {truth!r}")
        elif want == "value" and status != "value":
            out.append(f"{dp}: {status} where the report prints {truth!r}")
        elif want in ("blank", "slash") and status != want:
            out.append(f"{dp}: {status} where the report prints a {want}")
    return out
