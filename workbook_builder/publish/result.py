"""The result of a publish run: per file, where its documents went or why it got none; with the check run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..batch.result import CheckRun
from ..findings import Finding
from ..textsafe import clean_text, display_path

FORMATS = ("docx", "html", "fragment", "pdf")  # in the order they are written
SUFFIXES = {"docx": ".docx", "html": ".html", "fragment": ".fragment.html", "pdf": ".pdf"}

# Why a file got no document (`Published.status`); the first two are the file's findings (exit 1),
# `failed` a write or PDF failure (exit 2), `internal` a bug of ours (exit 3).
PUBLISHED, REFUSED, NO_DOCUMENT, MISMATCH, FAILED, INTERNAL = (
    "published", "refused", "no-document", "mismatch", "failed", "internal")


@dataclass(frozen=True)
class Prepared:
    """What a worker made of one checked file: the publish findings, and the documents' bytes when
    it may be published (`status` PUBLISHED) — else the status and, for those not told by findings,
    the reason in Chinese."""

    status: str
    findings: tuple[Finding, ...] = ()
    title: str = ""
    contents: Mapping[str, bytes] = field(default_factory=dict)  # format → bytes (pdf: the docx to convert)
    reason: str = ""
    draft: bool = False


@dataclass(frozen=True)
class Published:
    """One file of a publish run: where its documents went, or why it got none."""

    path: str
    unit: str | None
    year: int | None
    status: str  # PUBLISHED · REFUSED · NO_DOCUMENT · MISMATCH · FAILED · INTERNAL
    outputs: Mapping[str, str] = field(default_factory=dict)  # format → path written
    reason: str = ""  # plain Chinese (REFUSED and MISMATCH: told by the findings, unless the file is unreadable)
    title: str = ""
    draft: bool = False
    same_title_as: str | None = None  # the workbook whose report had this title first (this one is numbered)

    @property
    def written(self) -> bool:
        return self.status == PUBLISHED

    def as_dict(self) -> dict[str, Any]:
        return {"path": display_path(self.path), "unit": self.unit, "year": self.year, "status": self.status,
                "title": self.title or None, "draft": self.draft,
                "outputs": {k: display_path(v) for k, v in self.outputs.items()}, "reason": self.reason or None,
                "same_title_as": display_path(self.same_title_as) if self.same_title_as else None}


@dataclass(frozen=True)
class PublishRun:
    """The check run (each file's publish findings added to its findings, so it prints exactly as
    `check` prints) and one `Published` per file, in input order."""

    check: CheckRun
    files: tuple[Published, ...]
    formats: tuple[str, ...]
    lang: str = "zh"  # of `summary()` unless it is given another

    @property
    def written(self) -> tuple[Published, ...]:
        return tuple(p for p in self.files if p.written)

    @property
    def not_written(self) -> tuple[Published, ...]:
        return tuple(p for p in self.files if not p.written)

    @property
    def exit_code(self) -> int:
        """As `check`: 3 a bug of ours, 2 a document that could not be written, 1 a file not
        published because of its findings (or published as a draft despite errors), else 0."""
        statuses = {p.status for p in self.files}
        if INTERNAL in statuses or any(f.code == "checker-error" for _, f in self.check.findings()):
            return 3
        if FAILED in statuses:
            return 2
        return 0 if statuses == {PUBLISHED} and self.check.valid else 1

    def summary(self, lang: str | None = None) -> list[str]:
        """One line per file (where its documents went, or why none), then the counts."""
        lang = lang or self.lang
        lines = []
        for p in self.files:
            shown = display_path(p.path)
            if p.written:  # which returned file made which report: an auditor reads the line both ways
                names = _names(list(p.outputs.values()))
                mark = "（草稿）" if p.draft and lang == "zh" else (" (draft)" if p.draft else "")
                lines.append(f"已生成{mark} {names} ← {shown}{_same(p, lang)}" if lang == "zh"
                             else f"written{mark}: {names} <- {shown}{_same(p, lang)}")
            elif p.outputs:  # a PDF or one format failed, the others went out
                names, why = _names(list(p.outputs.values())), _why(p, lang)
                lines.append(f"未全部生成 {shown}：已写出 {names}；{why}" if lang == "zh"
                             else f"partly written: {shown}: {names}; {why}")
            else:
                why = _why(p, lang)
                lines.append(f"未生成 {shown}：{why}" if lang == "zh" else f"not written: {shown}: {why}")
        same = sum(1 for p in self.written if p.same_title_as)
        if same:  # a draft and a final of one unit both published: someone must choose which to put online
            lines.append(f"注意：{same} 份报告与另一份同名（多为同一单位同一年度交了两份），已在文件名后加编号；"
                         "请确认应发布哪一份。" if lang == "zh" else
                         f"warning: {same} report(s) have the same name as another (mostly two workbooks of one unit "
                         "and year) and were numbered; check which one to publish.")
        n, m = len(self.written), len(self.not_written)
        lines.append(f"生成 {n} 份，未生成 {m} 份。" if lang == "zh" else f"{n} written, {m} not written.")
        return [clean_text(line) for line in lines]

    def as_dict(self) -> dict[str, Any]:
        return {"formats": list(self.formats), "documents": [p.as_dict() for p in self.files],
                "written": len(self.written), "not_written": len(self.not_written)}


_WHY = {
    REFUSED: ("检查发现错误（见上），不生成报告；改正后重新生成，或用 --draft 生成草稿",
              "the check found errors (above); fix them, or use --draft"),
    MISMATCH: ("生成的文档读回后与工作簿不一致（见上），未写出", "the document read back differs from the workbook (above)"),
}


def _names(paths: list[str]) -> str:
    """One document's files: `甲.docx`, or `甲（.docx、.html、.pdf）` when they share a name."""
    if len(paths) == 1:
        return display_path(paths[0])
    stems = {_split(p)[0] for p in paths}
    if len(stems) > 1:
        return "、".join(display_path(p) for p in paths)
    return f"{display_path(stems.pop())}（{'、'.join(_split(p)[1] for p in paths)}）"


def _split(path: str) -> tuple[str, str]:
    """`a/甲.fragment.html` → (`a/甲`, `.fragment.html`): the suffixes we write, longest first."""
    for suffix in sorted(SUFFIXES.values(), key=len, reverse=True):
        if path.lower().endswith(suffix):
            return path[: -len(suffix)], path[-len(suffix):]
    return path, ""


def _same(p: Published, lang: str) -> str:
    if not p.same_title_as:
        return ""
    first = display_path(p.same_title_as)
    return (f"（与 {first} 的报告同名，已编号）" if lang == "zh"
            else f" (the same name as {first}'s report; numbered)")


def _why(p: Published, lang: str) -> str:
    if p.status in _WHY and not p.reason:
        zh, en = _WHY[p.status]
        return zh if lang == "zh" else en
    return p.reason
