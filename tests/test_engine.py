"""The whole drip through time: every test moves `now` instead of waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Delivery, Enrollment
from ecourse.learners import current
from ecourse.web.learner import unsubscribe
from ecourse.worker.passes import run_pass
from tests.factories import enrolled, run_until, the_course

AMS = ZoneInfo("Europe/Amsterdam")


def at(*args) -> datetime:
    """A local Amsterdam moment, as UTC."""
    return datetime(*args, tzinfo=AMS).astimezone(UTC)


def lessons_sent_to(outbox, address: str) -> list[str]:
    return [m.subject for m in outbox if m.to == address and m.subject.startswith("Les")]


def run_days(start: datetime, days: int) -> None:
    run_until(start, start + timedelta(days=days))


def test_whole_course_from_sign_up_to_last_lesson(app, outbox):
    start = at(2026, 11, 25, 20, 15)
    enrolled("anna@example.org", start)
    run_days(start, 6)
    sent = [m for m in outbox if m.to == "anna@example.org"]
    assert [m.subject for m in sent] == [
        "Bevestig je aanmelding voor Testcursus",
        "Les 1: Les nummer 1",
        "Les 2: Les nummer 2",
        "Les 3: Les nummer 3",
    ]
    dates = [m.date.astimezone(AMS) for m in sent[1:]]
    assert dates[0] == at(2026, 11, 25, 20, 15).astimezone(AMS)  # day 0: right away
    assert [(d.day, d.hour, d.minute) for d in dates[1:]] == [(27, 7, 30), (29, 7, 30)]
    enrollment = db.session.scalar(select(Enrollment))
    assert enrollment.status == "completed"
    assert enrollment.next_due_at is None


def test_lessons_stay_at_0730_across_the_autumn_dst_change(app, outbox):
    enrolled("dst@example.org", at(2026, 10, 23, 9, 0))
    run_days(at(2026, 10, 23, 9, 0), 4)
    times = [m.date.astimezone(AMS) for m in outbox if m.subject.startswith("Les")]
    assert [(t.month, t.day, t.hour, t.minute) for t in times[1:]] == [
        (10, 25, 7, 30),
        (10, 27, 7, 30),
    ]
    assert times[1].utcoffset() == timedelta(hours=1)  # 25 October is already winter time


def test_lessons_stay_at_0730_across_the_spring_dst_change(app, outbox):
    enrolled("spring@example.org", at(2026, 3, 27, 9, 0))
    run_days(at(2026, 3, 27, 9, 0), 4)
    times = [m.date.astimezone(AMS) for m in outbox if m.subject.startswith("Les")]
    assert [(t.day, t.hour, t.minute) for t in times[1:]] == [(29, 7, 30), (31, 7, 30)]


def test_skipped_weekday_moves_the_lesson(app, outbox, course_files):
    from ecourse.content.catalog import import_path
    from ecourse.engine.planner import reschedule_course

    course_files.course(skip_weekdays=["saturday", "sunday"])
    import_path(course_files.root, "Europe/Amsterdam", at(2026, 11, 1, 0, 0))
    enrolled("weekday@example.org", at(2026, 11, 26, 9, 0))  # Thursday
    reschedule_course(the_course().id, at(2026, 11, 26, 9, 0), current.settings())
    run_days(at(2026, 11, 26, 9, 0), 6)
    times = [m.date.astimezone(AMS) for m in outbox if m.subject.startswith("Les")]
    # Day 2 is Saturday: moved to Monday 30 November; day 4 (Monday) gets the 12-hour gap
    # so it follows on Tuesday morning.
    assert [(t.day, t.hour, t.minute) for t in times[1:]] == [(30, 7, 30), (1, 7, 30)]


def test_worker_down_for_a_week_catches_up_one_lesson_per_morning(app, outbox):
    start = at(2026, 11, 2, 10, 0)
    enrolled("late@example.org", start)
    run_pass(start)  # confirmation and lesson 1
    back = at(2026, 11, 9, 15, 0)  # nothing ran for a week; lessons 2 and 3 are overdue
    run_until(back, back + timedelta(days=3))
    times = [m.date.astimezone(AMS) for m in outbox if m.subject.startswith("Les")]
    assert [(t.day, t.hour, t.minute) for t in times] == [(2, 10, 0), (9, 15, 0), (10, 7, 30)]


def test_at_most_one_lesson_per_enrollment_per_pass(app, outbox):
    start = at(2026, 11, 2, 10, 0)
    enrolled("once@example.org", start)
    report = run_pass(start + timedelta(days=30))
    assert report.plan.queued == 1
    assert len(lessons_sent_to(outbox, "once@example.org")) == 1


def test_running_the_same_pass_twice_sends_nothing_twice(app, outbox):
    start = at(2026, 11, 2, 10, 0)
    enrolled("twice@example.org", start)
    first = run_pass(start)
    second = run_pass(start)
    assert (first.send.sent, second.send.sent) == (1, 0)  # the confirmation went earlier
    assert len({m.message_id for m in outbox}) == len(outbox) == 2


def test_unsubscribe_in_the_middle_stops_everything(app, outbox):
    start = at(2026, 11, 2, 10, 0)
    subscriber = enrolled("stop@example.org", start)
    run_pass(start)
    unsubscribe(subscriber, start + timedelta(days=1))
    run_days(start + timedelta(days=1), 10)
    assert lessons_sent_to(outbox, "stop@example.org") == ["Les 1: Les nummer 1"]


def test_queued_lesson_is_not_sent_after_unsubscribe(app, outbox):
    start = at(2026, 11, 2, 10, 0)
    subscriber = enrolled("queued@example.org", start)
    from ecourse.engine.planner import plan_due

    plan_due(start, current.settings())  # lesson 1 is queued, not yet sent
    unsubscribe(subscriber, start)
    report = run_pass(start)
    assert report.send.sent == 0
    statuses = db.session.scalars(select(Delivery.status).where(Delivery.kind == "lesson")).all()
    assert statuses == ["cancelled"]


def test_lesson_added_later_reaches_those_before_it_and_skips_those_past_it(
    app, outbox, course_files
):
    from ecourse.content.catalog import import_path
    from ecourse.engine.planner import reschedule_course
    from ecourse.learners.timeline import for_enrollment

    early_start, late_start = at(2026, 11, 1, 9, 0), at(2026, 11, 5, 9, 0)
    enrolled("early@example.org", early_start)
    run_days(early_start, 4)  # early has lessons 1..3 (days 0, 2, 4)
    enrolled("late@example.org", late_start)
    run_pass(late_start)  # late has lesson 1 only
    course_files.lesson("015-extra", title="Extra les", day=1)
    report = import_path(course_files.root, "Europe/Amsterdam", late_start)
    assert report.created == ["testcursus/015-extra"]
    reschedule_course(the_course().id, late_start, current.settings())
    run_days(late_start, 6)
    assert "Les 2: Extra les" in lessons_sent_to(outbox, "late@example.org")
    assert "Extra les" not in " ".join(lessons_sent_to(outbox, "early@example.org"))
    early = db.session.scalar(select(Enrollment).where(Enrollment.id == 1))
    entry = next(e for e in for_enrollment(early, late_start) if e.lesson.slug == "015-extra")
    assert entry.state == "skipped"
    assert "passed its place" in entry.detail


def test_lesson_appended_after_completion_reopens_the_course(app, outbox, course_files):
    from ecourse.content.catalog import import_path
    from ecourse.engine.planner import reschedule_course

    start = at(2026, 11, 1, 9, 0)
    enrolled("done@example.org", start)
    run_days(start, 6)
    assert db.session.scalar(select(Enrollment.status)) == "completed"
    course_files.lesson("04-les-4", title="Les nummer 4", day=10)
    import_path(course_files.root, "Europe/Amsterdam", start + timedelta(days=7))
    reschedule_course(the_course().id, start + timedelta(days=7), current.settings())
    run_days(start + timedelta(days=7), 5)
    assert lessons_sent_to(outbox, "done@example.org")[-1] == "Les 4: Les nummer 4"


def test_draft_lesson_is_never_sent(app, outbox, course_files):
    from ecourse.content.catalog import import_path

    course_files.lesson("02-les-2", title="Les nummer 2", day=2, status="draft")
    import_path(course_files.root, "Europe/Amsterdam", at(2026, 11, 1, 0, 0))
    start = at(2026, 11, 2, 10, 0)
    enrolled("draft@example.org", start)
    run_days(start, 6)
    assert lessons_sent_to(outbox, "draft@example.org") == [
        "Les 1: Les nummer 1",
        "Les 2: Les nummer 3",
    ]


def test_subscriber_time_zone_sets_the_local_hour(app, outbox):
    start = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    enrolled("ny@example.org", start, timezone="America/New_York")
    run_days(start, 3)
    second = [m for m in outbox if m.subject.startswith("Les 2")][0]
    local = second.date.astimezone(ZoneInfo("America/New_York"))
    assert (local.day, local.hour, local.minute) == (4, 7, 30)


def test_message_id_is_stable_and_derived_from_the_row(app, outbox):
    start = at(2026, 11, 2, 10, 0)
    enrolled("mid@example.org", start)
    run_pass(start)
    rows = db.session.scalars(select(Delivery).order_by(Delivery.id)).all()
    assert [m.message_id for m in outbox] == [row.message_id for row in rows]
    assert all(m.message_id.endswith("@academie.test>") for m in outbox)
