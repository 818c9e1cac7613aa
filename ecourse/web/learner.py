"""Learner actions that change state, with `now` passed in."""

from __future__ import annotations

from datetime import datetime

from flask import session
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from ecourse.core.db import db
from ecourse.core.models import Course, Delivery, Enrollment, Lesson, Progress, Subscriber
from ecourse.core.statuses import DeliveryKind, DeliveryStatus, SubscriberStatus
from ecourse.journey import journal, lifecycle
from ecourse.learners import current


def subscriber_by_public_id(public_id: str | None) -> Subscriber | None:
    if not public_id:
        return None
    return db.session.scalar(select(Subscriber).where(Subscriber.public_id == public_id))


def learner(public_id: str | None) -> Subscriber | None:
    """The learner a link or a session names; an erased person is nobody any more, so an
    old link can neither show their pages nor act for them."""
    subscriber = subscriber_by_public_id(public_id)
    return (
        None if subscriber is None or subscriber.status == SubscriberStatus.ERASED else subscriber
    )


def current_learner() -> Subscriber | None:
    """The learner whose session this is (set by a lesson or preferences link)."""
    return learner(session.get("learner"))


def unsubscribe(subscriber: Subscriber, now: datetime) -> bool:
    """Stop all mail at once; say whether anything changed (repeating it is harmless)."""
    changed = lifecycle.unsubscribe(
        subscriber, "unsubscribed by the subscriber", journal.LEARNER, now
    )
    db.session.commit()
    current.engine().settle()
    return changed


def stop_course(subscriber: Subscriber, course: Course | None, now: datetime) -> bool:
    """Stop one course (every course, for `None`): its lessons end at once, the address
    and the other courses stay. Say whether anything changed (repeating it is harmless)."""
    changed = False
    for enrollment in subscriber.enrollments:
        if course is None or enrollment.course_id == course.id:
            changed |= lifecycle.stop(enrollment, journal.LEARNER, now)
    db.session.commit()
    current.engine().settle()
    return changed


def course_stopped(subscriber: Subscriber, course: Course | None) -> bool:
    enrollments = [e for e in subscriber.enrollments if course is None or e.course_id == course.id]
    return bool(enrollments) and all(e.status in lifecycle.ENDED for e in enrollments)


def enrollment_for(subscriber: Subscriber, lesson: Lesson) -> Enrollment | None:
    return next((e for e in subscriber.enrollments if e.course_id == lesson.course_id), None)


def received(enrollment: Enrollment, lesson: Lesson) -> bool:
    """Whether this lesson reached this learner (in any round): one indexed look-up. A
    lesson being handed over counts: the relay may deliver it, and the learner click its
    link, before the pass has recorded the relay's answer."""
    found = db.session.scalar(
        select(Delivery.id)
        .where(
            Delivery.enrollment_id == enrollment.id,
            Delivery.lesson_id == lesson.id,
            Delivery.kind == DeliveryKind.LESSON,
            Delivery.status.in_((DeliveryStatus.SENT, DeliveryStatus.SENDING)),
        )
        .limit(1)
    )
    return found is not None


def progress_for(enrollment: Enrollment, lesson: Lesson) -> Progress | None:
    return db.session.scalar(
        select(Progress).where(
            Progress.enrollment_id == enrollment.id, Progress.lesson_id == lesson.id
        )
    )


def record_opened(enrollment: Enrollment, lesson: Lesson, now: datetime) -> Progress:
    """Count the learner's first visit to a lesson page (the funnel's "opened")."""
    progress = progress_for(enrollment, lesson)
    if progress is None:
        progress = Progress(enrollment_id=enrollment.id, lesson_id=lesson.id, opened_at=now)
        db.session.add(progress)
        try:
            db.session.commit()
        except IntegrityError:  # the same learner in two tabs at once: one row is enough
            db.session.rollback()
            progress = progress_for(enrollment, lesson)
    return progress


def record_exercise_done(enrollment: Enrollment, lesson: Lesson, now: datetime) -> Progress:
    progress = record_opened(enrollment, lesson, now)
    if progress.exercise_done_at is None:
        progress.exercise_done_at = now
        db.session.commit()
    return progress


# The columns a check-in may change: the learner's own tension scores and private note.
CHECKIN_COLUMNS = ("tension_before", "tension_after", "note")


def record_checkin(
    enrollment: Enrollment, lesson: Lesson, changes: dict[str, int | str | None], now: datetime
) -> Progress:
    """Save the learner's own check-in; a column missing from `changes` keeps its value.

    A form that leaves a field out (an unchosen score) keeps its saved value.
    """
    unknown = set(changes) - set(CHECKIN_COLUMNS)
    if unknown:
        raise ValueError(f"not check-in columns: {sorted(unknown)}")
    progress = record_opened(enrollment, lesson, now)
    for column, value in changes.items():
        setattr(progress, column, value)
    progress.checked_in_at = now
    db.session.commit()
    return progress


def checkins(enrollment: Enrollment) -> list[tuple[Lesson, Progress]]:
    """The learner's check-ins with a tension score, in course order (lessons without any
    are left out)."""
    rows = db.session.execute(
        select(Lesson, Progress)
        .join(Progress, Progress.lesson_id == Lesson.id)
        .where(
            Progress.enrollment_id == enrollment.id,
            or_(Progress.tension_before.is_not(None), Progress.tension_after.is_not(None)),
        )
    ).all()
    return sorted((tuple(row) for row in rows), key=lambda row: row[0].order_key)
