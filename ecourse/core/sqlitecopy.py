"""Copy a SQLite database page by page from one moment, while other processes write to it.

The copying half of `ecourse backup` and `restore` on SQLite (`ecourse.core.backup` decides
what to copy where, and words the errors): SQLite's online backup API inside one read
transaction, then the copy's own integrity check; and holding a database alone while a
restore puts another file in its place. Errors are `sqlite3.Error`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

# Smaller databases copy in well under a second: only the final line is worth printing.
PROGRESS_FROM_BYTES = 32 * 1024 * 1024


def connect(path: Path) -> sqlite3.Connection:
    """A plain connection that never creates the file, waiting while writers hold it.

    Opened for writing where allowed (SQLite falls back to reading a write-protected file),
    as every process of a WAL database is; nothing writes through it but a checkpoint.
    """
    return sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=30)


def copy_database(source: Path, copy: Path, label: str, progress: Callable[[str], None]) -> None:
    """Copy every page of `source` into the new file `copy`, then check the copy.

    The read transaction held around the copy keeps one snapshot through all its steps:
    writers go on (WAL), and the copy neither restarts nor mixes two moments. A restore
    reads its backup file the same way, so a damaged one never replaces a database.
    """
    with closing(connect(source)) as reader, closing(sqlite3.connect(copy)) as written:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot
        _copy_pages(reader, written, label, progress)
        reader.rollback()
        written.execute("PRAGMA journal_mode=DELETE")  # one file: no -wal needed beside it
        problems = [row[0] for row in written.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError(f"the copy fails SQLite's integrity check: {problems[0]}")


def _copy_pages(
    reader: sqlite3.Connection,
    written: sqlite3.Connection,
    label: str,
    progress: Callable[[str], None],
) -> None:
    """All at once when small; in about a hundred steps with a line every tenth when big."""
    pages = reader.execute("PRAGMA page_count").fetchone()[0]
    page_size = reader.execute("PRAGMA page_size").fetchone()[0]
    if pages * page_size < PROGRESS_FROM_BYTES:
        reader.backup(written)
        return
    shown = 0

    def report(_status: int, remaining: int, total: int) -> None:
        nonlocal shown
        tenths = (total - remaining) * 10 // total
        if tenths > shown and remaining:
            shown = tenths
            done, whole = (total - remaining) * page_size, total * page_size
            progress(f"{label}: {tenths * 10}% ({megabytes(done)} of {megabytes(whole)})")

    reader.backup(written, pages=max(1, pages // 100), progress=report)


def schema_revision(path: Path) -> str | None:
    """The Alembic revision an ecourse database is at (None when it has none recorded)."""
    with closing(connect(path)) as reader:
        row = reader.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def table_count(path: Path) -> int:
    with closing(connect(path)) as reader:
        query = "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        return reader.execute(query).fetchone()[0]


class InUse(sqlite3.OperationalError):
    """Another connection, in this process or another, holds the database."""


@contextmanager
def alone(path: Path, wait: float) -> Iterator[sqlite3.Connection]:
    """Hold the database `path` so that no other connection can use it until the block ends;
    `InUse` when one does, after waiting `wait` seconds for it to let go.

    Every connection to a WAL database keeps a shared lock on the file while it is open, idle
    or not, so the exclusive lock taken here is refused while `serve` or a worker runs (a
    plain BEGIN EXCLUSIVE is not: in WAL mode it lets readers on). Its write-ahead log is
    then folded in: the checkpoint has to report that it was not busy.
    """
    database = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=wait)
    database.isolation_level = None  # the transactions below are spelt out
    try:
        database.execute("PRAGMA locking_mode=EXCLUSIVE")  # keep each lock until closed
        try:
            database.execute("BEGIN EXCLUSIVE")
            database.execute("COMMIT")
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise InUse(str(error)) from None
            raise
        busy, _log, _folded = database.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise InUse("the write-ahead log is in use")
        yield database
    finally:
        database.close()


def drop_log(database: sqlite3.Connection) -> None:
    """Leave WAL mode on a database held `alone`, which folds its log in and deletes it:
    closing the connection then touches no file beside it, not even one put in its place."""
    (mode,) = database.execute("PRAGMA journal_mode=DELETE").fetchone()
    if mode != "delete":
        raise InUse(f"the database stays in {mode} mode")


def companions(path: Path) -> list[Path]:
    """SQLite's files beside a database: its write-ahead log, shared memory and journal."""
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
