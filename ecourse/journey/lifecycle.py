"""The one owner of a learner's journey: every status change of a subscriber or of an
enrollment is a transition here, and nowhere else.

Each transition checks that it is allowed from the current status (`MOVES`), works on rows
read afresh under a lock (`fresh`), cancels mail that may no longer go, and writes one
event to the journal. Dates and lessons are not its business: the planner and pacing
compute those around the transitions they ask for. Nothing here commits.

An enrollment's statuses (`EnrollmentStatus`): pending (signed up, not confirmed), active,
paused, completed, stopped, bounced, erased. A subscriber's (`SubscriberStatus`) say
whether the address may be mailed at all: pending, active, unsubscribed, bounced, erased.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.orm import selectinload

from ecourse.core.db import db, take_write_lock
from ecourse.core.models import Consent, Course, Delivery, Enrollment, Subscriber
from ecourse.core.statuses import (
    DeliveryKind,
    DeliveryStatus,
    EnrollmentStatus,
    SubscriberStatus,
)
from ecourse.journey import journal
from ecourse.journey.journal import Actor

Status = EnrollmentStatus
ENDED = frozenset({Status.STOPPED, Status.BOUNCED, Status.ERASED})
# Where an enrollment may go from each status. Staying is a move too where it means
# something: a new pause replaces the old one, and a restart begins a new round.
MOVES: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.ACTIVE, Status.STOPPED, Status.BOUNCED, Status.ERASED}),
    Status.ACTIVE: frozenset(
        {Status.ACTIVE, Status.PAUSED, Status.COMPLETED, Status.STOPPED}
        | {Status.BOUNCED, Status.ERASED}
    ),
    Status.PAUSED: frozenset(
        {Status.ACTIVE, Status.PAUSED, Status.STOPPED, Status.BOUNCED, Status.ERASED}
    ),
    Status.COMPLETED: frozenset({Status.ACTIVE, Status.STOPPED, Status.BOUNCED, Status.ERASED}),
    Status.STOPPED: frozenset({Status.ACTIVE, Status.BOUNCED, Status.ERASED}),
    Status.BOUNCED: frozenset({Status.ACTIVE, Status.ERASED}),
    Status.ERASED: frozenset(),
}


class NotAllowed(ValueError):
    """A transition the journey does not allow (a programming error, or a stale page)."""


def locked(query, skip_locked: bool = False) -> list[Enrollment]:
    """Enrollments read fresh under a lock, ready to change.

    SQLite: the database's write lock first (see `take_write_lock`). PostgreSQL: the rows
    themselves (`FOR UPDATE`; with `skip_locked`, rows another worker holds are left out).
    """
    take_write_lock()
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=skip_locked, of=Enrollment)
    query = query.options(selectinload(Enrollment.subscriber)).execution_options(
        populate_existing=True
    )
    return list(db.session.scalars(query))


def fresh(enrollment: Enrollment) -> Enrollment:
    """The enrollment read again under its lock, with its subscriber row locked too."""
    found = locked(select(Enrollment).where(Enrollment.id == enrollment.id))[0]
    _lock_subscriber(found.subscriber_id)
    return found


def _lock_subscriber(subscriber_id: int) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            select(Subscriber.id).where(Subscriber.id == subscriber_id).with_for_update()
        )


def _move(enrollment: Enrollment, to: Status, now: datetime) -> Status:
    """Set the status, or refuse; return the one it had."""
    before = Status(enrollment.status)
    if to not in MOVES[before]:
        raise NotAllowed(f"enrollment {enrollment.id}: {before} cannot become {to}")
    enrollment.status = to
    if to in ENDED:
        enrollment.next_due_at = None
        enrollment.stopped_at = enrollment.stopped_at if before in ENDED else now
    elif to == Status.ACTIVE:  # a course under way again has not been completed (yet)
        enrollment.stopped_at = enrollment.paused_at = enrollment.paused_until = None
        enrollment.completed_at = None
    if to == Status.COMPLETED:
        enrollment.completed_at = enrollment.completed_at or now
    return before


# Sign-ups


def open_for(subscriber: Subscriber, course: Course, now: datetime) -> Enrollment:
    """The subscriber's enrollment in `course`: the one there is, untouched, or a new
    pending one for a sign-up that waits for confirmation."""
    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.subscriber_id == subscriber.id, Enrollment.course_id == course.id
        )
    )
    if enrollment is None:
        enrollment = Enrollment(
            subscriber=subscriber, course=course, status=Status.PENDING, started_at=now
        )
        db.session.add(enrollment)
        db.session.flush()
    return enrollment


def confirm(consent: Consent, now: datetime) -> tuple[Enrollment, Status] | None:
    """Confirm one sign-up: the person becomes active with what it asked for (name, time
    zone, language), and its course, and only its course, starts or starts again.

    Returns the enrollment, with the status it had, when it (re)started, for the caller to
    plan its first lesson; None when its course was already under way.
    """
    enrollment = fresh(consent.enrollment)
    subscriber = consent.subscriber
    if not is_open(consent):
        return None  # a link used again, or one from before the course ended: no change
    consent.confirmed_at = now
    _close_sign_ups(enrollment)
    _take_what_it_asked(subscriber, consent)
    if subscriber.status != SubscriberStatus.ACTIVE:
        subscriber.status = SubscriberStatus.ACTIVE
        subscriber.confirmed_at = subscriber.confirmed_at or now
        subscriber.unsubscribed_at, subscriber.suppressed_reason = None, ""
    if enrollment.status not in (Status.PENDING, *ENDED - {Status.ERASED}):
        return None
    before = _move(enrollment, Status.ACTIVE, now)
    action = "confirm" if before == Status.PENDING else "rejoin"
    detail = f"aanmelding bevestigd: {enrollment.course.title}"
    if before != Status.PENDING:
        detail = f"opnieuw aangemeld en bevestigd: {enrollment.course.title}"
    journal.record(subscriber, action, detail, journal.LEARNER, now)
    return enrollment, before


def is_open(consent: Consent) -> bool:
    """Whether a sign-up still waits for its confirmation: not confirmed, and made after
    its course last ended (an unsubscribe or a bounce answers the sign-ups before it)."""
    if consent.confirmed_at is not None or consent.enrollment is None:
        return False
    return made_after_end(consent.created_at, consent.enrollment)


def made_after_end(moment: datetime, enrollment: Enrollment) -> bool:
    ended = enrollment.stopped_at if enrollment.status in ENDED else None
    return enrollment.status != Status.ERASED and (ended is None or moment > ended)


def _close_sign_ups(enrollment: Enrollment) -> None:
    """Every open sign-up for this course is answered: no reminders, nothing to forget."""
    db.session.execute(
        update(Consent)
        .where(Consent.enrollment_id == enrollment.id)
        .values(remind_at=None, forget_at=None)
        .execution_options(synchronize_session="fetch")
    )


def _take_what_it_asked(subscriber: Subscriber, consent: Consent) -> None:
    subscriber.first_name = consent.first_name or subscriber.first_name
    subscriber.timezone = consent.timezone or subscriber.timezone
    subscriber.language = subscriber.language or consent.language


# A course's own course


def pause(enrollment: Enrollment, until: datetime | None, by: Actor, now: datetime, detail: str):
    """Pause (again) until `until`, or until resumed; queued lessons wait with it."""
    _move(enrollment, Status.PAUSED, now)
    enrollment.paused_at, enrollment.paused_until = now, until
    enrollment.next_due_at = until
    _cancel_queued_lessons(enrollment, f"paused by {journal.BY_WHOM[by.kind]}")
    journal.record(enrollment.subscriber, "pause", detail, by, now)


def resume(enrollment: Enrollment, by: Actor, now: datetime, detail: str) -> None:
    _move(enrollment, Status.ACTIVE, now)
    journal.record(enrollment.subscriber, "resume", detail, by, now)


def complete(enrollment: Enrollment, now: datetime) -> None:
    """Every lesson is handled (the planner found nothing left to send)."""
    if enrollment.status != Status.COMPLETED:
        _move(enrollment, Status.COMPLETED, now)
        detail = f"alle lessen gehad: {enrollment.course.title}"
        journal.record(enrollment.subscriber, "complete", detail, journal.SYSTEM, now)


def reopen(enrollment: Enrollment, now: datetime) -> None:
    """A completed course has a lesson to send again (one added later, or a resend); its
    follow-up waits for the new last lesson (the planner makes a new one then)."""
    if enrollment.status == Status.COMPLETED:
        _move(enrollment, Status.ACTIVE, now)
        follow_ups = and_(
            Delivery.enrollment_id == enrollment.id, Delivery.kind == DeliveryKind.FOLLOW_UP
        )
        _cancel(follow_ups, "course reopened")
        detail = f"nieuwe les voor wie klaar was: {enrollment.course.title}"
        journal.record(enrollment.subscriber, "reopen", detail, journal.SYSTEM, now)


def restart(enrollment: Enrollment, by: Actor, now: datetime, detail: str, why: str) -> None:
    """A new round from another lesson (moved, or started over): active again, and what
    was queued in the old round is cancelled (`why`)."""
    _move(enrollment, Status.ACTIVE, now)
    enrollment.round += 1
    _cancel_queued_lessons(enrollment, why)
    journal.record(enrollment.subscriber, "move", detail, by, now)


def stop(enrollment: Enrollment, by: Actor, now: datetime) -> bool:
    """Stop one course; the person's other courses and address stay. Say whether it changed."""
    enrollment = fresh(enrollment)
    if enrollment.status in ENDED:
        return False
    _move(enrollment, Status.STOPPED, now)
    _cancel_queued_lessons(enrollment, f"course stopped by {journal.BY_WHOM[by.kind]}")
    detail = f"gestopt met {enrollment.course.title}"
    journal.record(enrollment.subscriber, "stop_course", detail, by, now)
    return True


def rejoin(enrollment: Enrollment, by: Actor, now: datetime) -> None:
    """A stopped course goes on, asked for by its learner; only while the address may be
    mailed (after an unsubscribe from all mail, only a new, confirmed sign-up brings it back)."""
    if enrollment.status != Status.STOPPED:
        raise NotAllowed(f"enrollment {enrollment.id}: only a stopped course goes on")
    if enrollment.subscriber.status != SubscriberStatus.ACTIVE:
        raise NotAllowed(f"enrollment {enrollment.id}: the address may not be mailed")
    _move(enrollment, Status.ACTIVE, now)
    detail = f"verder met {enrollment.course.title}"
    journal.record(enrollment.subscriber, "rejoin", detail, by, now)


# The person


def unsubscribe(subscriber: Subscriber, reason: str, by: Actor, now: datetime) -> bool:
    """No more mail at all (asked for, or marked as spam): every course stops."""
    if subscriber.status in (SubscriberStatus.UNSUBSCRIBED, SubscriberStatus.ERASED):
        return False
    _end_everything(subscriber, SubscriberStatus.UNSUBSCRIBED, Status.STOPPED, reason, now)
    subscriber.unsubscribed_at = now
    journal.record(subscriber, "unsubscribe", _unsubscribe_detail(by), by, now)
    return True


def _unsubscribe_detail(by: Actor) -> str:
    return {"admin": "afgemeld door beheer", "system": "afgemeld na een klacht"}.get(
        by.kind, "afgemeld door de deelnemer"
    )


def bounce(subscriber: Subscriber, reason: str, now: datetime) -> None:
    """The address refuses mail for good: every course ends, marked as bounced."""
    if subscriber.status in (SubscriberStatus.BOUNCED, SubscriberStatus.ERASED):
        return
    _end_everything(subscriber, SubscriberStatus.BOUNCED, Status.BOUNCED, reason, now)
    journal.record(subscriber, "bounce", "adres weigert mail", journal.SYSTEM, now)


def erase(subscriber: Subscriber, reason: str, now: datetime) -> None:
    """The person is erased (the caller removes the data and records why)."""
    _end_everything(subscriber, SubscriberStatus.ERASED, Status.ERASED, reason, now)


def _end_everything(
    subscriber: Subscriber, person: SubscriberStatus, course: Status, reason: str, now: datetime
) -> None:
    enrollments = locked(select(Enrollment).where(Enrollment.subscriber_id == subscriber.id))
    _lock_subscriber(subscriber.id)
    subscriber.status, subscriber.suppressed_reason = person, reason
    for enrollment in enrollments:
        if course in MOVES[Status(enrollment.status)]:
            _move(enrollment, course, now)
    _cancel(Delivery.subscriber_id == subscriber.id, str(person))
    for consent in subscriber.consents:
        consent.remind_at = None


def _cancel_queued_lessons(enrollment: Enrollment, reason: str) -> None:
    _cancel(Delivery.enrollment_id == enrollment.id, reason)


def _cancel(whose, reason: str) -> int:
    """Cancel what has not been handed to a relay yet; the send check holds back the rest."""
    result = db.session.execute(
        update(Delivery)
        .where(whose, Delivery.status == DeliveryStatus.QUEUED)
        .values(status=DeliveryStatus.CANCELLED, last_error=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
