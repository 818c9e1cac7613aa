"""Upgrades lose nothing: a database as release 0.1.0 left it, with learners mid-course,
paused and stopped learners, pending sign-ups and deliveries in every status, is upgraded
by `ecourse init`, and today's code computes every learner's timeline as that release did.

The rows and the timelines come from `tests/data/release_0004.json` (how it was made:
`tests/data/make_release_0004.py`). On PostgreSQL the test uses a database of its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, insert, select, text
from sqlalchemy.engine import make_url

from ecourse import create_app
from ecourse.core.db import db
from ecourse.core.models import Enrollment
from tests.conftest import TEST_DATABASE_URL
from tests.factories import CourseWriter, process_environment

DATA = json.loads((Path(__file__).parent / "data" / "release_0004.json").read_text())
RELEASE_HEAD = "0004"


def _value(value):
    if isinstance(value, dict) and "datetime" in value:
        return datetime.fromisoformat(value["datetime"])
    if isinstance(value, dict) and "date" in value:
        return date.fromisoformat(value["date"])
    return value


def _release_courses(folder: Path) -> Path:
    """The two courses the release database was made with, as the same files."""
    for slug, title, days in (
        ("testcursus", "Testcursus", (0, 2, 4)),
        ("tweede", "Tweede cursus", (0, 3)),
    ):
        writer = CourseWriter(folder / slug)
        writer.course(title=title)
        for number, day in enumerate(days, start=1):
            writer.lesson(f"0{number}-les-{number}", title=f"{title} les {number}", day=day)
    return folder


@pytest.fixture
def release_database(tmp_path) -> str:
    """An empty database of its own: a SQLite file, or a PostgreSQL database `<name>_upgrade`."""
    if not TEST_DATABASE_URL:
        return f"sqlite:///{tmp_path / 'release.sqlite3'}"
    url = make_url(TEST_DATABASE_URL)
    name = f"{url.database}_upgrade"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _build_release(url: str, folder: Path) -> None:
    """Migrate to the release's head and put its rows back, ids and all."""
    from flask_migrate import upgrade

    from ecourse.core.resources import bundled

    app = create_app({"DATABASE_URL": url, "DATA_DIR": str(folder), "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(directory=str(bundled("migrations")), revision=RELEASE_HEAD)
        db.engine.dispose()
    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(bind=engine)
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            rows = DATA["tables"].get(table.name)
            if rows:
                connection.execute(
                    insert(table), [{k: _value(v) for k, v in row.items()} for row in rows]
                )
        if engine.dialect.name == "postgresql":  # the next id follows the rows put back
            for table in metadata.sorted_tables:
                if DATA["tables"].get(table.name) and "id" in table.columns:
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                            f'(SELECT max(id) FROM "{table.name}"))'
                        )
                    )
    engine.dispose()


def _timelines(url: str, folder: Path, lessons: Path) -> dict[str, dict]:
    from ecourse.learners import timeline

    now = datetime.fromisoformat(DATA["now"])
    settings = {
        "DATABASE_URL": url,
        "DATA_DIR": str(folder),
        "SECRET_KEY": DATA["secret_key"],
        "LESSONS_DIR": str(lessons),
    }
    app = create_app(settings)
    found = {}
    with app.app_context():
        for enrollment in db.session.scalars(select(Enrollment).order_by(Enrollment.id)):
            if str(enrollment.id) not in DATA["timelines"]:
                continue
            found[str(enrollment.id)] = [
                {
                    "lesson": entry.lesson.slug,
                    "state": entry.state,
                    "at": entry.at.isoformat() if entry.at else None,
                    "message_id": entry.message_id,
                    "attempts": entry.attempts,
                    "late": entry.late,
                }
                for entry in timeline.for_enrollment(enrollment, now)
            ]
        db.session.remove()
        db.engine.dispose()
    return found


@pytest.mark.slow
def test_a_release_database_upgrades_with_ecourse_init_and_every_timeline_is_unchanged(
    release_database, tmp_path
):
    lessons = _release_courses(tmp_path / "lessons")
    _build_release(release_database, tmp_path / "data")
    _sign_up_page(release_database, NEWSLETTER_PAGE)
    env = process_environment(
        {
            "DATABASE_URL": release_database,
            "DATA_DIR": tmp_path / "data",
            "SECRET_KEY": DATA["secret_key"],
            "LESSONS_DIR": lessons,
        }
    )
    done = subprocess.run(
        [sys.executable, "-m", "ecourse", "init"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    after = _timelines(release_database, tmp_path / "data", lessons)
    before = {key: value["entries"] for key, value in DATA["timelines"].items()}
    assert after.keys() == before.keys()
    for key, entries in before.items():
        assert after[key] == entries, DATA["timelines"][key]["email"]
    assert _sign_up_page(release_database) == "https://academie.nl/e-cursus"


# A page a sign-up came from, as a newsletter's link leaves it: the upgrade keeps the page
# and drops what names the person.
NEWSLETTER_PAGE = "https://academie.nl/e-cursus?email=lot%40example.org&naam=Lot#aanmelden"


def _sign_up_page(url: str, new: str | None = None) -> str:
    """The first sign-up's page; with `new`, set it first."""
    engine = create_engine(url)
    with engine.begin() as connection:
        first = connection.execute(text("SELECT min(id) FROM consent")).scalar_one()
        if new is not None:
            connection.execute(
                text("UPDATE consent SET source_url = :url WHERE id = :id"),
                {"url": new, "id": first},
            )
        page = connection.execute(
            text("SELECT source_url FROM consent WHERE id = :id"), {"id": first}
        ).scalar_one()
    engine.dispose()
    return page
