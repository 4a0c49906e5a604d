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
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ..check.preflight.sniff import TABLE_SUFFIXES
from ..check.result import FileResult, TemplateRef
from ..check.workbook import check_workbook, with_prior
from ..findings import Code, Finding, make
from ..template import registry
from ..template.registry import Template
from .model import ImportResult, Reading
from .sniff import HEAD, sniff, zip_kind
from .source import ReadProblem

# what `imports.sniff.sniff` calls a published report (or a document refused as one, with its finding)
REPORT_KINDS = frozenset({"text", "html", "docx", "pdf", "legacy-word", "ofd"})


def report_templates() -> list[Template]:
    """The built-in templates a published report may be written in: those with a `document:` section."""
    out = []
    for path in registry.builtin_template_paths().values():
        t = registry.resolve(str(path))
        if t.spec.document is not None:
            out.append(t)
    return out


def warm(template: Template | None = None) -> None:
    """Do once, in a batch's parent process before it forks its workers, what every report would
    otherwise redo in each worker: load the templates reports are read with (the forced one when it
    has a `document:` section, else every built-in one) and build what the matcher and the checks
    derive from them (sections and row keys, labels, identities, compiled formulas)."""
    from .identity import choose_template
    from .labels import sections, template_labels
    from .split import identities

    templates = [template] if template is not None and template.spec.document is not None else report_templates()
    for t in templates:
        sections(t)
        template_labels(t)
        identities(t)
        t.recompute.warm()
    choose_template("", templates, None)  # the labels each template has of its own


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


# last year's comparison for one checked file: (this year's result, its template, last year's result) →
# the result with the year-on-year findings (`check.workbook.with_prior`, or its published-report form)
Compare = Callable[[FileResult, Template, FileResult], FileResult]
# what a batch does with a checked file and its Compare (`batch.prior.PriorIndex.recheck`)
Recheck = Callable[[FileResult, Template, Compare], FileResult]


def check_report(path: str | Path, template: Template | None = None, unit: str | None = None,
                 year: int | None = None, recheck: Recheck | None = None) -> FileResult:
    """Import one published report and check it (`published.check_reading`): the same `FileResult`
    as a returned workbook's, with `published` set to the kind of file; with `recheck`, last year's
    comparison too (`published.with_prior_published`: the findings placed at the report's text).
    Never raises for a bad file."""
    try:
        return _check(path, template, unit, year, recheck)
    except Exception as exc:
        return FileResult(str(path), None, (_bug(exc),), published=_kind_of(path))


def _check(path: str | Path, template: Template | None, unit: str | None, year: int | None,
           recheck: Recheck | None) -> FileResult:
    from .published import check_reading, with_prior_published

    imported, reading, used = _read(path, template, unit, year)
    if reading is None or used is None:
        return FileResult(str(path), None, imported.findings, published=_kind_of(path))
    result = check_reading(reading, used)
    # the reading's own findings (import-*, published-old-format) are the file's too: keep each once
    extra = tuple(f for f in reading.findings if f not in result.findings)
    result = replace(result, path=str(path), findings=result.findings + extra,
                     published=imported.kind or _kind_of(path))
    if recheck is None or not result.values:
        return result
    read = reading

    def compare(r: FileResult, t: Template, prior: FileResult) -> FileResult:
        return with_prior_published(r, read, t, prior)

    return recheck(result, used, compare)


def _head(path: str | Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(HEAD)
    except OSError:
        return b""


def _kind_of(path: str | Path) -> str:
    kind = sniff(_head(path))
    return kind if kind in REPORT_KINDS else "other"


def is_published(path: str | Path) -> bool:
    """Whether `check` takes this file for a published report rather than a workbook: by content
    (text, HTML, Word, PDF, a legacy .doc or an .ofd), except that a file with a spreadsheet's suffix
    (.xls, .csv, .ods …) keeps the workbook checker's words for it (an HTML "Excel" export saved as
    .xls is refused as a table to save as .xlsx, as before)."""
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
            return zip_kind(zf.namelist())
    except (OSError, zipfile.BadZipFile, ValueError, EOFError):
        return "other"


def check_file(path: str | Path, template: Template | None = None, recheck: Recheck | None = None) -> FileResult:
    """Check one file, whatever it is: a workbook (or anything the workbook checker refuses in its own
    words: an .xls, an .ods, a CSV, a missing file) with `check.workbook.check_workbook`, a published
    report with `check_report`. A template given for a published report is used only when it has a
    `document:` section; otherwise the report is read against every built-in one. `recheck` adds
    last year's comparison to a file that was read (a batch's `PriorIndex.recheck`)."""
    try:
        published = is_published(path)
    except Exception as exc:
        return FileResult(str(path), None, (_bug(exc),))
    if published:
        forced = template if template is not None and template.spec.document is not None else None
        return check_report(path, forced, recheck=recheck)
    result = check_workbook(path, template)
    if recheck is None or result.template is None or not result.values:
        return result
    used = template or registry.find_by_id(result.template.id)
    return recheck(result, used, with_prior) if used is not None else result
