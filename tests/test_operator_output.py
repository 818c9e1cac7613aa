"""What an operator reads: `init` says what it did, a failure they can fix is one line with
what to do (exit non-zero, no traceback), and migrations stay quiet unless asked."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from ecourse import create_app
from ecourse.core.db import newest_revision
from ecourse.core.resources import bundled
from tests.factories import process_environment
from tests.smtpserver import free_port


def ecourse(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ecourse", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def fresh(tmp_path) -> dict:
    """An operator's environment on an empty data folder (always a new SQLite file: these
    tests move the schema back and forth, which a shared test database must not see)."""
    data = tmp_path / "data"
    return process_environment({"DATA_DIR": data, "LESSONS_DIR": bundled("lessons")})


def _database(env: dict) -> str:
    return f"sqlite:///{Path(env['ECOURSE_DATA_DIR']) / 'ecourse.sqlite3'}"


def _schema_at(env: dict, revision: str) -> None:
    """A database as an older release left it: migrated only up to `revision`."""
    app = create_app({"DATA_DIR": env["ECOURSE_DATA_DIR"], "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(directory=str(bundled("migrations")), revision=revision)


def _only_error_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("Error: ")
    return line


def only_the_course_warnings(stderr: str) -> bool:
    """No Alembic INFO lines: only what the bundled course still lacks (its invitation is a
    placeholder and replies have no address: `tests/test_readiness.py`)."""
    prefix = "warning: course lichaam-en-hechting: "
    return all(line.startswith(prefix) for line in stderr.splitlines())


def test_init_says_it_created_then_that_nothing_was_left_to_do(fresh):
    first = ecourse(fresh, "init")
    again = ecourse(fresh, "init")
    head = newest_revision()
    assert first.returncode == 0 and again.returncode == 0
    assert first.stdout.splitlines()[0] == (
        f"created the database schema (migration {head}) at {_database(fresh)}"
    )
    assert again.stdout.splitlines()[0] == (
        f"the database schema was already up to date (migration {head}) at {_database(fresh)}"
    )
    assert only_the_course_warnings(first.stderr) and only_the_course_warnings(again.stderr)


def test_init_names_the_migrations_it_ran_on_an_older_database(fresh):
    _schema_at(fresh, "0005")
    done = ecourse(fresh, "init")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        f"upgraded the database schema from migration 0005 to {newest_revision()} "
        f"at {_database(fresh)}"
    )
    assert only_the_course_warnings(done.stderr)


def test_debug_log_level_shows_each_migration(fresh):
    done = ecourse(fresh | {"ECOURSE_LOG_LEVEL": "DEBUG"}, "init")
    assert done.returncode == 0
    assert "Running upgrade  -> 0001" in done.stderr
    assert f"Running upgrade {_previous(newest_revision())} -> {newest_revision()}" in done.stderr


def _previous(revision: str) -> str:
    return f"{int(revision) - 1:04d}"


@pytest.mark.parametrize("command", [["tick", "--now", "2026-12-01T07:30+01:00"], ["resume"]])
def test_a_command_on_an_older_schema_says_to_run_init(fresh, command):
    _schema_at(fresh, "0005")
    line = _only_error_line(ecourse(fresh, *command))
    assert line == (
        f"Error: the database schema is at migration 0005, this ecourse needs "
        f"{newest_revision()}: run `ecourse init` to upgrade it (back it up first with "
        f"`ecourse backup FILE`) ({_database(fresh)})"
    )


def test_a_command_on_an_empty_database_says_to_run_init(fresh):
    line = _only_error_line(ecourse(fresh, "timeline", "iemand@example.org"))
    assert line == (
        f"Error: the database has no tables yet: run `ecourse init` first ({_database(fresh)})"
    )


def test_a_database_from_a_newer_release_is_refused_not_touched(fresh):
    assert ecourse(fresh, "init").returncode == 0
    engine = create_engine(_database(fresh))
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    for command in (["init"], ["resume"]):
        line = _only_error_line(ecourse(fresh, *command))
        assert "the database is at migration 9999, which this ecourse does not know" in line
    with engine.connect() as connection:
        assert (
            connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999"
        )
    engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-folder/ecourse.sqlite3",
        "postgresql+psycopg://ecourse:geheim@127.0.0.1:1/ecourse",
    ],
    ids=["sqlite-folder-missing", "postgresql-refused"],
)
def test_an_unreachable_database_is_one_line_without_the_password(fresh, url):
    line = _only_error_line(ecourse(fresh | {"ECOURSE_DATABASE_URL": url}, "init"))
    assert line.startswith("Error: cannot use the database at ")
    assert "Check ECOURSE_DATABASE_URL" in line
    assert "geheim" not in line


@pytest.mark.clock
def test_serve_on_a_busy_port_is_one_line_and_starts_nothing(fresh):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = ecourse(fresh, "serve", "--port", str(port))
    line = _only_error_line(done)
    assert line.startswith(f"Error: cannot listen on 127.0.0.1:{port} (")
    assert "choose another with --port" in line
    assert done.stdout == ""  # no greeting, no scheduler, no lesson import
    assert not Path(fresh["ECOURSE_DATA_DIR"], "ecourse.sqlite3").exists()


@pytest.mark.clock
def test_serve_for_everyone_puts_the_machine_name_in_links_not_localhost(fresh, tmp_path):
    from tests.test_processes import Started

    port = free_port()
    serve = Started(["serve", "--host", "0.0.0.0", "--port", str(port)], fresh, tmp_path)
    try:
        serve.wait_for_output("ecourse on http://")
    finally:
        serve.stop()
    expected = f"http://{_machine_name()}:{port}"
    assert f"(links in emails use {expected})" in serve.stdout
    assert f"warning: ECOURSE_BASE_URL is not set, so links in emails use {expected}" in (
        serve.stderr
    )
    assert "localhost" not in serve.stdout


def _machine_name() -> str:
    full = socket.getfqdn()
    return full if not full.startswith("localhost") else socket.gethostname()
