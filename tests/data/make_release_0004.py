"""Write `release_0004.json`: a database as release 0.1.0 (migration head 0004) left it, with
learners in every state, and every learner's timeline as that release computed it.

It ran once, with that release's code (commit b6cb8d0 and the two after it, which did not
change behaviour):

    git worktree add /tmp/release b6cb8d0
    cd /tmp/release && python /path/to/tests/data/make_release_0004.py /path/to/tests/data

`tests/test_upgrade.py` builds a database at 0004 from the rows, upgrades it with today's
migrations and checks that today's code computes the same timelines. The script is kept to
show how the data came about; it does not run against later code.
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import MetaData, select

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Amsterdam
END = START + timedelta(days=9, hours=3)


def _course(root: Path, slug: str, title: str, days: tuple[int, ...]) -> None:
    from tests.factories import CourseWriter

    writer = CourseWriter(root / slug)
    writer.course(title=title)
    for number, day in enumerate(days, start=1):
        writer.lesson(f"0{number}-les-{number}", title=f"{title} les {number}", day=day)


def _scenario(now: datetime) -> None:
    from ecourse.content.courses import course_by_slug, plan_due
    from ecourse.core.db import db
    from ecourse.core.models import Delivery, Enrollment
    from ecourse.engine import ledger, recorder
    from ecourse.learners import pacing, privacy
    from ecourse.learners import signups as service
    from ecourse.mail.base import Outcome
    from ecourse.web import learner as learn
    from ecourse.worker.passes import run_pass
    from tests.factories import enrolled, run_until, sign_up

    second = course_by_slug("tweede")
    people = {
        name: enrolled(f"{name}@example.org", now, first_name=name.title())
        for name in ("mid", "paused", "open", "stopped", "unsub", "done", "slow", "moved")
    }
    people["retry"] = enrolled("retry@example.org", now, first_name="Retry")
    people["failed"] = enrolled("failed@example.org", now, first_name="Failed")
    people["bounced"] = enrolled("bounced@example.org", now)
    people["second"] = enrolled("second@example.org", now, course=second)
    people["erased"] = enrolled("erased@example.org", now)
    people["crashed"] = sign_up("crashed@example.org", now)
    sign_up("pending@example.org", now + timedelta(hours=2), first_name="Pending")
    run_pass(now + timedelta(hours=2))
    sign_up("reminded@example.org", now, first_name="Reminded", timezone="Europe/London")
    run_pass(now)
    sign_up("reminded@example.org", now + timedelta(minutes=20), first_name="Reminded")

    def enrollment(name: str) -> Enrollment:
        return db.session.scalar(
            select(Enrollment).where(Enrollment.subscriber_id == people[name].id)
        )

    pacing.set_rhythm(people["slow"], "09:15", "America/New_York", pacing.LEARNER, now)
    pacing.set_pace(enrollment("slow"), 2, pacing.LEARNER, now)
    db.session.commit()
    run_until(now, now + timedelta(days=2, hours=4))
    moment = now + timedelta(days=2, hours=5)
    pacing.pause(enrollment("paused"), 7, pacing.LEARNER, moment)
    pacing.pause(enrollment("open"), None, pacing.Actor("admin", "beheer@example.org"), moment)
    learn.stop_course(people["stopped"], None, moment)
    learn.unsubscribe(people["unsub"], moment)
    pacing.move_to(enrollment("moved"), _third(), pacing.LEARNER, moment)
    privacy.erase(people["erased"], "erased on request", moment)
    db.session.commit()
    # Lesson 3, asked for early, meets a relay that answers badly, and one worker dies.
    for name in ("retry", "failed", "bounced"):
        pacing.send_next_now(enrollment(name), pacing.LEARNER, moment)
    db.session.commit()
    token, claimed = ledger.claim(moment, 100, timedelta(minutes=5))
    report, settings = recorder.SendReport(), _settings()
    outcomes = {
        "retry@example.org": Outcome(ok=False, detail="451 4.3.0 try again later"),
        "failed@example.org": Outcome(ok=False, permanent=True, detail="554 5.6.0 content"),
        "bounced@example.org": Outcome(
            ok=False, permanent=True, bounced=True, detail="550 5.1.1 no such user"
        ),
    }
    for delivery in claimed:
        outcome = outcomes.get(delivery.subscriber.email)
        if outcome is not None:
            recorder.record(delivery, outcome, moment, report, settings)
    db.session.commit()
    run_until(moment + timedelta(hours=1), END - timedelta(days=1))
    people["late"] = enrolled("late@example.org", END - timedelta(hours=20), first_name="Late")
    run_pass(END - timedelta(hours=20))  # lesson 1 now, lessons 2 and 3 still to come
    # A worker claims crashed@'s first lesson and dies before recording anything.
    moment = END - timedelta(hours=2)
    service.confirm(people["crashed"], moment)
    plan_due(moment)  # lesson 1 is queued, and so is anything else due by now…
    ledger.claim(moment, 100, timedelta(minutes=5))  # …and taken by a worker that then dies
    assert db.session.scalar(
        select(Delivery.status).where(
            Delivery.subscriber_id == people["crashed"].id, Delivery.status == "sending"
        )
    )


def _third():
    from ecourse.content.courses import course_by_slug

    return course_by_slug("testcursus").lessons[2]


def _settings() -> dict:
    from flask import current_app

    return current_app.config["ECOURSE"]


def _jsonable(value):
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def _rows() -> dict[str, list[dict]]:
    from ecourse.core.db import db

    metadata = MetaData()
    metadata.reflect(bind=db.engine)
    tables = {}
    with db.engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = connection.execute(select(table).order_by(*table.primary_key.columns))
            tables[table.name] = [
                {key: _jsonable(value) for key, value in row._mapping.items()} for row in rows
            ]
    return tables


def _timelines() -> dict[str, dict]:
    from ecourse.core.db import db
    from ecourse.core.models import Enrollment
    from ecourse.learners import timeline

    found = {}
    for enrollment in db.session.scalars(select(Enrollment).order_by(Enrollment.id)):
        entries = timeline.for_enrollment(enrollment, END)
        found[str(enrollment.id)] = {
            "email": enrollment.subscriber.email,
            "course": enrollment.course.slug,
            "status": enrollment.status,
            "entries": [
                {
                    "lesson": entry.lesson.slug,
                    "state": entry.state,
                    "at": entry.at.isoformat() if entry.at else None,
                    "message_id": entry.message_id,
                    "attempts": entry.attempts,
                    "late": entry.late,
                }
                for entry in entries
            ],
        }
    return found


def main(target: Path) -> None:
    from ecourse import create_app
    from ecourse.content.catalog import import_path
    from ecourse.core.db import db, upgrade_schema

    folder = Path(tempfile.mkdtemp())
    _course(folder / "lessons", "testcursus", "Testcursus", (0, 2, 4))
    _course(folder / "lessons", "tweede", "Tweede cursus", (0, 3))
    app = create_app(
        {
            "DATA_DIR": str(folder / "data"),
            "DATABASE_URL": f"sqlite:///{folder / 'release.sqlite3'}",
            "SECRET_KEY": "release-0004",
            "BASE_URL": "http://ecourse.test",
            "MAIL_BACKEND": "memory",
            "MAIL_FROM": "Cursus <cursus@academie.test>",
            "LESSONS_DIR": str(folder / "lessons"),
            "SIGNUP_MIN_SECONDS": "0",
        }
    )
    with app.app_context():
        upgrade_schema()
        import_path(folder / "lessons", "Europe/Amsterdam", START - timedelta(days=1))
        _scenario(START)
        data = {"secret_key": "release-0004", "now": END.isoformat(), "tables": _rows()}
        data["timelines"] = _timelines()
        db.session.remove()
    (target / "release_0004.json").write_text(json.dumps(data, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
