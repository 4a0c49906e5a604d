"""The result of a check run, modelled on frictionless's `Report` (`valid`, `stats`, `tasks`,
`flatten()`): every renderer (text, JSON, HTML, summary) and every later step (annotate, roll-up)
reads this one object, so counts and order have one owner.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from ..check.result import FileResult
from ..findings import Finding, select
from .paths import SKIPPED_OUTPUT, SKIPPED_REPORT
from .roster import RosterResult

# codes that mean the file could not be used at all
# a file nothing could be read from: a refused workbook, or a published report that could not be read
# or an input refused before it was checked (a zip's member not unpacked, an upload over the desk's caps)
UNREADABLE_CODES = frozenset({"unreadable-file", "unsafe-content", "import-unsupported", "import-no-text",
                              "import-limit", "import-not-a-report", "zip-refused", "upload-refused"})
FILE_FIELDS = ("path", "unit", "year", "saved_by")


def is_unreadable(result: FileResult) -> bool:
    """Nothing could be read from the file (refused, broken, or a report nothing could be read from):
    what the run counts as 无法读取, the desk shows so and the store records without unit or year."""
    return any(f.code in UNREADABLE_CODES for f in result.findings)


PASSED, FAILED, UNREADABLE = "通过", "未通过", "无法读取"


def verdict(result: FileResult) -> str:
    """What a file's check came to, in the words every output uses: 通过 (no error), 未通过 (errors),
    无法读取 (nothing could be read)."""
    if is_unreadable(result):
        return UNREADABLE
    return PASSED if result.valid else FAILED

FINDING_FIELDS = ("code", "severity", "cell", "datapoint", "label", "rule", "expected", "actual")


@dataclass(frozen=True)
class RunStats:
    """How many files and findings of each kind a run has."""

    files: int
    valid: int  # files with no error
    with_errors: int
    warnings_only: int  # valid files with at least one warning
    unreadable: int  # files that could not be read, or were refused as unsafe
    errors: int
    warnings: int
    infos: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """T3-B before T3-10: numbers inside names compare as numbers."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text) if p)


def ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most frequent first; equal counts in natural name order, so the order never depends on which
    file happened to come first."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], natural_key(kv[0]), kv[0]))


@dataclass(frozen=True)
class CheckRun:
    """Every checked file, in input order, with the roster reconciliation."""

    files: tuple[FileResult, ...]
    roster: RosterResult = field(default_factory=RosterResult.empty)
    # files of the checked folders that were not checked: (path, SKIPPED_OUTPUT | SKIPPED_OTHER),
    # see batch.paths (our annotated copies, summaries and roll-ups; documents and other files)
    skipped: tuple[tuple[str, str], ...] = ()
    # shown name (each FileResult's `path`) → the real file, for every file `api.check` checked (a refused
    # input has none): a zip's member is in a private folder, an upload kept under a private name.
    # Whatever opens a result's file afterwards (annotate, a store's hash, a download) goes through
    # `source`; a run made without it (older callers, tests) has the real paths as shown names.
    sources: dict[str, str] = field(default_factory=dict, hash=False)
    # the private folder zip members were expanded into (batch.zipin.Scratch), removed by `release`
    scratch: Any = field(default=None, compare=False, repr=False)

    def source(self, path: str | FileResult) -> str:
        """The real file of a result (or of its shown name): its `sources` entry, else the name itself."""
        name = path.path if isinstance(path, FileResult) else path
        return self.sources.get(name, name)

    def release(self) -> None:
        """Remove the private folder the run's zip members were expanded into (if any); their
        `sources` are gone afterwards. Idempotent; also done when the run is garbage collected or
        the process exits, but a long-lived caller (the desk) releases each run when done with it."""
        if self.scratch is not None:
            self.scratch.release()

    def __enter__(self) -> CheckRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    @property
    def skipped_outputs(self) -> tuple[str, ...]:
        """Files skipped because this tool wrote them (text: 已跳过本工具生成的文件 N 个)."""
        return tuple(p for p, why in self.skipped if why == SKIPPED_OUTPUT)

    @property
    def skipped_other(self) -> tuple[str, ...]:
        """Files skipped because they are no table (a note, a document that is no annual report)."""
        return tuple(p for p, why in self.skipped if why not in (SKIPPED_OUTPUT, SKIPPED_REPORT))

    @property
    def skipped_reports(self) -> tuple[str, ...]:
        """Published reports in a folder `aggregate` or `publish` walked: they are no workbook."""
        return tuple(p for p, why in self.skipped if why == SKIPPED_REPORT)

    @property
    def valid(self) -> bool:
        """True when no file has an error (the command's exit code is 0)."""
        return all(f.valid for f in self.files)

    @cached_property
    def stats(self) -> RunStats:
        files = self.files
        return RunStats(
            files=len(files),
            valid=sum(f.valid for f in files),
            with_errors=sum(not f.valid for f in files),
            warnings_only=sum(f.valid and f.count("warning") > 0 for f in files),
            unreadable=sum(is_unreadable(f) for f in files),
            errors=sum(f.count("error") for f in files),
            warnings=sum(f.count("warning") for f in files),
            infos=sum(f.count("info") for f in files),
        )

    def findings(self) -> Iterable[tuple[FileResult, Finding]]:
        """Every finding with its file, files in input order, findings in report order."""
        return ((f, x) for f in self.files for x in f.findings)

    @cached_property
    def rule_counts(self) -> list[tuple[str, int]]:
        """Rules that failed, with how many findings each, most frequent first."""
        return ranked(Counter(x.rule for _, x in self.findings() if x.rule))

    @cached_property
    def code_counts(self) -> list[tuple[str, int]]:
        """Finding codes with how many findings each, most frequent first."""
        return ranked(Counter(str(x.code) for _, x in self.findings()))

    def select(self, select_codes: Sequence[str] = (), ignore: Sequence[str] = ()) -> CheckRun:
        """The same run keeping only findings whose code (or a prefix of it) is selected and not ignored."""
        if not select_codes and not ignore:
            return self
        files = tuple(f.with_findings(select(f.findings, select_codes, ignore)) for f in self.files)
        return replace(self, files=files)

    def flatten(self, fields: Sequence[str] = ("path", "code", "cell")) -> list[list[Any]]:
        """One row per finding with the given fields (of the file: path, unit, year, saved_by; of the
        finding: code, severity, cell, datapoint, label, rule, expected, actual), for tests and tables."""
        unknown = [name for name in fields if name not in FILE_FIELDS + FINDING_FIELDS]
        if unknown:
            raise ValueError(f"unknown fields: {', '.join(unknown)}")
        return [[str(getattr(x, n)) if n == "code" else getattr(f if n in FILE_FIELDS else x, n) for n in fields]
                for f, x in self.findings()]
