"""The store's one door to SQLite (stdlib `sqlite3`): opening a file, the schema and its migrations,
and every statement run on it.

Durability: the journal is WAL (readers never block the writer, the desk's pages stay usable while
a check job writes) with `synchronous=FULL`. WAL with NORMAL already keeps every committed
transaction when the *process* is killed (the commit is in the WAL file, which the OS holds); FULL
adds one fsync of the WAL per commit, so a submission reported as recorded also survives a power
cut or an OS crash on a clerk's desktop. It costs a few milliseconds a file, next to the tens of
milliseconds the check of that file takes.

Threads: one connection per thread (`sqlite3` objects must not be shared across threads while
in use); the desk records from a job thread while a request thread reads. Several processes may
write at once: a writer waits up to `BUSY_MS` for another's transaction to end (`busy_timeout`),
and every write transaction starts `BEGIN IMMEDIATE`, so two writers never deadlock upgrading a
read lock.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..textsafe import display_path

APPLICATION_ID = 0x57424B53  # "WBKS": PRAGMA application_id of our stores; another SQLite file is not ours
SCHEMA_VERSION = 1  # PRAGMA user_version; a store of a newer version is refused, an older one migrated
BUSY_MS = 30_000  # how long a writer waits for another process's transaction before giving up

Row = sqlite3.Row

# MIGRATIONS[v] takes a store of version v to v + 1 (version 0: a new, empty file)
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE files (
        sha256   TEXT PRIMARY KEY,          -- the bytes are kept once, however often they are sent
        size     INTEGER NOT NULL,
        content  BLOB                       -- NULL only for a file over MAX_KEPT_BYTES
    );
    CREATE TABLE submissions (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: 年报.sqlite#12 stays that one
        unit             TEXT,              -- stripped; NULL when the file gave none (unreadable)
        year             INTEGER,
        template_id      TEXT,
        template_version TEXT,
        name             TEXT NOT NULL,     -- the file's name as shown to people
        sha256           TEXT REFERENCES files(sha256),  -- NULL: the file could not be read from disk
        size             INTEGER,
        received_at      TEXT NOT NULL,     -- ISO 8601, UTC: when it was first recorded
        checked_at       TEXT NOT NULL,     -- when it was last checked (seen again: rechecked)
        kind             TEXT NOT NULL,     -- "workbook", or the kind of a published report
        valid            INTEGER NOT NULL,
        unreadable       INTEGER NOT NULL,
        errors           INTEGER NOT NULL,
        warnings         INTEGER NOT NULL,
        current          INTEGER NOT NULL DEFAULT 0,
        attempt          INTEGER NOT NULL,  -- 1 + the unit's earlier submissions of that year and template
        seen             INTEGER NOT NULL DEFAULT 1,  -- how often these bytes under this name were checked
        values_json      TEXT NOT NULL,
        findings_json    TEXT NOT NULL,
        extra_json       TEXT NOT NULL      -- invalid inputs, saved_by, claimed template, the unit as read
    );
    CREATE INDEX submissions_group ON submissions (unit, year, template_id);
    CREATE INDEX submissions_sha ON submissions (sha256);
    -- one current submission per unit, year and template, whatever a bug might try
    CREATE UNIQUE INDEX submissions_current ON submissions (unit, year, template_id) WHERE current = 1;
    """,
)


class StoreError(UsageError):
    """A store that cannot be opened or written; the message names the file, in Chinese."""


def _fspath(path: Path) -> str | bytes:
    """The path as SQLite gets it: text when it is valid Unicode, else the file system's own bytes
    (a GBK-named file on a UTF-8 Linux arrives as a str with surrogate escapes)."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(path)
    return text


def describe(path: Path, exc: BaseException) -> str:
    """An SQLite error in plain Chinese, naming the store file."""
    shown = display_path(path)
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return f"数据文件 {shown} 正被其他程序占用（正在写入），请稍后再试"
    if "readonly" in text or "read-only" in text:
        return f"数据文件 {shown} 是只读的，无法写入：请检查文件或文件夹的权限"
    if "not a database" in text or "malformed" in text or "encrypted" in text:
        return f"{shown} 不是本工具的数据文件（不是 SQLite 数据库，或已损坏）"
    if "unable to open" in text:
        return f"无法打开或创建数据文件 {shown}：请检查文件夹是否存在、是否有写入权限"
    if "disk" in text and "full" in text:
        return f"无法写入数据文件 {shown}：磁盘已满"
    return f"数据文件 {shown} 无法使用：{exc}"


class Database:
    """An opened store file: a connection per thread, each with the same settings."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        self._all: dict[threading.Thread, sqlite3.Connection] = {}
        self._lock = threading.Lock()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (made on first use). The connections of threads that have ended
        are closed then: the desk starts a thread per check job, and each would keep a file open."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._lock:
                for thread in [t for t in self._all if not t.is_alive()]:
                    self._all.pop(thread).close()
                self._all[threading.current_thread()] = conn
        return conn

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we say BEGIN and COMMIT ourselves (one transaction per submission);
        # check_same_thread=False only so `close()` may close every thread's connection at the end
        conn = sqlite3.connect(_fspath(self.path), isolation_level=None, check_same_thread=False,
                               timeout=BUSY_MS / 1000)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
        except BaseException:
            conn.close()
            raise
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed whole when the block ends, rolled back on any error (an
        SQLite error becomes a `StoreError` in Chinese)."""
        try:
            conn = self.connection()
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(describe(self.path, exc)) from None
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # the transaction is gone already (SQLite rolled it back itself)
            if isinstance(exc, sqlite3.Error):
                raise StoreError(describe(self.path, exc)) from None
            raise

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Rows of one read statement (an SQLite error becomes a `StoreError`)."""
        try:
            return self.connection().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(describe(self.path, exc)) from None

    def close(self) -> None:
        with self._lock:
            conns, self._all = list(self._all.values()), {}
        for conn in conns:
            conn.close()
        self._local = threading.local()


def open_database(path: str | Path, create: bool = True) -> Database:
    """Open (with `create`: make) the store at `path`, migrated to `SCHEMA_VERSION`. Raises
    `StoreError` (a `UsageError`, in Chinese, naming the file) for a missing file without `create`, a
    file that is not SQLite or is another program's database, a newer schema, or one that cannot be
    opened, written or locked."""
    path = Path(path)
    shown = display_path(path)
    if path.is_dir():
        raise StoreError(f"{shown} 是文件夹，不是数据文件：请给出数据文件的名称（如 年报.sqlite）")
    if not path.exists() and not create:
        raise StoreError(f"找不到数据文件 {shown}")
    db = Database(path)
    try:
        _prepare(db)
    except StoreError:
        db.close()
        raise
    except (sqlite3.Error, OSError) as exc:
        db.close()
        raise StoreError(describe(path, exc)) from None
    return db


def _prepare(db: Database) -> None:
    """Check that the file is ours and bring its schema up to date (in one transaction)."""
    conn = db.connection()  # a non-SQLite file fails here or at the first statement
    shown = display_path(db.path)
    with db.write():
        app = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app != APPLICATION_ID and (tables or version):
            raise StoreError(f"{shown} 是其他程序的 SQLite 数据库，不是本工具的数据文件：请换一个文件名")
        if version > SCHEMA_VERSION:
            raise StoreError(f"数据文件 {shown} 由更新版本的本工具写入（格式第 {version} 版，本版只认到第 "
                             f"{SCHEMA_VERSION} 版）：请升级 workbook-builder 后再打开")
        for step in range(version, SCHEMA_VERSION):
            for statement in _statements(MIGRATIONS[step]):
                conn.execute(statement)
        if version < SCHEMA_VERSION:
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def _statements(script: str) -> Iterator[str]:
    """The statements of a script, one by one (`executescript` would commit on its own, outside our
    transaction; SQLite itself says where a statement ends, comments with a ';' included)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete statement in a migration: {pending!r}")


def integrity(db: Database) -> str:
    """SQLite's own check of the whole file: "ok", or what is wrong."""
    return "; ".join(str(r[0]) for r in db.query("PRAGMA integrity_check"))
