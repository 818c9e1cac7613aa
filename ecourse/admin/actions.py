"""What an admin can do to a learner, each recorded as an `AdminEvent`.

Every action takes the write lock first and re-reads the enrollment under it (see
`planner.locked`), so it never overwrites what a worker did a moment earlier.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from ecourse import drip, ledger, planner, privacy, recorder
from ecourse.db import db
from ecourse.models import AdminEvent, Delivery, Enrollment, Lesson, Subscriber


class ActionRefused(ValueError):
    """The action does not apply in the learner's current state (message in Dutch)."""


def _record(subscriber: Subscriber, action: str, detail: str, admin: str, now: datetime):
    db.session.add(
        AdminEvent(
            at=now, admin_email=admin, subscriber_id=subscriber.id, action=action, detail=detail
        )
    )


def _fresh(enrollment: Enrollment) -> Enrollment:
    return planner.locked(select(Enrollment).where(Enrollment.id == enrollment.id))[0]


def _cancel_queued_lessons(enrollment: Enrollment, reason: str) -> None:
    db.session.execute(
        update(Delivery)
        .where(Delivery.enrollment_id == enrollment.id, Delivery.status == "queued")
        .values(status="cancelled", last_error=reason)
        .execution_options(synchronize_session=False)
    )


def pause(enrollment: Enrollment, admin: str, now: datetime) -> None:
    enrollment = _fresh(enrollment)
    if enrollment.status != "active":
        raise ActionRefused("Alleen een lopende cursus kan gepauzeerd worden.")
    enrollment.status, enrollment.paused_at, enrollment.paused_until = "paused", now, None
    enrollment.next_due_at = None
    _cancel_queued_lessons(enrollment, "paused by an admin")
    _record(enrollment.subscriber, "pause", "gepauzeerd tot hervatten", admin, now)
    db.session.commit()


def resume(enrollment: Enrollment, admin: str, now: datetime) -> None:
    """Go on where the learner was: the rest of the course moves by the paused time."""
    enrollment = _fresh(enrollment)
    if enrollment.status != "paused":
        raise ActionRefused("Deze cursus is niet gepauzeerd.")
    enrollment.started_at += now - (enrollment.paused_at or now)
    enrollment.status, enrollment.paused_at, enrollment.paused_until = "active", None, None
    lesson = planner.reschedule(enrollment, now)
    detail = f"hervat; volgende les: {lesson.title}" if lesson else "hervat"
    _record(enrollment.subscriber, "resume", detail, admin, now)
    db.session.commit()


def resend(enrollment: Enrollment, lesson: Lesson, admin: str, now: datetime) -> None:
    """Queue the lesson again, as a new email with its own Message-ID."""
    subscriber = enrollment.subscriber
    if subscriber.status != "active" or enrollment.status == "stopped":
        raise ActionRefused("Alleen naar een actieve deelnemer kan opnieuw gestuurd worden.")
    planner.locked(select(Enrollment).where(Enrollment.id == enrollment.id))
    earlier = db.session.scalar(
        select(func.count(Delivery.id)).where(Delivery.key.like(f"resend:{enrollment.id}:%"))
    )
    ledger.queue(
        key=f"resend:{enrollment.id}:{lesson.id}:{earlier + 1}",
        kind="lesson",
        subscriber_id=subscriber.id,
        enrollment_id=enrollment.id,
        lesson_id=lesson.id,
        round=enrollment.round,
        now=now,
        send_after=now,
    )
    _record(subscriber, "resend", f"{lesson.title} opnieuw in de wachtrij", admin, now)
    db.session.commit()


def move_to(enrollment: Enrollment, target: Lesson, admin: str, now: datetime) -> None:
    """Make `target` the learner's next lesson, at their next send slot.

    Starts a new round: the lessons before the target are recorded as skipped in it, and
    the deliveries of earlier rounds stay as history.
    """
    enrollment = _fresh(enrollment)
    if enrollment.status == "stopped" or enrollment.subscriber.status != "active":
        raise ActionRefused("Deze deelnemer krijgt geen lessen meer; verplaatsen kan niet.")
    _cancel_queued_lessons(enrollment, f"moved to {target.slug} by an admin")
    enrollment.round += 1
    for lesson in enrollment.course.published_lessons:
        if lesson.order_key < target.order_key:
            _skip(enrollment, lesson, f"moved to lesson {target.slug} by an admin", now)
    rhythm = planner.rhythm_for(enrollment)
    slot = drip.first_slot_at_or_after(now, rhythm)
    enrollment.started_at = slot - timedelta(days=target.day)
    enrollment.last_sent_at, enrollment.completed_at = None, None
    if enrollment.status == "completed":
        enrollment.status = "active"
    planner.reschedule(enrollment, now)
    _record(enrollment.subscriber, "move", f"verplaatst naar {target.title}", admin, now)
    db.session.commit()


def _skip(enrollment: Enrollment, lesson: Lesson, reason: str, now: datetime) -> None:
    key = planner.lesson_key(enrollment, lesson.id)
    db.session.add(
        Delivery(
            key=key,
            kind="lesson",
            round=enrollment.round,
            subscriber_id=enrollment.subscriber_id,
            enrollment_id=enrollment.id,
            lesson_id=lesson.id,
            status="skipped",
            send_after=now,
            created_at=now,
            message_id=ledger.message_id_for(key),
            last_error=reason,
        )
    )


def unsubscribe(subscriber: Subscriber, admin: str, now: datetime) -> None:
    if subscriber.status in ("unsubscribed", "erased"):
        raise ActionRefused("Deze deelnemer is al afgemeld.")
    subscriber.unsubscribed_at = now
    recorder.suppress(subscriber, "unsubscribed", "unsubscribed by an admin", now)
    _record(subscriber, "unsubscribe", "afgemeld door beheer", admin, now)
    db.session.commit()


def erase(subscriber: Subscriber, admin: str, now: datetime) -> None:
    """Remove everything personal; keep the anonymous rows that the counts are made of."""
    if subscriber.status == "erased":
        raise ActionRefused("Deze deelnemer is al gewist.")
    privacy.erase(subscriber, "erased on request", now)
    _record(subscriber, "erase", "persoonsgegevens gewist", admin, now)
    db.session.commit()
