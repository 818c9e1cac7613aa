"""`ecourse backup` and `ecourse restore`, run as an operator runs them.

The headline: a backup taken while another process runs passes over new learners restores
into a fresh data folder (on PostgreSQL: an empty database of its own) with every timeline
as the source had it at one moment. Then the refusals, each one line and no traceback, and
what a restore must not leave behind: a database still in use, tables of a later migration,
GRANTs to missing roles, and the partial files of a killed run.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from ecourse import create_app
from ecourse.core.backup import PG_DUMP_MAGIC, SQLITE_MAGIC
from ecourse.core.db import db, newest_revision
from ecourse.core.models import Delivery, DeliveryAttempt, Subscriber
from ecourse.core.resources import bundled
from ecourse.learners import timeline
from tests.conftest import TEST_DATABASE_URL
from tests.factories import enrolled, process_environment, run_until, sign_up
from tests.smtpserver import free_port
from tests.test_operator_output import _only_error_line, _schema_at, ecourse
from tests.test_processes import Started

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 12, 10, 6, 30, tzinfo=UTC)  # 07:30 in Amsterdam: lessons go at once

# Signs up, confirms and sends lesson 1 to one new learner after another, all at one
# moment, printing each number once that learner's last change is committed.
WRITER = """
import sys
from datetime import datetime
from pathlib import Path

from ecourse import create_app
from ecourse.worker.passes import run_pass
from tests.factories import enrolled

moment, stop = datetime.fromisoformat(sys.argv[1]), Path(sys.argv[2])
with create_app().app_context():
    for number in range(1000):
        if stop.exists():
            break
        enrolled(f"new{number}@example.org", moment)
        run_pass(moment)
        print(number, flush=True)
"""


def timelines(settings: dict) -> dict[str, tuple]:
    """Every learner's timeline at T0, as plain values, from the database `settings` name."""
    app = create_app(settings)
    with app.app_context():
        try:
            people = db.session.scalars(select(Subscriber).order_by(Subscriber.email))
            return {person.email: _learner(person) for person in people}
        finally:
            db.session.remove()
            db.engine.dispose()


def _learner(person: Subscriber) -> tuple:
    """Their status, each course's timeline, and every email to them with its attempts."""
    emails = db.session.scalars(
        select(Delivery).where(Delivery.subscriber_id == person.id).order_by(Delivery.id)
    )
    return (
        person.status,
        tuple(
            (
                enrollment.course.slug,
                enrollment.status,
                enrollment.started_at,
                tuple(_entry(entry) for entry in timeline.for_enrollment(enrollment, T0)),
            )
            for enrollment in person.enrollments
        ),
        tuple(
            (email.key, email.status, email.sent_at, len(email.attempts_log)) for email in emails
        ),
    )


def rows_of_no_one(settings: dict) -> int:
    """Emails whose learner, and attempts whose email, the database lacks: a copy that
    mixed two moments would hold some."""
    app = create_app(settings)
    with app.app_context():
        try:
            learners, emails = select(Subscriber.id), select(Delivery.id)
            return db.session.scalar(
                select(func.count()).where(Delivery.subscriber_id.not_in(learners))
            ) + db.session.scalar(
                select(func.count()).where(DeliveryAttempt.delivery_id.not_in(emails))
            )
        finally:
            db.session.remove()
            db.engine.dispose()


def _entry(entry: timeline.Entry) -> tuple:
    return (
        entry.lesson.slug,
        str(entry.state),
        entry.at,
        entry.detail,
        entry.message_id,
        entry.attempts,
        entry.late,
    )


def _admin_engine():
    return create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture
def restore_target(settings, tmp_path):
    """Settings for an empty place to restore into: a fresh data folder with the default
    database file, or on PostgreSQL an empty database `<name>_restore`, dropped after."""
    fresh = {name: value for name, value in settings.items() if name != "DATABASE_URL"}
    fresh["DATA_DIR"] = str(tmp_path / "restored")
    if not TEST_DATABASE_URL:
        yield fresh
        return
    url = make_url(TEST_DATABASE_URL)
    name = f"{url.database}_restore"
    admin = _admin_engine()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield fresh | {"DATABASE_URL": url.set(database=name).render_as_string(hide_password=False)}
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def holds_nothing(target: dict) -> bool:
    """The restore target is as empty as it was given: no file, or no tables."""
    if "DATABASE_URL" not in target:
        return not (Path(target["DATA_DIR"]) / "ecourse.sqlite3").exists()
    engine = create_engine(target["DATABASE_URL"])
    try:
        return inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def learners_mid_course() -> None:
    """Learners the passes at T0 leave alone: two lessons sent and the third scheduled, one
    sent and the second scheduled, and one sign-up still to be confirmed."""
    for number in range(3):
        enrolled(f"early{number}@example.org", T0 - timedelta(days=3))
    run_until(T0 - timedelta(days=3), T0 - timedelta(days=2))
    for number in range(3):
        enrolled(f"late{number}@example.org", T0 - timedelta(days=1))
    sign_up("pending@example.org", T0 - timedelta(hours=2))
    run_until(T0 - timedelta(days=1), T0 - timedelta(minutes=1))
    db.session.commit()


def _written(output: Path) -> int:
    return len(output.read_text().split())


def _wait_for_writer(output: Path, count: int, writer: subprocess.Popen) -> int:
    deadline = time.monotonic() + 60
    while _written(output) < count:
        assert writer.poll() is None, "the writer stopped early"
        assert time.monotonic() < deadline, f"the writer wrote {_written(output)} learners"
        time.sleep(0.05)
    return _written(output)


def test_a_backup_taken_during_passes_restores_every_timeline_as_it_was(
    app, settings, restore_target, tmp_path
):
    learners_mid_course()
    output, stop, backup = tmp_path / "writer.txt", tmp_path / "stop", tmp_path / "ecourse.backup"
    env = process_environment(settings)
    with output.open("w") as out:
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, T0.isoformat(), str(stop)], env=env, cwd=ROOT, stdout=out
        )
    try:
        _wait_for_writer(output, 3, writer)
        made = ecourse(env, "backup", str(backup))
        _wait_for_writer(output, _written(output) + 3, writer)  # it wrote on after the backup
    finally:
        stop.touch()
        writer.wait(timeout=60)
    assert made.returncode == 0, made.stderr
    assert made.stdout == (
        f"backup written to {backup} ({backup.stat().st_size / 1e6:.1f} MB); "
        f"restore it with: ecourse restore {backup}\n"
    )
    assert made.stderr == ""  # a small database: no progress lines
    restored = ecourse(process_environment(restore_target), "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    into = restore_target.get("DATABASE_URL") or f"{restore_target['DATA_DIR']}/ecourse.sqlite3"
    assert restored.stdout == f"restored {backup} into {into}\n"  # the schema is current

    source, copy = timelines(settings), timelines(restore_target)
    steady = [email for email in source if not email.startswith("new")]
    assert len(steady) == 7 and all(copy[email] == source[email] for email in steady)
    assert _states(copy["early0@example.org"]) == ["sent", "sent", "scheduled"]
    assert _states(copy["late0@example.org"]) == ["sent", "scheduled", "scheduled"]
    new = sorted(int(email[3:].split("@")[0]) for email in copy if email.startswith("new"))
    # One moment: the writer's first learners, in order, with no gap; each but the last
    # (which it may have been half-way through) exactly as the source has it now.
    assert new == list(range(len(new))) and 3 <= len(new) < _written(output)
    for number in new[:-1]:
        assert copy[f"new{number}@example.org"] == source[f"new{number}@example.org"]
    assert rows_of_no_one(restore_target) == 0
    assert _states(source["new0@example.org"]) == ["sent", "scheduled", "scheduled"]


def _states(learner: tuple) -> list[str]:
    """The state of each lesson of the learner's one course."""
    ((_course, _status, _started, entries),) = learner[1]
    return [entry[1] for entry in entries]


def _let_go_of_the_database() -> None:
    """Close the test's own connections, as `serve` and workers are stopped before a restore."""
    db.session.remove()
    db.engine.dispose()


def test_restore_leaves_a_database_with_data_alone_unless_forced(app, settings, tmp_path):
    enrolled("kept@example.org", T0)
    backup, env = tmp_path / "ecourse.backup", process_environment(settings)
    assert ecourse(env, "backup", str(backup)).returncode == 0
    backed_up = timelines(settings)
    sign_up("later@example.org", T0)
    before = timelines(settings)
    _let_go_of_the_database()

    refused = _only_error_line(ecourse(env, "restore", str(backup)))
    assert refused.endswith(" tables: add --force to replace them")
    assert " already holds " in refused
    assert timelines(settings) == before

    replaced = ecourse(env, "restore", "--force", str(backup))
    assert replaced.returncode == 0, replaced.stderr
    assert timelines(settings) == backed_up
    assert list(backed_up) == ["kept@example.org"]


def test_backup_does_not_replace_a_file_unless_forced(app, settings, tmp_path):
    backup, env = tmp_path / "ecourse.backup", process_environment(settings)
    backup.write_bytes(b"yesterday's backup")
    refused = _only_error_line(ecourse(env, "backup", str(backup)))
    assert refused == f"Error: {backup} already exists: add --force to replace it"
    assert backup.read_bytes() == b"yesterday's backup"

    forced = ecourse(env, "backup", "--force", str(backup))
    assert forced.returncode == 0, forced.stderr
    assert backup.read_bytes().startswith(PG_DUMP_MAGIC if TEST_DATABASE_URL else SQLITE_MAGIC)
    assert backup.stat().st_mode & 0o077 == 0  # personal data: for its owner only
    assert sorted(path.name for path in tmp_path.iterdir() if "partial" in path.name) == []


@pytest.mark.parametrize(
    "given, says",
    [
        ("missing", "does not exist: give the file `ecourse backup` wrote"),
        ("folder", "is a folder, not a backup file"),
        ("text", "is not an ecourse backup (not SQLite, not pg_dump)"),
        (
            "other SQLite",
            "is a SQLite backup, but this ecourse's database is PostgreSQL"
            if TEST_DATABASE_URL
            else "is not an ecourse backup: no such table: alembic_version",
        ),
        (
            "other pg_dump",
            "is unreadable: pg_restore: error:"
            if TEST_DATABASE_URL
            else "is a PostgreSQL backup (pg_dump), but this ecourse's database is the SQLite",
        ),
    ],
)
def test_restore_of_what_is_no_backup_says_so_in_one_line(restore_target, tmp_path, given, says):
    path = tmp_path / "given"
    if given == "folder":
        path.mkdir()
    elif given == "text":
        path.write_text("not a backup at all\n")
    elif given == "other SQLite":
        with closing(sqlite3.connect(path)) as other:
            other.execute("CREATE TABLE notes (body TEXT)")
    elif given == "other pg_dump":
        path.write_bytes(PG_DUMP_MAGIC + b"\x01 but not really")
    line = _only_error_line(ecourse(process_environment(restore_target), "restore", str(path)))
    assert line.startswith(f"Error: {path} {says}")
    assert holds_nothing(restore_target)


def test_backup_into_a_folder_or_a_missing_one_says_so_in_one_line(settings, tmp_path):
    folder, env = tmp_path / "backups", process_environment(settings)
    folder.mkdir()
    assert _only_error_line(ecourse(env, "backup", str(folder))) == (
        f"Error: {folder} is a folder: give the backup a file name inside it"
    )
    nowhere = tmp_path / "missing" / "ecourse.backup"
    assert _only_error_line(ecourse(env, "backup", str(nowhere))) == (
        f"Error: cannot write {nowhere}: the folder {nowhere.parent} does not exist"
    )


def test_backup_of_a_database_that_is_not_there_writes_nothing(tmp_path):
    data, backup = tmp_path / "data", tmp_path / "ecourse.backup"
    env = process_environment({"DATA_DIR": data, "SECRET_KEY": "x"})
    line = _only_error_line(ecourse(env, "backup", str(backup)))
    assert line == f"Error: there is no database at {data / 'ecourse.sqlite3'} to back up"
    assert [path.name for path in tmp_path.iterdir()] == ["data"]
    assert not (data / "ecourse.sqlite3").exists()


FAR_AWAY = "postgresql+psycopg://ecourse:s3cret@db.example.invalid:5432/cursus"


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_without_the_postgresql_tools_it_says_exactly_what_to_run(tmp_path, command):
    file, nowhere = tmp_path / "ecourse.dump", tmp_path / "empty-bin"
    nowhere.mkdir()
    if command == "restore":
        file.write_bytes(PG_DUMP_MAGIC + b"\x01")
    settings = {"DATA_DIR": tmp_path / "data", "SECRET_KEY": "x", "DATABASE_URL": FAR_AWAY}
    env = process_environment(settings) | {"PATH": str(nowhere)}
    line = _only_error_line(ecourse(env, command, str(file)))
    tool, run = {
        "backup": ("pg_dump", f"pg_dump --format=custom --no-owner --no-privileges --file={file} "),
        "restore": (
            "pg_restore",
            "pg_restore --no-owner --no-privileges --single-transaction --dbname=",
        ),
    }[command]
    assert line.startswith(
        f"Error: {tool} is not on PATH (Debian: apt-get install postgresql-client); "
        "run with the password in PGPASSWORD: "
    )
    url = "postgresql://ecourse@db.example.invalid:5432/cursus"
    assert line.endswith(f"{run}{url}" if command == "backup" else f"{run}{url} {file}")
    assert "s3cret" not in line
    assert file.exists() == (command == "restore")


def _sqlite_database(folder: Path, revision: str = "head") -> dict:
    """The environment for a SQLite database of its own in `folder` (whatever the suite's
    database), migrated up to `revision`, with no secret key set."""
    env = process_environment({"DATA_DIR": folder})
    _schema_at(env, revision)
    return env


def _progress(stderr: str, label: str) -> list[int]:
    lines = stderr.splitlines()
    assert all(line.startswith(f"{label}: ") and line.endswith(" MB)") for line in lines), lines
    return [int(line.split()[1].rstrip("%")) for line in lines]


def test_a_big_database_shows_its_progress_both_ways(tmp_path):
    source, backup = _sqlite_database(tmp_path / "source"), tmp_path / "big.backup"
    with closing(sqlite3.connect(tmp_path / "source" / "ecourse.sqlite3")) as filler:
        filler.execute("CREATE TABLE filler (chunk BLOB)")  # 40 MB: above PROGRESS_FROM_BYTES
        filler.executemany("INSERT INTO filler VALUES (randomblob(1000000))", [()] * 40)
        filler.commit()
    made = ecourse(source, "backup", str(backup))
    assert made.returncode == 0, made.stderr
    assert _progress(made.stderr, "backup") == list(range(10, 100, 10))
    key = tmp_path / "source" / "secret_key"
    assert made.stdout.splitlines()[1] == (
        f"note: emailed links are signed with the key in {key}, not in the backup: "
        "keep a copy of it with the backup"
    )
    target = process_environment({"DATA_DIR": tmp_path / "restored", "SECRET_KEY": "x"})
    restored = ecourse(target, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert _progress(restored.stderr, "restore") == list(range(10, 100, 10))
    with closing(sqlite3.connect(tmp_path / "restored" / "ecourse.sqlite3")) as copy:
        assert copy.execute("SELECT count(*) FROM filler").fetchone() == (40,)
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_backup_of_an_older_schema_is_restored_as_it_was_and_init_upgrades_it(tmp_path):
    source, backup = _sqlite_database(tmp_path / "source", "0005"), tmp_path / "old.backup"
    assert ecourse(source, "backup", str(backup)).returncode == 0
    target = process_environment({"DATA_DIR": tmp_path / "restored", "SECRET_KEY": "x"})
    restored = ecourse(target, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.splitlines()[1].startswith(
        f"note: the database schema is at migration 0005, this ecourse needs {newest_revision()}:"
        " run `ecourse init` to upgrade it"
    )
    database = tmp_path / "restored" / "ecourse.sqlite3"
    with closing(sqlite3.connect(database)) as copy:  # the restore itself migrated nothing
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0005",)
    assert ecourse(target, "init").returncode == 0
    with closing(sqlite3.connect(database)) as copy:
        (revision,) = copy.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == newest_revision()


@pytest.mark.parametrize("holder", ["a read transaction", "an idle connection", "ecourse serve"])
def test_restore_refuses_while_anything_has_the_sqlite_database_open(tmp_path, holder):
    live, backup = {"DATA_DIR": tmp_path / "live"}, tmp_path / "ecourse.backup"
    env, database = process_environment(live), tmp_path / "live" / "ecourse.sqlite3"
    _migrated(live | {"SECRET_KEY": "x"}, "head")  # and let go: only `holder` holds it
    assert ecourse(env, "backup", str(backup)).returncode == 0
    if holder == "ecourse serve":
        (tmp_path / "serve").mkdir()
        held = Started(["serve", "--port", str(free_port())], env, tmp_path / "serve")
        held.wait_for_output("ecourse on http://")
    else:
        held = sqlite3.connect(database, isolation_level=None)
        held.execute("SELECT count(*) FROM alembic_version").fetchone()  # open, in WAL mode
    try:
        with closing(sqlite3.connect(database, isolation_level=None)) as later:
            later.execute("CREATE TABLE later (note TEXT)")  # since the backup: in the log
            later.execute("INSERT INTO later VALUES ('kept')")
        if holder == "a read transaction":
            held.execute("BEGIN")
            held.execute("SELECT count(*) FROM later").fetchone()
        before = _files(database)
        assert set(before) >= {"ecourse.sqlite3", "ecourse.sqlite3-wal", "ecourse.sqlite3-shm"}

        refused = _only_error_line(ecourse(env, "restore", "--force", str(backup)))
        assert refused == (
            f"Error: {database} is in use: stop `ecourse serve` and the workers first"
        )
        after = _files(database)  # not replaced, its log not deleted, and not written to
        assert {name: ino for name, (ino, *_) in after.items()} == {
            name: ino for name, (ino, *_) in before.items()
        }
        assert after == before or holder == "ecourse serve"  # whose passes write on
    finally:
        if holder == "ecourse serve":
            held.stop()
        else:
            held.close()
    with closing(sqlite3.connect(database)) as kept:
        assert kept.execute("SELECT note FROM later").fetchall() == [("kept",)]

    restored = ecourse(env, "restore", "--force", str(backup))  # once nothing holds it
    assert restored.returncode == 0, restored.stderr
    with closing(sqlite3.connect(database)) as copy:
        assert copy.execute("SELECT name FROM sqlite_master WHERE name = 'later'").fetchall() == []


def _files(database: Path) -> dict[str, tuple[int, int, int]]:
    """The database's files (and any partial file beside them), each with its inode, size
    and time of last change.

    By `stat` only: opening and closing a file would drop this process's SQLite locks on it.
    """
    return {
        path.name: (path.stat().st_ino, path.stat().st_size, path.stat().st_mtime_ns)
        for path in database.parent.iterdir()
        if path.name.startswith(database.name) or "partial" in path.name
    }


@pytest.mark.clock  # file ages against the real clock
def test_a_backup_removes_the_partial_files_killed_runs_left_of_the_same_file(settings, tmp_path):
    backup, env = tmp_path / "ecourse.backup", process_environment(settings)
    ended = subprocess.Popen(["true"])
    ended.wait()  # its number now belongs to no process
    gone, running = ended.pid, os.getpid()
    left = [
        f".ecourse.backup.partial-{gone}",  # a backup killed (SIGKILL) half-way
        f".ecourse.backup.partial-{gone}-journal",  # and SQLite's file beside it
        f".ecourse.backup.partial-{os.getppid()}",  # a running process, but untouched for days
    ]
    kept = [
        f".ecourse.backup.partial-{running}",  # another backup of the same file, still going
        f".other.backup.partial-{gone}",  # another file's, for its own next run
        ".ecourse.backup.partial-notes",  # not named as ecourse names them
    ]
    now = time.time()  # the file times this process sees, even under the clock sweep's faketime
    for name in left + kept:
        (tmp_path / name).write_text("personal data")
        os.utime(tmp_path / name, (now, now))
    days_ago = now - 2 * 24 * 60 * 60
    os.utime(tmp_path / f".ecourse.backup.partial-{os.getppid()}", (days_ago, days_ago))

    made = ecourse(env, "backup", str(backup))
    assert made.returncode == 0, made.stderr
    assert sorted(path.name for path in tmp_path.iterdir() if "partial" in path.name) == sorted(
        kept
    )


@pytest.mark.clock  # file ages against the real clock
def test_the_nightly_clean_up_removes_old_backups_and_what_killed_runs_left(tmp_path):
    """The unit's ExecStartPost, run on a folder of backups of various ages."""
    unit = (ROOT / "deploy" / "ecourse-backup.service").read_text()
    (line,) = [line for line in unit.splitlines() if line.startswith("ExecStartPost=")]
    words = shlex.split(line.removeprefix("ExecStartPost="))
    days_old = {
        "ecourse-2026-11-20.db": 20,
        "ecourse-2026-11-27.db": 13,
        ".ecourse-2026-11-20.db.partial-4242": 20,  # a backup killed that night
        ".ecourse-2026-12-08.db.partial-4343": 2,
        ".ecourse-2026-12-08.db.partial-4343-journal": 2,
        ".ecourse-2026-12-10.db.partial-4444": 0,  # one being written now
        "before-upgrade-2026-11-01-2200.db": 40,  # the operator's, removed by hand
    }
    for name, days in days_old.items():
        (tmp_path / name).write_text("personal data")
        moment = time.time() - days * 24 * 60 * 60 - 60
        os.utime(tmp_path / name, (moment, moment))
    folder = "/var/backups/ecourse"
    assert folder in words
    subprocess.run([str(tmp_path) if word == folder else word for word in words], check=True)
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        ".ecourse-2026-12-10.db.partial-4444",
        "before-upgrade-2026-11-01-2200.db",
        "ecourse-2026-11-27.db",
    ]


def _migrated(target: dict, revision: str) -> None:
    """The restore target's database, migrated up to `revision` as that release left it."""
    app = create_app(target)
    with app.app_context():
        upgrade(directory=str(bundled("migrations")), revision=revision)
        db.engine.dispose()


def _schema(target: dict) -> tuple[str, set[str]]:
    """The target's migration and its tables."""
    url = target.get("DATABASE_URL") or f"sqlite:///{target['DATA_DIR']}/ecourse.sqlite3"
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
            return revision, set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def test_rolling_back_an_upgrade_restores_the_older_schema_for_init_to_upgrade_again(
    restore_target, tmp_path
):
    """docs/deploy.md's rollback: a backup before the upgrade, then restore --force over
    the upgraded database. On PostgreSQL, pg_restore --clean would leave the later
    migrations' tables: the restore refuses until the database is empty again."""
    env, backup = process_environment(restore_target), tmp_path / "before-upgrade.backup"
    _migrated(restore_target, "0005")
    old_tables = _schema(restore_target)[1]
    assert ecourse(env, "backup", str(backup)).returncode == 0
    assert ecourse(env, "init").returncode == 0  # the upgrade
    upgraded = _schema(restore_target)
    newer = sorted(upgraded[1] - old_tables)
    assert upgraded[0] == newest_revision() and newer

    rolled_back = ecourse(env, "restore", "--force", str(backup))
    if TEST_DATABASE_URL:
        refused = _only_error_line(rolled_back)
        assert refused == (
            f"Error: {restore_target['DATABASE_URL']} holds tables the backup lacks "
            f"({', '.join(newer)}), which a restore would leave behind: drop and recreate the "
            "database, then restore into it without --force"
        )
        assert _schema(restore_target) == upgraded
        name = make_url(restore_target["DATABASE_URL"]).database
        admin = _admin_engine()  # as the message says
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        rolled_back = ecourse(env, "restore", str(backup))
    assert rolled_back.returncode == 0, rolled_back.stderr
    assert _schema(restore_target) == ("0005", old_tables)
    again = ecourse(env, "init")  # the next upgrade
    assert again.returncode == 0, again.stderr
    assert _schema(restore_target) == upgraded


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="roles and GRANTs are PostgreSQL's")
def test_a_grant_to_a_role_the_target_lacks_neither_goes_in_a_backup_nor_stops_a_restore(
    app, settings, restore_target, tmp_path
):
    enrolled("kept@example.org", T0)
    db.session.commit()
    _let_go_of_the_database()
    role, ours, by_hand = f"ecourse_reader_{os.getpid()}", tmp_path / "a.dump", tmp_path / "b.dump"
    plain = make_url(TEST_DATABASE_URL).set(drivername="postgresql")
    source = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    try:
        with source.connect() as connection:
            connection.execute(text(f'CREATE ROLE "{role}"'))
            connection.execute(text(f'GRANT SELECT ON "{Subscriber.__table__.name}" TO "{role}"'))
        made = ecourse(process_environment(settings), "backup", str(ours))
        # As pg_dump has it by default (and ecourse's backups had it): with the GRANT.
        dump = ["pg_dump", "--format=custom", "--no-owner", f"--file={by_hand}"]
        subprocess.run([*dump, plain.render_as_string(hide_password=False)], check=True)
    finally:
        with source.connect() as connection:
            if connection.scalar(
                text("SELECT count(*) FROM pg_roles WHERE rolname = :role"), {"role": role}
            ):
                connection.execute(text(f'DROP OWNED BY "{role}"'))
                connection.execute(text(f'DROP ROLE "{role}"'))
        source.dispose()
    assert made.returncode == 0, made.stderr
    listing = subprocess.run(["pg_restore", "--list", str(ours)], capture_output=True, text=True)
    assert [line for line in listing.stdout.splitlines() if " ACL " in line] == []
    with_grant = subprocess.run(
        ["pg_restore", "--list", str(by_hand)], capture_output=True, text=True
    )
    assert any(
        " ACL " in line and " subscriber " in line for line in with_grant.stdout.splitlines()
    )

    restored = ecourse(process_environment(restore_target), "restore", str(by_hand))
    assert restored.returncode == 0, restored.stderr  # the role is gone: its GRANT is skipped
    assert list(timelines(restore_target)) == ["kept@example.org"]
