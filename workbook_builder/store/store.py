"""`Store`: every checked submission of every unit and year, in one SQLite file.

Recording is one transaction per file: the file's bytes (kept once per sha256), the submission row
with its values and findings, and which submission of its unit, year and template is current. A
file that could not be read at all is recorded too (unit and year unknown), so nothing sent in is
ever lost.

What counts as a new submission: the same bytes under the same shown name, for the same unit, year
and template, are the same submission seen again (an auditor checks the whole returns folder again
each day): its row is rechecked (values and findings refreshed, `seen` counted up), no new row is
added, and which submission is current does not change. Anything else is a new row, and becomes
current: a changed file, and also the same bytes sent again under another name (the history then
shows it was sent twice, and the bytes are still kept once).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..batch.prior import PriorIndex, pick
from ..batch.result import is_unreadable
from ..check.result import FileResult
from ..findings import Code, Finding, make
from ..template import registry
from ..textsafe import display_path
from . import codec
from .db import Database, Row, StoreError, integrity, open_database
from .model import WORKBOOK, Submission, Tally

MAX_KEPT_BYTES = 64 * 1024 * 1024  # a file over this is hashed and recorded, its bytes not kept
_CHUNK = 1024 * 1024


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _text(value: str | None) -> str | None:
    """Text as SQLite can hold it: a name with an undecodable byte is kept as `display_path` shows it."""
    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return display_path(value)
    return value


def _read(source: str | Path) -> tuple[str | None, int | None, bytes | None]:
    """The file's sha256, size and bytes (None for bytes over `MAX_KEPT_BYTES`); all None when it
    cannot be read (a missing file is still recorded, with its findings)."""
    digest, size, parts = hashlib.sha256(), 0, []
    try:
        with open(source, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if size <= MAX_KEPT_BYTES:
                    parts.append(chunk)
    except OSError:
        return None, None, None
    return digest.hexdigest(), size, b"".join(parts) if size <= MAX_KEPT_BYTES else None


_COLUMNS = ("id, unit, year, template_id, template_version, name, sha256, size, received_at, kind, valid, "
            "unreadable, errors, warnings, current, values_json, findings_json, extra_json, attempt, seen, checked_at")


def _submission(row: Row) -> Submission:
    extra = codec.loads(row["extra_json"])
    return Submission(
        id=row["id"], unit=row["unit"], year=row["year"], template_id=row["template_id"],
        template_version=row["template_version"], name=row["name"], sha256=row["sha256"], size=row["size"],
        received_at=row["received_at"], kind=row["kind"], valid=bool(row["valid"]),
        unreadable=bool(row["unreadable"]), errors=row["errors"], warnings=row["warnings"],
        current=bool(row["current"]), values=codec.load_values(row["values_json"]),
        invalid_inputs=frozenset(extra.get("invalid_inputs", ())), findings=codec.load_findings(row["findings_json"]),
        attempt=row["attempt"], seen=row["seen"], checked_at=row["checked_at"], saved_by=extra.get("saved_by"),
        claimed_template=extra.get("claimed_template"), unit_as_read=extra.get("unit"))


@dataclass
class StorePriorIndex(PriorIndex):
    """Last year's current submissions from a store, as `check --prior` uses a folder. A file whose
    last year the store knows nothing of (no submission of that year at all: the store's first year)
    is left as it is, instead of being told its last year was not found."""

    years: frozenset[int] = field(default_factory=frozenset)

    def recheck(self, r: FileResult, template: Any, compare: Any = None) -> FileResult:  # noqa: D102
        if r.year is not None and r.year - 1 not in self.years:
            return r
        return super().recheck(r, template, compare) if compare is not None else super().recheck(r, template)

    def _not_found(self, r: FileResult) -> Finding:
        """Last year's submission of this unit is not in the store (the store knows that year)."""
        if r.year is None:
            return super()._not_found(r)
        return make(Code.PRIOR_YEAR_NOT_FOUND, "not-in-store", unit=r.unit, year=r.year - 1)


class Store:
    """The store file, opened. Safe to use from several threads (a connection each) and several
    processes (SQLite's locks; a writer waits for another's transaction)."""

    def __init__(self, db: Database):
        self._db = db
        self._tallies = threading.local()

    @classmethod
    def open(cls, path: str | Path, create: bool = True) -> Store:
        """Open the store at `path` (made when missing, with `create`). Raises `UsageError` in
        Chinese, naming the file, for a file that is not a store, of a newer version, or that cannot
        be opened, written or locked."""
        return cls(open_database(path, create))

    @property
    def path(self) -> Path:
        return self._db.path

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ writing

    def record(self, result: FileResult, source: str | Path, name: str | None = None) -> Submission:
        """Record one checked file in one transaction: `result` as checked, the bytes of `source` (the
        real file; hashed, and kept once per hash), under `name` (as shown; default `result.path`)."""
        sha, size, content = _read(source)
        shown = _text(name if name is not None else result.path) or ""
        # as the run counts it (无法读取或不安全), and a file no template was recognised in: nothing in it
        # is to be trusted, its unit and year included
        unreadable = result.template is None or is_unreadable(result)
        unit = None if unreadable or not result.unit or not result.unit.strip() else _text(result.unit.strip())
        year = None if unreadable else result.year
        template_id = result.template.id if result.template else None
        version = result.template.version if result.template else None
        grouped = unit is not None and year is not None and template_id is not None
        counts = result.counts()
        now = _now()
        checked = (version, int(result.valid), int(unreadable), counts.get("error", 0), counts.get("warning", 0),
                   codec.dump_values(result.values), codec.dump_findings(result.findings),
                   codec.dumps({"invalid_inputs": sorted(result.invalid_inputs), "saved_by": _text(result.saved_by),
                                "claimed_template": result.claimed_template, "unit": _text(result.unit)}))
        with self._db.write() as conn:
            if sha is not None:
                conn.execute("INSERT OR IGNORE INTO files (sha256, size, content) VALUES (?, ?, ?)",
                             (sha, size, content))
                again = conn.execute(
                    "SELECT id FROM submissions WHERE sha256 = ? AND name = ? AND unit IS ? AND year IS ? "
                    "AND template_id IS ? ORDER BY id DESC LIMIT 1", (sha, shown, unit, year, template_id)).fetchone()
            else:
                again = None
            group = (unit, year, template_id)
            if again is not None:
                sid = again["id"]
                conn.execute("UPDATE submissions SET template_version = ?, valid = ?, unreadable = ?, errors = ?, "
                             "warnings = ?, values_json = ?, findings_json = ?, extra_json = ?, seen = seen + 1, "
                             "checked_at = ? WHERE id = ?", (*checked, now, sid))
                if grouped and not conn.execute("SELECT 1 FROM submissions WHERE unit = ? AND year = ? AND "
                                                "template_id = ? AND current = 1", group).fetchone():
                    conn.execute("UPDATE submissions SET current = 1 WHERE id = ?", (sid,))
            else:
                attempt = 1
                if grouped:
                    attempt += conn.execute("SELECT count(*) FROM submissions WHERE unit = ? AND year = ? AND "
                                            "template_id = ?", group).fetchone()[0]
                    conn.execute("UPDATE submissions SET current = 0 WHERE unit = ? AND year = ? AND "
                                 "template_id = ? AND current = 1", group)
                cur = conn.execute(
                    "INSERT INTO submissions (unit, year, template_id, name, sha256, size, received_at, kind, "
                    "current, attempt, checked_at, template_version, valid, unreadable, errors, warnings, "
                    "values_json, findings_json, extra_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "?, ?, ?, ?, ?, ?, ?, ?)",
                    (unit, year, template_id, shown, sha, size, now, result.published or WORKBOOK, int(grouped),
                     attempt, now, *checked))
                sid = int(cur.lastrowid or 0)
            row = conn.execute(f"SELECT {_COLUMNS} FROM submissions WHERE id = ?", (sid,)).fetchone()
        submission = _submission(row)
        for tally in getattr(self._tallies, "open", ()):
            tally.submissions.append(submission)
        return submission

    @contextmanager
    def tally(self) -> Iterator[Tally]:
        """Count what this thread records while the block runs (new units, resubmissions …)."""
        tally = Tally()
        if not hasattr(self._tallies, "open"):
            self._tallies.open = []
        self._tallies.open.append(tally)
        try:
            yield tally
        finally:
            self._tallies.open.remove(tally)

    def make_current(self, id: int) -> Submission:
        """Make submission `id` the one that counts for its unit, year and template."""
        with self._db.write() as conn:
            row = conn.execute("SELECT unit, year, template_id FROM submissions WHERE id = ?", (id,)).fetchone()
            if row is None:
                raise StoreError(f"数据文件 {display_path(self.path)} 中没有第 {id} 号记录")
            group = (row["unit"], row["year"], row["template_id"])
            if None in group:
                raise StoreError(f"第 {id} 号记录没有认出单位或年度，不能设为当前报送")
            conn.execute("UPDATE submissions SET current = 0 WHERE unit = ? AND year = ? AND template_id = ? "
                         "AND current = 1", group)
            conn.execute("UPDATE submissions SET current = 1 WHERE id = ?", (id,))
        return self.get(id)

    # ------------------------------------------------------------ reading

    def get(self, id: int) -> Submission:
        """Submission `id`; `UsageError` when there is none."""
        rows = self._db.query(f"SELECT {_COLUMNS} FROM submissions WHERE id = ?", (id,))
        if not rows:
            raise StoreError(f"数据文件 {display_path(self.path)} 中没有第 {id} 号记录")
        return _submission(rows[0])

    def submissions(self, year: int | None = None, template_id: str | None = None, unit: str | None = None,
                    current_only: bool = False) -> list[Submission]:
        """Submissions in the order they were received, narrowed by year, template, unit, or to the
        current ones."""
        where, params = [], []
        for column, value in (("year", year), ("template_id", template_id),
                              ("unit", unit.strip() if unit is not None else None)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if current_only:
            where.append("current = 1")
        sql = f"SELECT {_COLUMNS} FROM submissions{' WHERE ' + ' AND '.join(where) if where else ''} ORDER BY id"
        return [_submission(r) for r in self._db.query(sql, params)]

    def history(self, unit: str, year: int, template_id: str | None = None) -> list[Submission]:
        """A unit's submissions of a year (of one template, when given), newest first."""
        return self.submissions(year, template_id, unit)[::-1]

    def file_bytes(self, sha256: str) -> bytes:
        """The bytes of a recorded file; `UsageError` when they are not kept."""
        rows = self._db.query("SELECT content FROM files WHERE sha256 = ?", (sha256,))
        if not rows or rows[0]["content"] is None:
            raise StoreError(f"数据文件 {display_path(self.path)} 中没有保存这份文件的内容（{sha256[:12]}…）")
        return bytes(rows[0]["content"])

    def years(self) -> list[int]:
        """The years the store holds submissions of, in order."""
        return [r[0] for r in self._db.query("SELECT DISTINCT year FROM submissions WHERE year IS NOT NULL ORDER BY year")]

    def units(self, year: int | None = None) -> list[str]:
        """The units the store holds submissions of (of `year`, when given), in order."""
        sql = "SELECT DISTINCT unit FROM submissions WHERE unit IS NOT NULL"
        rows = self._db.query(sql + (" AND year = ?" if year is not None else "") + " ORDER BY unit",
                              (year,) if year is not None else ())
        return [r[0] for r in rows]

    def prior_index(self, template_id: str | None = None) -> PriorIndex:
        """The current submissions by (unit, year), as `check --prior FOLDER` indexes a folder: what the
        year-on-year checks (上年结转, X-1) compare with. Of one template when given; else, where a unit
        has current submissions of one year in two templates, one is chosen by the folder's rule."""
        found: dict[tuple[str, int], list[FileResult]] = {}
        years: set[int] = set()
        for s in self.submissions(template_id=template_id, current_only=True):
            if s.unit and s.year and s.template_id:
                found.setdefault((s.unit, s.year), []).append(s.as_result())
                years.add(s.year)
        template = registry.find_by_id(template_id) if template_id else None
        index, choices = pick(found, template)
        return StorePriorIndex(index, choices=choices, years=frozenset(years))

    def integrity(self) -> str:
        """SQLite's check of the whole file: "ok", or what is wrong."""
        return integrity(self._db)
