"""What a preflight returns: the Problem that refuses a file, the limits it is checked against,
and the internal exception that carries a Problem up from deep inside the checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ...errors import WorkbookBuilderError
from ...findings import Code, Issue, sentence
from ...findings.catalogue import PREFLIGHT_UNREADABLE, PREFLIGHT_UNSAFE, READER_UNREADABLE

MiB = 1 << 20

# Linked content that is harmless to parse (we never follow a link) but makes a report's figures
# depend on other files: refused, yet the parts are returned so the file can still be identified.
PASSIVE_REASONS = frozenset({"external-link", "data-connection"})


@dataclass(frozen=True)
class Problem(Issue):
    """Why a file was refused: a stable code and reason (the catalogue words it), and the part."""

    part: str | None = None

    def sentence(self, lang: str = "zh") -> str:
        """The reason as a sentence for the person who submitted the file."""
        return sentence(self.detail(lang), lang)


@dataclass(frozen=True)
class Preflight:
    """Outcome of a preflight: the XML parts of a good package, or the problem."""

    parts: Mapping[str, bytes] | None
    problem: Problem | None


@dataclass(frozen=True)
class Limits:
    """Resource limits; the defaults suit annual-report workbooks with room to spare."""

    max_file_bytes: int = 64 * MiB
    max_entries: int = 2000
    # Every inflated XML part is held in memory while a file is checked, so these bound its memory
    # (with the file itself, ~200 MB at worst); an honest return holds about 0.1 MiB of XML, the
    # largest real file seen 4 MiB.
    max_part_bytes: int = 32 * MiB
    max_total_bytes: int = 64 * MiB
    # Deflate tops out near 1032:1, which is what an all-zeros bomb reaches; honest parts stay far
    # below that, though LibreOffice's rich-text runs for mixed Chinese/Latin prose reach 133:1.
    # The absolute caps above are the real bound; this stops the extreme case before inflating.
    max_ratio: float = 1000.0
    ratio_floor_bytes: int = 1 * MiB
    # Elements (start tags) over all XML parts. Every amplifier a small file can carry (cells, rows,
    # merged ranges, validations, cell formats, shared strings) is many elements, and each costs
    # the reader time and memory (a whole-tree part ~0.5 KB each); honest returns hold about 2 000,
    # the largest real file seen (WPS, 22 000 cell formats) 67 000.
    max_elements: int = 200_000


class Refused(WorkbookBuilderError):
    """Internal unwinding only: carries the Problem up to the public functions."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.reason)
        self.problem = problem
        self.parts: dict[str, bytes] | None = None


def problem(reason: str, part: str | None = None, limit: str = "") -> Problem:
    """The Problem for a preflight reason; `part` and `limit` fill its template where it names them."""
    # too-complex is the reader's reason too (READER_UNREADABLE): one wording wherever it is found
    unreadable = {**PREFLIGHT_UNREADABLE, "too-complex": READER_UNREADABLE["too-complex"]}
    code = Code.UNREADABLE_FILE if reason in unreadable else Code.UNSAFE_CONTENT
    template = (unreadable if code == Code.UNREADABLE_FILE else PREFLIGHT_UNSAFE)[reason]
    given = {"part": part if part is not None else "", "limit": limit}
    params = tuple((name, value) for name, value in sorted(given.items()) if name in template.fields)
    return Problem(code, reason, params, part)


def refuse(reason: str, part: str | None = None, limit: str = "") -> Refused:
    return Refused(problem(reason, part, limit))


def size(n: int) -> str:
    return f"{n / MiB:g} MiB"
