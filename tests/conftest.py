"""Fixtures: a fresh database per test (SQLite file, or PostgreSQL when
ECOURSE_TEST_DATABASE_URL is set), a course written as files, and a real SMTP server."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from ecourse import create_app
from ecourse.core.db import db
from tests.factories import CourseWriter
from tests.smtpserver import SMTPServer

pytest_plugins = ["tests.browserkit"]

TEST_DATABASE_URL = os.environ.get("ECOURSE_TEST_DATABASE_URL", "")
BASE_URL = "http://ecourse.test"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    """Tests see only the settings they pass; a developer's ECOURSE_* never leaks in."""
    for name in list(os.environ):
        if name.startswith("ECOURSE_") and name != "ECOURSE_TEST_DATABASE_URL":
            monkeypatch.delenv(name)


def _migrate(url: str, data_dir: Path) -> None:
    app = create_app({"DATABASE_URL": url, "DATA_DIR": str(data_dir), "SECRET_KEY": "x"})
    with app.app_context():
        from ecourse.core.db import upgrade_schema

        upgrade_schema()
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> str:
    """A database built by running the migrations once: a template file, or PostgreSQL."""
    scratch = tmp_path_factory.mktemp("template")
    if TEST_DATABASE_URL:
        engine = create_engine(TEST_DATABASE_URL)
        with engine.begin() as connection:  # fails loudly when PostgreSQL is unreachable
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        _migrate(TEST_DATABASE_URL, scratch)
        return TEST_DATABASE_URL
    template = scratch / "template.sqlite3"
    _migrate(f"sqlite:///{template}", scratch)
    return str(template)


@pytest.fixture
def database_url(migrated_database, tmp_path) -> str:
    if TEST_DATABASE_URL:
        yield TEST_DATABASE_URL
        _truncate_all(TEST_DATABASE_URL)
        return
    copy = tmp_path / "ecourse.sqlite3"
    shutil.copyfile(migrated_database, copy)
    yield f"sqlite:///{copy}"


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def course_files(tmp_path) -> CourseWriter:
    """A small course written as files: three lessons on days 0, 2 and 4."""
    writer = CourseWriter(tmp_path / "lessons" / "testcursus")
    writer.course()
    for number, day in enumerate((0, 2, 4), start=1):
        writer.lesson(f"0{number}-les-{number}", title=f"Les nummer {number}", day=day)
    return writer


@pytest.fixture
def two_courses(course_files) -> CourseWriter:
    """Beside the test course (`testcursus`), a second one: `tweede`, two lessons. Ask for
    it before `app`, which imports the lessons."""
    writer = CourseWriter(course_files.root.parent / "tweede")
    writer.course(title="Tweede cursus")
    writer.lesson("01-begin", title="Begin van de tweede", day=0)
    writer.lesson("02-verder", title="Verder in de tweede", day=3)
    return writer


@pytest.fixture
def settings(tmp_path, database_url, course_files) -> dict:
    return {
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "BASE_URL": BASE_URL,
        "MAIL_BACKEND": "memory",
        "MAIL_FROM": "Cursus <cursus@academie.test>",
        "REPLY_TO": "vragen@academie.test",
        "LESSONS_DIR": str(course_files.root.parent),
        # The time trap is off: tests post forms at machine speed (tests/test_signup.py
        # and tests/test_embed.py turn it on where they test it).
        "SIGNUP_MIN_SECONDS": "0",
    }


class FreshRequestClient(FlaskClient):
    """A test client whose every request starts with an empty `g`, as in production.

    The fixtures keep one app context open for the whole test, and Flask lets requests
    reuse it; without this, Flask-Login's loaded user and Flask-WTF's token would carry
    over from one request to the next.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def app(settings):
    app = create_app(settings)
    app.test_client_class = FreshRequestClient
    with app.app_context():
        from ecourse.content.catalog import import_path

        import_path(Path(settings["LESSONS_DIR"]), "Europe/Amsterdam", datetime.now(UTC))
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def outbox(app):
    """The messages the memory backend has 'sent'."""
    return app.extensions["ecourse.messenger"].sent


@pytest.fixture
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def make_app(settings):
    """Build an app with extra settings (inside its app context) and the test course."""
    from ecourse.content.catalog import import_path

    contexts = []

    def make(**overrides):
        app = create_app(settings | overrides)
        app.test_client_class = FreshRequestClient
        context = app.app_context()
        context.push()
        contexts.append(context)
        import_path(Path(settings["LESSONS_DIR"]), "Europe/Amsterdam", datetime.now(UTC))
        return app

    yield make
    for context in reversed(contexts):
        db.session.remove()
        db.engine.dispose()
        context.pop()


@pytest.fixture
def admin(app):
    """An admin account (see `tests.web.ADMIN_EMAIL` and `ADMIN_PASSWORD`)."""
    from ecourse.learners import accounts
    from tests.web import ADMIN_EMAIL, ADMIN_PASSWORD

    return accounts.create(ADMIN_EMAIL, ADMIN_PASSWORD, datetime.now(UTC))


@pytest.fixture
def admin_client(app, admin):
    """A test client logged in as the admin."""
    from tests.web import log_in

    client = app.test_client()
    response = log_in(client)
    assert response.status_code == 302, response.text
    return client
