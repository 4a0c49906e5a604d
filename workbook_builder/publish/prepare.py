"""The per-file step of publishing, run in the check's worker processes right after the file's check
(`batch.run.iterate_then`): whether the file may be published, its `Document` built from the
checker's trusted values, laid out in every format asked for and each read back. Nothing is
written here; `publish.run` names and writes the documents in the parent process.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..check.result import FileResult
from ..findings import Finding
from ..template import registry
from ..template.registry import Template
from . import model
from .result import INTERNAL, MISMATCH, NO_DOCUMENT, PUBLISHED, REFUSED, Prepared

# what a read-back finding calls each format ("{format} 文档中读回的是…")
FORMAT_NAMES = {"docx": "Word（docx）", "html": "HTML 网页", "fragment": "HTML 片段"}


def prepare(result: FileResult, formats: Sequence[str], draft: bool, template: str | None) -> Prepared:
    """The documents of one checked file, laid out and read back (runs in a worker; a bug of ours is
    an INTERNAL status, never the end of the batch)."""
    try:
        return _prepare(result, formats, draft, template)
    except Exception as exc:
        return Prepared(INTERNAL, reason=f"生成文档时出现内部错误（{type(exc).__name__}: {exc}），请报告给维护者")


def _prepare(result: FileResult, formats: Sequence[str], draft: bool, template: str | None) -> Prepared:
    if result.template is None or not result.values:  # unreadable, unsafe, or not one of our workbooks
        return Prepared(REFUSED, reason="文件无法读取，或不是本工具模板生成的工作簿（见上），不能生成报告")
    if not result.valid and not draft:
        return Prepared(REFUSED)
    t = _template(result, template)
    if t is None or t.spec.document is None:
        return Prepared(NO_DOCUMENT, reason=f"模板 {result.template.id} 没有规定报告文档（document:），无法生成报告")
    # an input that failed its check is never printed, even in a draft: its cell stays empty
    values = {k: v for k, v in result.values.items() if k not in result.invalid_inputs}
    doc = model.document(t.layout, values, draft=draft)
    if not doc.valid and not draft:  # a roll-up's placeholder text: the findings say what to fill in
        return Prepared(REFUSED, doc.findings, doc.title)
    contents, mismatches = _lay_out(doc, formats)
    findings = doc.findings + tuple(mismatches)
    if mismatches:
        return Prepared(MISMATCH, findings, doc.title, draft=draft)
    return Prepared(PUBLISHED, findings, doc.title, contents, draft=draft)


def _template(result: FileResult, forced: str | None) -> Template | None:
    if forced:
        return registry.resolve(forced)
    return registry.find_by_id(result.template.id) if result.template else None


def _lay_out(doc: model.Document, formats: Sequence[str]) -> tuple[dict[str, bytes], list[Finding]]:
    """Each format's bytes, and the read-back findings of every one: tables, title, headings and prose (the
    PDF is the docx's: its docx is read)."""
    from . import readback

    contents: dict[str, bytes] = {}
    mismatches: list[Finding] = []
    if "docx" in formats or "pdf" in formats:
        from .docx import write_docx

        data = write_docx(doc)
        mismatches += readback.verify_docx(doc, data, FORMAT_NAMES["docx"])
        contents["docx"] = data
    if "html" in formats or "fragment" in formats:
        from . import html

        for name, lay in (("html", html.page), ("fragment", html.fragment)):
            if name in formats:
                text = lay(doc)
                mismatches += readback.verify_html(doc, text, FORMAT_NAMES[name])
                contents[name] = text.encode("utf-8")
    return contents, mismatches
