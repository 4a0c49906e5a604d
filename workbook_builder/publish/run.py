"""A publish run: check every file, lay out the documents of those that may be published (both on
every core, `batch.run.iterate_then`), then name and write each here as it arrives, so memory
stays flat however many files there are. PDFs are converted in batches (one LibreOffice start for
many documents: starting it costs about two seconds)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import closing
from dataclasses import replace
from functools import partial
from pathlib import Path

from ..batch.result import CheckRun
from ..batch.run import ProgressCallback, iterate_then
from ..check.result import FileResult
from ..outfile import Namer
from .outputs import Target, namer, write
from .pdf import CHUNK, PdfFailed, to_pdfs
from .prepare import prepare
from .result import FAILED, PUBLISHED, Prepared, Published, PublishRun


def publish_files(files: Sequence[Path], target: Target, draft: bool = False, template: str | None = None,
                  jobs: int | None = None, progress: ProgressCallback | None = None,
                  skipped: tuple[tuple[str, str], ...] = (), lang: str = "zh",
                  prior: str | Path | None = None) -> PublishRun:
    """Check and publish each file into `target`; one `Published` per file, in input order. The
    batch goes on past every bad file (refused, unreadable, a write that failed). `prior` is last
    year's workbook or folder, for the cross-year rules, as `check --prior`."""
    from . import docx, html, readback  # noqa: F401  (imported before the workers fork, so they inherit them)

    then = partial(prepare, formats=target.formats, draft=draft, template=template)
    names = namer()
    inputs = {Path(p).resolve() for p in files}
    results: list[FileResult] = []
    entries: list[Published] = []
    pdfs: list[tuple[int, bytes, Path]] = []  # (entry, its docx, where its PDF goes): converted in batches
    with closing(iterate_then(files, then, template, jobs, prior)) as checked:  # Ctrl-C here stops the workers too
        for result, prepared in checked:
            if prepared.findings:  # printed with the check's own findings, exactly as `check` prints them
                result = result.with_findings(result.findings + prepared.findings)
            results.append(result)
            entry, stem = _write(result, prepared, target, names, inputs)
            if entry.written and "pdf" in target.formats:
                pdfs.append((len(entries), prepared.contents["docx"], target.path(stem, "pdf")))
            entries.append(entry)
            if len(pdfs) >= CHUNK:
                _convert(pdfs, entries, inputs)
            if progress:
                progress(len(results), len(files), result)
    _convert(pdfs, entries, inputs)
    return PublishRun(CheckRun(tuple(results), skipped=skipped), tuple(entries), target.formats, lang)


def _write(result: FileResult, prepared: Prepared, target: Target, namer: Namer,
           inputs: set[Path]) -> tuple[Published, str]:
    """Name and write one file's documents (all but the PDF): its entry, and the stem it was named by."""
    entry = Published(result.path, result.unit, result.year, prepared.status, reason=prepared.reason,
                      title=prepared.title, draft=prepared.draft)
    if prepared.status != PUBLISHED:
        return entry, ""
    stem = namer.name(prepared.title, Path(result.path).stem, key=result.path)
    if namer.clash is not None:  # a second workbook of the same unit and year: said on its line and in the counts
        entry = replace(entry, same_title_as=namer.clash)
    written: dict[str, str] = {}
    problems: list[str] = []
    for fmt in target.formats:
        if fmt == "pdf":
            continue
        path = target.path(stem, fmt)
        problem = write(path, prepared.contents[fmt], inputs)
        if problem is None:
            written[fmt] = str(path)
        else:
            problems.append(problem)
    if problems:
        return replace(entry, status=FAILED, outputs=written, reason="；".join(problems)), stem
    return replace(entry, outputs=written), stem


def _convert(pending: list[tuple[int, bytes, Path]], entries: list[Published], inputs: set[Path]) -> None:
    """Convert the pending documents to PDF in one LibreOffice call and write each; empties `pending`."""
    if not pending:
        return
    done = to_pdfs([docx for _, docx, _ in pending])
    for (i, _, path), pdf in zip(pending, done, strict=True):
        entry = entries[i]
        problem = f"无法生成 PDF：{pdf}" if isinstance(pdf, PdfFailed) else write(path, pdf, inputs)
        if problem is None:
            entries[i] = replace(entry, outputs={**entry.outputs, "pdf": str(path)})
        else:
            entries[i] = replace(entry, status=FAILED, reason="；".join(filter(None, [entry.reason, problem])))
    pending.clear()
