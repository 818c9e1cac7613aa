"""Changing the pace of one learner's course: pause, resume, slower, next lesson now,
start over, another send time or time zone. Used by the learner's preferences page and by
the admin alike; each change is recorded on the learner's timeline with who made it.

Nothing here commits: the caller commits, or rolls back after showing the learner the
dates the change would give (`upcoming`). Every change first takes the write lock and
re-reads the enrollment (`lifecycle.fresh`), so it never overwrites a worker's step; every
change of status goes through `lifecycle`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from ecourse.content import values
from ecourse.core import zones
from ecourse.core.db import db
from ecourse.core.models import Delivery, Enrollment, Lesson, Subscriber
from ecourse.core.statuses import (
    IN_FLIGHT,
    LIVE_ENROLLMENT,
    DeliveryKind,
    DeliveryStatus,
    EnrollmentStatus,
    SubscriberStatus,
)
from ecourse.engine import drip, ledger, planner
from ecourse.journey import journal, lifecycle
from ecourse.journey.lifecycle import fresh
from ecourse.learners import current, timeline

MAX_EXTRA_DAYS = 14


class NotPossible(ValueError):
    """The change does not apply in the course's current state. The message is lazy: it
    speaks the language of the page that shows it (the admin's is Dutch)."""


def pause(enrollment: Enrollment, days: int | None, by: journal.Actor, now: datetime) -> Enrollment:
    """Pause for `days` (it ends by itself) or, with None, until resumed."""
    enrollment = fresh(enrollment)
    if enrollment.status not in LIVE_ENROLLMENT:
        raise NotPossible(_l("Alleen een lopende cursus kan pauzeren."))
    if enrollment.status == EnrollmentStatus.PAUSED:
        planner.shift_past_pause(enrollment, now)  # a new pause replaces the old one from now
    until = now + timedelta(days=days) if days else None
    detail = f"gepauzeerd voor {days} dagen" if days else "gepauzeerd tot hervatten"
    lifecycle.pause(enrollment, until, by, now, detail)
    return enrollment


def resume(enrollment: Enrollment, by: journal.Actor, now: datetime) -> Lesson | None:
    """Go on where the learner was: the rest of the course moves by the time paused."""
    enrollment = fresh(enrollment)
    if enrollment.status != EnrollmentStatus.PAUSED:
        raise NotPossible(_l("Deze cursus is niet gepauzeerd."))
    planner.shift_past_pause(enrollment, now)
    lesson = drip.next_lesson(
        enrollment.course.lessons, set(planner.lesson_statuses(enrollment.id))
    )
    detail = f"hervat; volgende les: {lesson.title}" if lesson else "hervat"
    lifecycle.resume(enrollment, by, now, detail)
    planner.reschedule(enrollment, now, current.settings())
    return lesson


def rejoin(enrollment: Enrollment, by: journal.Actor, now: datetime) -> Lesson | None:
    """Go on with a stopped course where the learner was: the rest of the course moves by
    the time it was stopped, as after a pause. Not after an unsubscribe from all mail: that
    needs a new sign-up, with its consent confirmed (`lifecycle.confirm`)."""
    enrollment = fresh(enrollment)
    if enrollment.status != EnrollmentStatus.STOPPED:
        raise NotPossible(_l("Deze cursus is niet gestopt."))
    if enrollment.subscriber.status != SubscriberStatus.ACTIVE:
        raise NotPossible(_l("Je hebt je afgemeld voor alle e-mail. Meld je opnieuw aan."))
    tz = planner.rhythm_for(enrollment, current.settings()).tz
    stopped = now - (enrollment.stopped_at or now)
    enrollment.started_at = drip.shift_local(enrollment.started_at, stopped, tz)
    lifecycle.rejoin(enrollment, by, now)
    return planner.reschedule(enrollment, now, current.settings())


def set_pace(enrollment: Enrollment, extra_days: int, by: journal.Actor, now: datetime) -> None:
    """Put `extra_days` more days between two lessons (0: the course's own pace)."""
    if not 0 <= extra_days <= MAX_EXTRA_DAYS:
        raise NotPossible(_l("Kies 0 tot en met %(most)s extra dagen.", most=MAX_EXTRA_DAYS))
    enrollment = fresh(enrollment)
    _refuse_if_stopped(enrollment)
    enrollment.extra_days = extra_days
    planner.reschedule(enrollment, now, current.settings())
    detail = f"{extra_days} extra dag(en) tussen de lessen" if extra_days else "gewoon tempo"
    journal.record(enrollment.subscriber, "pace", detail, by, now)


def send_next_now(enrollment: Enrollment, by: journal.Actor, now: datetime) -> Lesson:
    """Queue the next lesson at once; the lessons after it keep their distance from it."""
    enrollment = fresh(enrollment)
    _refuse_if_stopped(enrollment)
    if enrollment.status == EnrollmentStatus.PAUSED:
        raise NotPossible(_l("Je cursus is gepauzeerd. Hervat hem eerst."))
    statuses = planner.lesson_statuses(enrollment.id)
    if any(status in IN_FLIGHT for status in statuses.values()):
        raise NotPossible(_l("Je volgende les is al onderweg."))
    lesson = drip.next_lesson(enrollment.course.lessons, set(statuses))
    if lesson is None:
        raise NotPossible(_l("Je hebt alle lessen al gekregen."))
    lifecycle.reopen(enrollment, now)  # a completed course has this lesson to send after all
    key = planner.lesson_key(enrollment, lesson.id)
    ledger.queue_lesson_now(enrollment, lesson.id, key, now, current.settings())
    tz = planner.rhythm_for(enrollment, current.settings()).tz
    enrollment.started_at = drip.shift_local(now, -timedelta(days=lesson.day), tz)
    enrollment.next_due_at = None  # in flight until the sender records it
    journal.record(enrollment.subscriber, "send_now", f"{lesson.title} nu gevraagd", by, now)
    return lesson


def move_to(enrollment: Enrollment, target: Lesson, by: journal.Actor, now: datetime) -> None:
    """Make `target` the next lesson, at the next send slot (a new round: the lessons
    before it are recorded as skipped in it; earlier rounds stay as history)."""
    enrollment = fresh(enrollment)
    _refuse_if_stopped(enrollment)
    if enrollment.status == EnrollmentStatus.PAUSED:
        planner.shift_past_pause(enrollment, now)
    why = f"moved to lesson {target.slug} by {journal.BY_WHOM[by.kind]}"
    lifecycle.restart(enrollment, by, now, f"verplaatst naar {target.title}", why)
    for lesson in enrollment.course.published_lessons:
        if lesson.order_key < target.order_key:
            _skip(enrollment, lesson, why, now)
    rhythm = planner.rhythm_for(enrollment, current.settings())
    slot = drip.first_slot_at_or_after(now, rhythm)
    enrollment.started_at = drip.shift_local(slot, -timedelta(days=target.day), rhythm.tz)
    enrollment.last_sent_at = None
    planner.reschedule(enrollment, now, current.settings())


def restart(enrollment: Enrollment, by: journal.Actor, now: datetime) -> None:
    """Start the course again from its first lesson, at the next send slot."""
    lessons = enrollment.course.published_lessons
    if not lessons:
        raise NotPossible(_l("Deze cursus heeft (nog) geen lessen."))
    move_to(enrollment, lessons[0], by, now)


def set_rhythm(
    subscriber: Subscriber, send_time: str, zone: str, by: journal.Actor, now: datetime
) -> None:
    """The learner's own send time and time zone, for every course they follow."""
    try:
        parsed = values.parse_send_time(send_time)
    except ValueError:
        raise NotPossible(_l("Kies een tijd als 07:30.")) from None
    if zone not in zones.KNOWN:
        raise NotPossible(_l("Kies een tijdzone uit de lijst."))
    enrollments = [fresh(each) for each in subscriber.enrollments]
    subscriber.send_time, subscriber.timezone = parsed.strftime("%H:%M"), zone
    for enrollment in enrollments:
        planner.reschedule(enrollment, now, current.settings())
    journal.record(subscriber, "rhythm", f"lessen om {subscriber.send_time} ({zone})", by, now)


def _refuse_if_stopped(enrollment: Enrollment) -> None:
    ended = enrollment.status in lifecycle.ENDED or enrollment.status == EnrollmentStatus.PENDING
    if ended or enrollment.subscriber.status != SubscriberStatus.ACTIVE:
        raise NotPossible(_l("Deze cursus loopt niet meer."))


def _skip(enrollment: Enrollment, lesson: Lesson, reason: str, now: datetime) -> None:
    key = planner.lesson_key(enrollment, lesson.id)
    db.session.add(
        Delivery(
            key=key,
            kind=DeliveryKind.LESSON,
            round=enrollment.round,
            subscriber_id=enrollment.subscriber_id,
            course_id=enrollment.course_id,
            enrollment_id=enrollment.id,
            lesson_id=lesson.id,
            status=DeliveryStatus.SKIPPED,
            send_after=now,
            created_at=now,
            message_id=ledger.message_id_for(key, current.settings()),
            last_error=reason,
        )
    )


@dataclass(frozen=True)
class Outlook:
    """A course as a learner sees it coming: plain values, so it survives a rollback (a
    preview applies a change, reads this, and rolls the change back)."""

    status: str
    paused_until: datetime | None
    zone: str
    entries: tuple[timeline.Entry, ...]
    # Each lesson's number in the course (lesson id: 4), so "the next three" read 4 to 6.
    numbers: dict[int, int]


def outlook(enrollment: Enrollment, now: datetime) -> Outlook:
    zone = enrollment.zone
    entries = tuple(upcoming(enrollment, now))
    numbers = lesson_numbers(enrollment.course)
    return Outlook(enrollment.status, enrollment.paused_until, zone, entries, numbers)


def lesson_numbers(course) -> dict[int, int]:
    """Each published lesson's number as the learner counts: 1 for the first."""
    return {lesson.id: n for n, lesson in enumerate(course.published_lessons, 1)}


def upcoming(enrollment: Enrollment, now: datetime) -> list[timeline.Entry]:
    """The lessons still to come with their dates, as the learner will get them.

    During a pause with an end, the dates are those after the pause ends; during a pause
    without one there are no dates yet ("after you resume").
    """
    if enrollment.status == EnrollmentStatus.PAUSED and enrollment.paused_until is not None:
        entries = _after_pause(enrollment)
    else:
        entries = timeline.for_enrollment(enrollment, now)
    return [entry for entry in entries if entry.state in COMING]


COMING = (timeline.State.SCHEDULED, timeline.State.PAUSED, timeline.State.QUEUED)


def _after_pause(enrollment: Enrollment) -> list[timeline.Entry]:
    until = enrollment.paused_until
    rhythm = planner.rhythm_for(enrollment, current.settings())
    shifted = drip.shift_local(
        enrollment.started_at, until - (enrollment.paused_at or until), rhythm.tz
    )
    plan = replace(
        timeline.plan_for(enrollment),
        status=EnrollmentStatus.ACTIVE,
        started_at=shifted,
        next_due_at=None,
    )
    return timeline.project_enrollment(enrollment, plan, until)
