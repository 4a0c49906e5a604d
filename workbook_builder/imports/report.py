"""The order of the stages for one published report, and the one dispatch of `check` by content.

`import_report`: read the file (`read.read_source`) → match it against the template it is written
in (`match.read_report`, every built-in template with a `document:` section unless one is given) →
an `ImportResult`. `check_report`: the same, then the published-report checks
(`published.check_reading`) → a `FileResult`, the shape a returned workbook is checked into.
`check_file` decides by the file's content whether it is a workbook or a published report.

Nothing here raises for a bad file: a refusal of the reader is that one finding, and a bug of ours
is a `checker-error` finding (as `check.workbook.check_workbook` does), so a batch goes on.
"""

from __future__ import annotations

import traceback
import zipfile
from dataclasses import replace
from pathlib import Path

from ..check.preflight.sniff import TABLE_SUFFIXES
from ..check.result import FileResult, TemplateRef
from ..check.workbook import check_workbook
from ..findings import Code, Finding, make
from ..template import registry
from ..template.registry import Template
from .model import ImportResult, Reading
from .source import ReadProblem

# what `imports.sniff.sniff` calls a published report (or a document refused as one, with its finding)
REPORT_KINDS = frozenset({"text", "html", "docx", "pdf", "legacy-word", "ofd"})
_HEAD = 64 * 1024  # what `sniff` needs to tell the kinds apart


def report_templates() -> list[Template]:
    """The built-in templates a published report may be written in: those with a `document:` section."""
    out = []
    for path in registry.builtin_template_paths().values():
        t = registry.resolve(str(path))
        if t.spec.document is not None:
            out.append(t)
    return out


def _bug(exc: Exception) -> Finding:
    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return make(Code.CHECKER_ERROR, "exception", error=detail)


def _read(path: str | Path, template: Template | None, unit: str | None,
          year: int | None) -> tuple[ImportResult, Reading | None, Template | None]:
    """Read and match: the import, the reading and the template it was read with (None, None when
    the file could not be read)."""
    from .match import read_report
    from .read import read_source

    try:
        source = read_source(path)
    except ReadProblem as problem:
        return ImportResult(str(path), None, None, (make(problem.code, problem.reason, **problem.fields),)), None, None
    templates = [template] if template is not None else report_templates()
    reading = read_report(source, templates, unit, year)
    used = next((t for t in templates if t.spec.id == reading.template_id), templates[0])
    result = ImportResult(
        str(path), source.kind, TemplateRef(used.spec.id, used.spec.version), tuple(reading.findings),
        unit=reading.unit, year=reading.year,
        values={dp: cell.value for dp, cell in reading.cells.items()},
        cells=dict(reading.cells), prose=dict(reading.prose),
    )
    return result, reading, used


def import_report(path: str | Path, template: Template | None = None, unit: str | None = None,
                  year: int | None = None) -> ImportResult:
    """One published report read into its template's data points: every table data point with its
    status, the raw text and where it was found; `unit`/`year` replace what the title says. Never
    raises for a bad file."""
    try:
        return _read(path, template, unit, year)[0]
    except Exception as exc:  # our own bug: the batch goes on, and says so loudly
        return ImportResult(str(path), None, None, (_bug(exc),))


def check_report(path: str | Path, template: Template | None = None, unit: str | None = None,
                 year: int | None = None) -> FileResult:
    """Import one published report and check it (`published.check_reading`): the same `FileResult`
    as a returned workbook's, with `published` set to the kind of file. Never raises for a bad file."""
    try:
        return _check(path, template, unit, year)
    except Exception as exc:
        return FileResult(str(path), None, (_bug(exc),), published=_kind_of(path))


def _check(path: str | Path, template: Template | None, unit: str | None, year: int | None) -> FileResult:
    from .published import check_reading

    imported, reading, used = _read(path, template, unit, year)
    if reading is None or used is None:
        return FileResult(str(path), None, imported.findings, published=_kind_of(path))
    result = check_reading(reading, used)
    # the reading's own findings (import-*, published-old-format) are the file's too: keep each once
    extra = tuple(f for f in reading.findings if f not in result.findings)
    return replace(result, path=str(path), findings=result.findings + extra,
                   published=imported.kind or _kind_of(path))


def _head(path: str | Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(_HEAD)
    except OSError:
        return b""


def _kind_of(path: str | Path) -> str:
    from .sniff import sniff

    kind = sniff(_head(path))
    return kind if kind in REPORT_KINDS else "other"


def is_published(path: str | Path) -> bool:
    """Whether `check` takes this file for a published report rather than a workbook: by content
    (text, HTML, Word, PDF, a legacy .doc or an .ofd), except that a file with a spreadsheet's suffix
    (.xls, .csv, .ods …) keeps the workbook checker's words for it (an HTML "Excel" export saved as
    .xls is refused as a table to save as .xlsx, as before)."""
    from .sniff import sniff

    if Path(path).suffix.lower() in TABLE_SUFFIXES:
        return False
    head = _head(path)
    if not head:
        return False  # missing or empty: the workbook checker's words (io-error, empty) say it best
    if head.startswith(b"PK"):
        return _zip_kind(path) in REPORT_KINDS
    return sniff(head) in REPORT_KINDS


def _zip_kind(path: str | Path) -> str:
    """A zip's kind from its directory (the head of a large package may not reach its marker part);
    a zip that cannot be opened is the workbook checker's to describe."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = {n.lower() for n in zf.namelist()}
    except (OSError, zipfile.BadZipFile, ValueError, EOFError):
        return "other"
    for marker, kind in (("xl/workbook.xml", "xlsx"), ("word/document.xml", "docx"), ("ofd.xml", "ofd")):
        if marker in names:
            return kind
    return "other"


def check_file(path: str | Path, template: Template | None = None) -> FileResult:
    """Check one file, whatever it is: a workbook (or anything the workbook checker refuses in its own
    words: an .xls, an .ods, a CSV, a missing file) with `check.workbook.check_workbook`, a published
    report with `check_report`. A template given for a published report is used only when it has a
    `document:` section; otherwise the report is read against every built-in one."""
    try:
        published = is_published(path)
    except Exception as exc:
        return FileResult(str(path), None, (_bug(exc),))
    if not published:
        return check_workbook(path, template)
    return check_report(path, template if template is not None and template.spec.document is not None else None)
