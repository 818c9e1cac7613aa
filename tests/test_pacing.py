"""A learner's pace, at fixed moments: pauses, a slower pace, next lesson now, start over,
their own send time. The test course has lessons on days 0, 2 and 4 at 07:30 Amsterdam."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Delivery, Enrollment, Event, Lesson
from ecourse.engine.planner import plan_due
from ecourse.journey import journal
from ecourse.learners import current, pacing
from ecourse.worker.passes import run_pass
from tests.factories import enrolled, run_until

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 2 March, 10:00 in Amsterdam


def sent_dates(subscriber) -> list[str]:
    """Each lesson sent to this learner, as 'slug local-date local-time'."""
    rows = db.session.execute(
        select(Lesson.slug, Delivery.sent_at)
        .join(Delivery, Delivery.lesson_id == Lesson.id)
        .where(Delivery.subscriber_id == subscriber.id, Delivery.status == "sent")
        .order_by(Delivery.sent_at)
    )
    return [f"{slug} {at.astimezone(AMSTERDAM):%m-%d %H:%M}" for slug, at in rows]


def enrollment_of(subscriber) -> Enrollment:
    return db.session.scalar(select(Enrollment).where(Enrollment.subscriber_id == subscriber.id))


def changes(subscriber) -> list[tuple[str, str, str]]:
    events = db.session.scalars(
        select(Event)
        .where(Event.subscriber_id == subscriber.id, Event.action.not_in(["confirm", "complete"]))
        .order_by(Event.id)
    )
    return [(event.actor, event.action, event.detail) for event in events]


def test_a_one_week_pause_moves_the_rest_by_a_week_and_ends_by_itself(app):
    learner = enrolled("pauze@example.org", START)
    run_until(START, START + timedelta(days=1))
    pacing.pause(enrollment_of(learner), 7, journal.LEARNER, START + timedelta(days=1))
    db.session.commit()
    run_until(START + timedelta(days=1), START + timedelta(days=14))
    assert sent_dates(learner) == [
        "01-les-1 03-02 10:00",
        "02-les-2 03-11 07:30",  # day 2 (4 March) plus the week paused
        "03-les-3 03-13 07:30",
    ]
    assert changes(learner) == [
        ("learner", "pause", "gepauzeerd voor 7 dagen"),
        ("system", "resume", "pauze voorbij"),
    ]


def test_a_pause_over_the_clock_change_keeps_lessons_on_their_local_days(app):
    late = datetime(2026, 3, 20, 22, 40, tzinfo=UTC)  # Friday 20 March, 23:40 in Amsterdam
    learner = enrolled("laat@example.org", late)
    run_pass(late)  # lesson 1 at once
    pacing.pause(enrollment_of(learner), 14, journal.LEARNER, late)
    db.session.commit()
    run_until(late, late + timedelta(days=20))
    # Day 2 after the start, moved by the 14 days paused: 5 April, in summer time now.
    assert sent_dates(learner)[1:] == ["02-les-2 04-05 07:30", "03-les-3 04-07 07:30"]


def test_a_pause_until_resumed_sends_nothing_until_the_learner_comes_back(app):
    learner = enrolled("stil@example.org", START)
    run_pass(START)
    pacing.pause(enrollment_of(learner), None, journal.LEARNER, START + timedelta(hours=1))
    db.session.commit()
    run_until(START + timedelta(hours=1), START + timedelta(days=30))
    assert len(sent_dates(learner)) == 1
    back = START + timedelta(days=30, hours=2)  # 1 April, 11:00 in Amsterdam
    lesson = pacing.resume(enrollment_of(learner), journal.LEARNER, back)
    db.session.commit()
    assert lesson.slug == "02-les-2"
    run_until(back, back + timedelta(days=5))
    # Paused an hour after starting: lesson 2 still comes two days after going on.
    assert sent_dates(learner)[1:] == ["02-les-2 04-03 07:30", "03-les-3 04-05 07:30"]


def test_a_slower_pace_puts_the_extra_days_between_every_two_lessons(app):
    learner = enrolled("rustig@example.org", START)
    run_pass(START)
    pacing.set_pace(enrollment_of(learner), 3, journal.LEARNER, START + timedelta(hours=1))
    db.session.commit()
    run_until(START + timedelta(hours=1), START + timedelta(days=20))
    assert sent_dates(learner) == [
        "01-les-1 03-02 10:00",
        "02-les-2 03-07 07:30",  # 2 days of the course plus 3 extra
        "03-les-3 03-12 07:30",
    ]
    assert changes(learner) == [("learner", "pace", "3 extra dag(en) tussen de lessen")]


def test_next_lesson_now_leaves_at_once_and_the_rest_keep_their_distance(app):
    learner = enrolled("nu@example.org", START)
    run_pass(START)
    asked = START + timedelta(hours=5)  # 15:00 the same day
    lesson = pacing.send_next_now(enrollment_of(learner), journal.LEARNER, asked)
    db.session.commit()
    assert lesson.slug == "02-les-2"
    run_until(asked, START + timedelta(days=5))
    assert sent_dates(learner) == [
        "01-les-1 03-02 10:00",
        "02-les-2 03-02 15:00",
        "03-les-3 03-04 07:30",  # two days after lesson 2, as in the course
    ]
    with pytest.raises(pacing.NotPossible, match="alle lessen al gekregen"):
        pacing.send_next_now(enrollment_of(learner), journal.LEARNER, START + timedelta(days=6))


def test_next_lesson_now_is_refused_while_one_is_on_its_way(app):
    learner = enrolled("dubbel@example.org", START)
    plan_due(START, current.settings())  # lesson 1 is queued, not yet sent
    with pytest.raises(pacing.NotPossible, match="al onderweg"):
        pacing.send_next_now(enrollment_of(learner), journal.LEARNER, START)


def test_starting_over_begins_at_lesson_one_at_the_next_send_slot(app):
    learner = enrolled("opnieuw@example.org", START)
    run_until(START, START + timedelta(days=5))
    assert enrollment_of(learner).status == "completed"
    again = START + timedelta(days=6, hours=3)  # Sunday 8 March, 13:00
    pacing.restart(enrollment_of(learner), journal.LEARNER, again)
    db.session.commit()
    run_until(again, again + timedelta(days=6))
    assert sent_dates(learner)[3:] == [
        "01-les-1 03-09 07:30",
        "02-les-2 03-11 07:30",
        "03-les-3 03-13 07:30",
    ]
    assert enrollment_of(learner).round == 2


def test_own_send_time_and_zone_hold_for_the_coming_lessons(app):
    learner = enrolled("londen@example.org", START)
    run_pass(START)
    pacing.set_rhythm(learner, "18:15", "Europe/London", journal.LEARNER, START)
    db.session.commit()
    run_until(START, START + timedelta(days=5))
    london = ZoneInfo("Europe/London")
    rows = db.session.scalars(
        select(Delivery.sent_at)
        .where(
            Delivery.subscriber_id == learner.id,
            Delivery.kind == "lesson",
            Delivery.status == "sent",
        )
        .order_by(Delivery.sent_at)
    )
    assert [f"{at.astimezone(london):%m-%d %H:%M}" for at in rows][1:] == [
        "03-04 18:15",
        "03-06 18:15",
    ]
    with pytest.raises(pacing.NotPossible):
        pacing.set_rhythm(learner, "25:00", "Europe/London", journal.LEARNER, START)
    with pytest.raises(pacing.NotPossible):
        pacing.set_rhythm(learner, "08:00", "Mars/Olympus", journal.LEARNER, START)


def test_upcoming_shows_the_dates_after_a_pause_with_an_end(app):
    learner = enrolled("vooruit@example.org", START)
    run_pass(START)
    enrollment = pacing.pause(enrollment_of(learner), 14, journal.LEARNER, START)
    coming = pacing.upcoming(enrollment, START)
    assert [(e.lesson.slug, f"{e.at.astimezone(AMSTERDAM):%m-%d %H:%M}") for e in coming] == [
        ("02-les-2", "03-18 07:30"),
        ("03-les-3", "03-20 07:30"),
    ]
