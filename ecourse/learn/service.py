"""Learner actions that change state, with `now` passed in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ecourse import recorder
from ecourse.db import db
from ecourse.models import Enrollment, Lesson, Subscriber


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
