"""Learner actions that change state, with `now` passed in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ecourse import recorder
from ecourse.db import db
from ecourse.models import Enrollment, Lesson, Progress, Subscriber


def subscriber_by_public_id(public_id: str | None) -> Subscriber | None:
    if not public_id:
        return None
    return db.session.scalar(select(Subscriber).where(Subscriber.public_id == public_id))


def unsubscribe(subscriber: Subscriber, now: datetime) -> bool:
    """Stop all mail at once; say whether anything changed (repeating it is harmless)."""
    if subscriber.status == "unsubscribed":
        return False
    subscriber.unsubscribed_at = now
    recorder.suppress(subscriber, "unsubscribed", "unsubscribed by the subscriber", now)
    db.session.commit()
    return True


def enrollment_for(subscriber: Subscriber, lesson: Lesson) -> Enrollment | None:
    return next((e for e in subscriber.enrollments if e.course_id == lesson.course_id), None)


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


def record_exercise_done(enrollment: Enrollment, lesson: Lesson, now: datetime) -> None:
    progress = record_opened(enrollment, lesson, now)
    if progress.exercise_done_at is None:
        progress.exercise_done_at = now
        db.session.commit()
