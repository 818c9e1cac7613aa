"""`ecourse backup` and `ecourse restore`, run as an operator runs them.

The headline: a backup taken while another process runs passes over new learners restores
into a fresh data folder (on PostgreSQL: an empty database of its own) with every timeline
as the source had it at one moment. Then the refusals, each one line and no traceback.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from ecourse import create_app
from ecourse.core.backup import PG_DUMP_MAGIC, SQLITE_MAGIC
from ecourse.core.db import db, newest_revision
from ecourse.core.models import Delivery, DeliveryAttempt, Subscriber
from ecourse.learners import timeline
from tests.conftest import TEST_DATABASE_URL
from tests.factories import enrolled, process_environment, run_until, sign_up
from tests.test_operator_output import _only_error_line, _schema_at, ecourse

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
        "backup": ("pg_dump", f"pg_dump --format=custom --no-owner --file={file} "),
        "restore": ("pg_restore", "pg_restore --no-owner --single-transaction --dbname="),
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
