"""Back up the database while ecourse runs, and restore a backup into an empty database.

On SQLite the online backup API copies every page inside one read transaction, so the copy
is a state the database was in even while `serve` and workers go on writing (WAL lets
them). On PostgreSQL `pg_dump` (one snapshot as well) and `pg_restore` do the work; when they
are not installed, the error names the exact command to run where they are.

A file is written under a temporary name beside its final one and renamed at the end: a
half-written backup never has the backup's name, and a failed restore leaves the old
database as it was. A temporary file that a killed run left behind is removed by the next
run for the same file. A restore refuses, and changes nothing, when it cannot put back the
whole database: on SQLite while ecourse still has it open, on PostgreSQL when the database
holds tables the backup lacks (pg_restore would leave them behind). Every problem is a
`BackupError`: one line for the operator that says what is wrong and what to do.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext, suppress
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from ecourse.core import sqlitecopy

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# A partial file no process has written to for this long is a leftover, whatever its number.
STALE_PARTIAL_SECONDS = 24 * 60 * 60
# How long a restore waits for a connection to let go of a SQLite database before refusing:
# `serve` and the workers keep theirs open, so any wait is only for a passing command.
IN_USE_WAIT_SECONDS = 1.0

Progress = Callable[[str], None]


class BackupError(Exception):
    """A problem the operator can fix; the message is one line that says what to do."""


def back_up(database_url: str, target: Path, *, force: bool, progress: Progress) -> str:
    """Write a consistent copy of the database to `target`; return the line that says so."""
    url, target = make_url(database_url), target.absolute()
    _check_backup_target(target, force)
    if _dialect(url) == "sqlite":
        source = _sqlite_file(url)
        if not source.is_file():
            raise BackupError(f"there is no database at {source} to back up")
        with _partial(target) as partial:
            _copy_sqlite(source, partial, "backup", progress)
    else:
        _pg_dump(url, target)
    return (
        f"backup written to {target} ({sqlitecopy.megabytes(target.stat().st_size)}); "
        f"restore it with: ecourse restore {shlex.quote(str(target))}"
    )


def restore(database_url: str, source: Path, *, force: bool, progress: Progress) -> str:
    """Put the backup `source` in place of the configured database, which must be empty
    unless `force`; return the line that says so.

    It migrates nothing: the database is then exactly what was saved, and the caller says
    when its schema is older than the code's (`ecourse init` upgrades it).
    """
    url, source = make_url(database_url), source.absolute()
    kind = _backup_kind(source)
    if _dialect(url) == "sqlite":
        _restore_sqlite(source, kind, _sqlite_file(url), force, progress)
    else:
        _restore_postgres(source, kind, url, force)
    return f"restored {source} into {_shown(url)}"


def _dialect(url: URL) -> str:
    name = url.get_backend_name()
    if name not in {"sqlite", "postgresql"}:
        raise BackupError(f"ecourse backs up SQLite and PostgreSQL databases, not {name}")
    return name


def _shown(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return str(_sqlite_file(url))
    return url.render_as_string(hide_password=True)


def _check_backup_target(target: Path, force: bool) -> None:
    """Refuse a folder, a file in a folder that is not there, and (without --force) a
    file that exists: a backup never silently replaces another."""
    if target.is_dir():
        raise BackupError(f"{target} is a folder: give the backup a file name inside it")
    if not target.parent.is_dir():
        raise BackupError(f"cannot write {target}: the folder {target.parent} does not exist")
    if target.exists() and not force:
        raise BackupError(f"{target} already exists: add --force to replace it")


@contextmanager
def _partial(
    target: Path, swap: Callable[[], AbstractContextManager[object]] = nullcontext
) -> Iterator[Path]:
    """A new, empty file beside `target`, renamed to it when the block succeeds.

    Whatever stops the block, the partial file goes and `target` stays as it was. The file
    holds personal data, so only its owner may read it (pg_dump and SQLite keep the mode).
    A run killed outright (SIGKILL, power loss) leaves its partial file: the next run for
    the same `target` removes it. The rename happens inside `swap` and is on disk when done.
    """
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_partials(target)
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        yield partial
        _flush_to_disk(partial)
        with swap():
            os.replace(partial, target)
            _flush_to_disk(target.parent)  # the rename itself, in the folder's entries
    except OSError as error:
        raise BackupError(f"cannot write {target}: {error.strerror or error}") from None
    finally:
        for leftover in (partial, *sqlitecopy.companions(partial)):
            leftover.unlink(missing_ok=True)


def _remove_stale_partials(target: Path) -> None:
    """Remove the partial files for `target` (and SQLite's files beside them) that killed
    runs left: their process is gone, or no one has written to them for a day. Another
    run's, still going, stays. What cannot be removed is left to the folder's clean-up."""
    leftover = re.compile(re.escape(f".{target.name}.partial-") + r"([0-9]+)(-wal|-shm|-journal)?")
    for path in target.parent.iterdir():
        found = leftover.fullmatch(path.name)
        with suppress(OSError):
            if found and not (_runs(int(found[1])) and _recent(path)):
                path.unlink()


def _runs(pid: int) -> bool:
    """Whether another process has the number `pid` (a partial file named after this one's
    is a leftover of an earlier process that had the same number)."""
    if pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True  # another user's
    except (ProcessLookupError, OverflowError):
        return False
    return True


def _recent(path: Path) -> bool:
    return time.time() - path.stat().st_mtime < STALE_PARTIAL_SECONDS


def _flush_to_disk(path: Path) -> None:
    """The bytes reach the disk before the rename makes them the backup (or the database);
    for a folder, the rename does."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# SQLite


def _sqlite_file(url: URL) -> Path:
    """The file a SQLite URL names (a relative path from the working folder, as SQLite has it)."""
    if not url.database or url.database == ":memory:":
        raise BackupError("the database is in memory: there is no file to back up or restore")
    return Path(url.database).absolute()


def _copy_sqlite(source: Path, copy: Path, label: str, progress: Progress) -> None:
    try:
        sqlitecopy.copy_database(source, copy, label, progress)
    except sqlite3.Error as error:
        raise BackupError(f"copying {source} failed: {error}") from None


def _restore_sqlite(source: Path, kind: str, target: Path, force: bool, progress: Progress) -> None:
    if kind != "sqlite":
        raise BackupError(
            f"{source} is a PostgreSQL backup (pg_dump), but this ecourse's database is the "
            f"SQLite file {target}: set ECOURSE_DATABASE_URL to a PostgreSQL database"
        )
    _check_sqlite_backup(source)
    _refuse_to_replace_sqlite(target, force)
    with _sqlite_alone(target):
        pass  # refused now, rather than after a copy that can take minutes
    with _partial(target, swap=lambda: _sqlite_alone(target, replacing=True)) as partial:
        _copy_sqlite(source, partial, "restore", progress)


def _check_sqlite_backup(source: Path) -> None:
    """Refuse, before touching anything, a SQLite file that holds no ecourse schema."""
    try:
        revision = sqlitecopy.schema_revision(source)
    except sqlite3.Error as error:
        raise BackupError(f"{source} is not an ecourse backup: {error}") from None
    if revision is None:
        raise BackupError(f"{source} is not an ecourse backup: it has no schema revision")


def _refuse_to_replace_sqlite(target: Path, force: bool) -> None:
    """Restore only into a file that is missing or holds no tables, unless told to replace."""
    if target.is_dir():
        raise BackupError(f"{target} is a folder: the database must be a file")
    if force or not target.exists() or target.stat().st_size == 0:
        return
    try:
        tables = sqlitecopy.table_count(target)
    except sqlite3.Error:
        raise BackupError(f"{target} is not a SQLite database: add --force to replace it") from None
    if tables:
        raise BackupError(f"{target} already holds {tables} tables: add --force to replace them")


@contextmanager
def _sqlite_alone(target: Path, *, replacing: bool = False) -> Iterator[None]:
    """Hold the SQLite database `target` while the block runs, so that no process uses it;
    refuse in one line when `serve`, a worker or any other connection has it open.

    When `replacing`, its log is folded in and removed and SQLite's files beside it go
    first: the file the block renames into its place never sits beside another's log.
    """
    with ExitStack() as held:
        if target.exists():
            try:
                database = held.enter_context(sqlitecopy.alone(target, IN_USE_WAIT_SECONDS))
                if replacing:
                    sqlitecopy.drop_log(database)
            except sqlitecopy.InUse:
                raise BackupError(
                    f"{target} is in use: stop `ecourse serve` and the workers first"
                ) from None
            except sqlite3.DatabaseError:
                pass  # not a SQLite database (replaced with --force): nothing can hold it
        if replacing:
            for stale in sqlitecopy.companions(target):  # they belong to the replaced database
                stale.unlink(missing_ok=True)
        yield


def _backup_kind(source: Path) -> str:
    """Which kind of backup the file is, by its first bytes; anything else is refused."""
    if source.is_dir():
        raise BackupError(f"{source} is a folder, not a backup file")
    try:
        with source.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(
            f"{source} does not exist: give the file `ecourse backup` wrote"
        ) from None
    except OSError as error:
        raise BackupError(f"cannot read {source}: {error.strerror or error}") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "pg_dump"
    raise BackupError(f"{source} is not an ecourse backup (not SQLite, not pg_dump)")


# PostgreSQL


def _pg_dump(url: URL, target: Path) -> None:
    # No owner and no GRANTs: a role that the target lacks cannot stop the restore.
    command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges"]
    _require_tool([*command, f"--file={target}", _libpq(url)], url)
    with _partial(target) as partial:
        _run_tool([*command, f"--file={partial}", _libpq(url)], url)


def _restore_postgres(source: Path, kind: str, url: URL, force: bool) -> None:
    if kind != "pg_dump":
        raise BackupError(
            f"{source} is a SQLite backup, but this ecourse's database is PostgreSQL "
            f"({_shown(url)}): unset ECOURSE_DATABASE_URL to restore it into a SQLite file"
        )
    replace = ["--clean", "--if-exists"] if force else []
    # One transaction: a restore that fails half-way leaves the database as it was. No owner
    # and no GRANTs (older backups have them): a role the target lacks cannot stop it.
    command = ["pg_restore", "--no-owner", "--no-privileges", "--single-transaction", *replace]
    command += [f"--dbname={_libpq(url)}", str(source)]
    _require_tool(command, url)
    archived = _archived_tables(source, url)
    schema, tables = _pg_tables(url)
    if tables and not force:
        raise BackupError(
            f"{_shown(url)} already holds {len(tables)} tables: add --force to replace them"
        )
    # --clean drops only what the archive holds: tables a later migration added would stay,
    # beside an older alembic_version, and the next `ecourse init` would fail on them.
    extra = sorted(name for name, table in tables if table and (schema, name) not in archived)
    if extra:
        raise BackupError(
            f"{_shown(url)} holds tables the backup lacks ({', '.join(extra)}), which a "
            "restore would leave behind: drop and recreate the database, then restore into it "
            "without --force"
        )
    _run_tool(command, url)


# An archive's table, as `pg_restore --list` shows it: "214; 1259 77853 TABLE public admin
# owner" (its rows are a "TABLE DATA" entry of their own).
ARCHIVED_TABLE = re.compile(r"\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+)(?: .*)?")


def _archived_tables(source: Path, url: URL) -> set[tuple[str, str]]:
    """The (schema, name) of each table in the archive; refused before touching anything
    when they hold no ecourse schema."""
    listing = _run_tool(["pg_restore", "--list", str(source)], url, what=f"{source} is unreadable")
    found = (ARCHIVED_TABLE.fullmatch(line) for line in listing.splitlines())
    tables = {(match[1], match[2]) for match in found if match}
    if not any(name == "alembic_version" for _schema, name in tables):
        raise BackupError(f"{source} is not an ecourse backup: it has no alembic_version table")
    return tables


def _pg_tables(url: URL) -> tuple[str, list[tuple[str, bool]]]:
    """The database's current schema, and the name of each table and view in it with
    whether it is a table: all of them, also those this user may not read."""
    rows = _pg_rows(
        url,
        "SELECT current_schema(), relname, relkind IN ('r', 'p') FROM pg_class"
        " WHERE relnamespace = current_schema()::regnamespace"
        " AND relkind IN ('r', 'p', 'v', 'm', 'f')",
    )
    schema = rows[0][0] if rows else ""
    return schema, [(name, table) for _schema, name, table in rows]


def _libpq(url: URL) -> str:
    """The URL as libpq's tools take it: no `+psycopg`, and no password (see `_tool_env`)."""
    plain = URL.create(
        "postgresql", url.username, None, url.host, url.port, url.database, url.query
    )
    return plain.render_as_string(hide_password=False)


def _tool_env(url: URL) -> dict[str, str]:
    """The password goes in the environment: a command line is visible to every user."""
    return os.environ | ({"PGPASSWORD": url.password} if url.password else {})


def _require_tool(command: list[str], url: URL) -> None:
    """When the tool is missing, say exactly what to run where it is installed."""
    if shutil.which(command[0]) is None:
        password = " with the password in PGPASSWORD" if url.password else ""
        raise BackupError(
            f"{command[0]} is not on PATH (Debian: apt-get install postgresql-client); "
            f"run{password}: {shlex.join(command)}"
        )


def _run_tool(command: list[str], url: URL, what: str = "") -> str:
    """Run a PostgreSQL client tool; its last line of complaint becomes the error."""
    _require_tool(command, url)
    result = subprocess.run(command, env=_tool_env(url), capture_output=True, text=True)
    if result.returncode != 0:
        complaint = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{what or command[0] + ' failed'}: {complaint}")
    return result.stdout


def _pg_rows(url: URL, query: str) -> list[tuple]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(query))]
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise BackupError(f"cannot read {_shown(url)}: {reason}") from None
    finally:
        engine.dispose()
