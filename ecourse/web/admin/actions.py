"""What an admin can do to a learner, each recorded as an `Event`.

Every action takes the write lock first and re-reads the enrollment under it (see
`lifecycle.fresh`), so it never overwrites what a worker did a moment earlier.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from ecourse.core import keys
from ecourse.core.db import db
from ecourse.core.models import Delivery, Enrollment, Lesson, Subscriber
from ecourse.core.statuses import SubscriberStatus
from ecourse.engine import ledger, policy
from ecourse.journey import journal, lifecycle
from ecourse.learners import current, pacing, privacy


class ActionRefused(ValueError):
    """The action does not apply in the learner's current state (message in Dutch)."""


def _record(subscriber: Subscriber, action: str, detail: str, admin: str, now: datetime):
    journal.record(subscriber, action, detail, _by(admin), now)


def _by(admin: str) -> journal.Actor:
    return journal.Actor("admin", admin)


def pause(enrollment: Enrollment, admin: str, now: datetime) -> None:
    _refused_as_action(pacing.pause, enrollment, None, _by(admin), now)
    db.session.commit()
    current.engine().settle()


def resume(enrollment: Enrollment, admin: str, now: datetime) -> None:
    """Go on where the learner was: the rest of the course moves by the paused time."""
    _refused_as_action(pacing.resume, enrollment, _by(admin), now)
    db.session.commit()


def _refused_as_action(change, *args):
    try:
        return change(*args)
    except pacing.NotPossible as refused:
        db.session.rollback()
        raise ActionRefused(str(refused)) from None


def resend(enrollment: Enrollment, lesson: Lesson, admin: str, now: datetime) -> None:
    """Queue the lesson again, as a new email with its own Message-ID."""
    enrollment = lifecycle.fresh(enrollment)
    subscriber = enrollment.subscriber
    if subscriber.status != SubscriberStatus.ACTIVE or enrollment.status not in policy.LESSON_GOES:
        raise ActionRefused("Alleen naar een actieve deelnemer kan opnieuw gestuurd worden.")
    earlier = db.session.scalar(
        select(func.count(Delivery.id)).where(
            Delivery.key.startswith(keys.resends_of(enrollment.id), autoescape=True)
        )
    )
    key = keys.resend(enrollment.id, lesson.id, earlier + 1)
    ledger.queue_lesson_now(enrollment, lesson.id, key, now, current.settings())
    _record(subscriber, "resend", f"{lesson.title} opnieuw in de wachtrij", admin, now)
    db.session.commit()


def move_to(enrollment: Enrollment, target: Lesson, admin: str, now: datetime) -> None:
    """Make `target` the learner's next lesson, at their next send slot (a new round)."""
    _refused_as_action(pacing.move_to, enrollment, target, _by(admin), now)
    db.session.commit()


def unsubscribe(subscriber: Subscriber, admin: str, now: datetime) -> None:
    if not lifecycle.unsubscribe(subscriber, "unsubscribed by an admin", _by(admin), now):
        raise ActionRefused("Deze deelnemer is al afgemeld.")
    db.session.commit()
    current.engine().settle()


def erase(subscriber: Subscriber, admin: str, now: datetime) -> None:
    """Remove everything personal; keep the anonymous rows that the counts are made of."""
    if subscriber.status == SubscriberStatus.ERASED:
        raise ActionRefused("Deze deelnemer is al gewist.")
    privacy.erase(subscriber, "erased on request", now)
    _record(subscriber, "erase", "persoonsgegevens gewist", admin, now)
    db.session.commit()
    current.engine().settle()
