"""Per subscriber, every lesson with its state: the answer to "why didn't I get lesson 3?".

`project` is pure: given lessons, the enrollment's deliveries and `now`, it says for each
lesson whether it was sent (when, with which Message-ID), is on its way, is scheduled (for
when, in local time), or is skipped (why). `for_enrollment` feeds it from the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Delivery, Enrollment, Lesson
from ecourse.core.statuses import DeliveryKind, DeliveryStatus, EnrollmentStatus
from ecourse.engine import drip
from ecourse.engine.planner import rhythm_for
from ecourse.learners import current

ENDED = (EnrollmentStatus.STOPPED, EnrollmentStatus.BOUNCED, EnrollmentStatus.ERASED)


class State(StrEnum):
    """Where one lesson stands for one learner: its delivery's status once it has one."""

    SENT = DeliveryStatus.SENT
    SENDING = DeliveryStatus.SENDING
    QUEUED = DeliveryStatus.QUEUED
    FAILED = DeliveryStatus.FAILED
    SCHEDULED = "scheduled"
    SKIPPED = "skipped"
    PAUSED = "paused"
    NOT_SCHEDULED = "not scheduled"


@dataclass(frozen=True)
class Entry:
    lesson: Lesson
    state: State
    at: datetime | None = None
    detail: str = ""
    message_id: str = ""
    attempts: int = 0
    # Behind the learner's place when it was added or moved: skipped or sent by the
    # admin's rule (see LessonChange).
    late: bool = False

    @property
    def received(self) -> bool:
        return self.state == State.SENT


@dataclass(frozen=True)
class Plan:
    """What `project` needs about one enrollment, as plain values."""

    status: str
    started_at: datetime
    last_sent_at: datetime | None
    next_due_at: datetime | None
    rhythm: drip.Rhythm
    paused_until: datetime | None = None


def project(
    lessons: list, deliveries: dict[int, Delivery], plan: Plan, now: datetime
) -> list[Entry]:
    """The state of every lesson for one enrollment, in course order."""
    live = {
        lesson_id for lesson_id, d in deliveries.items() if d.status != DeliveryStatus.CANCELLED
    }
    reached = drip.position(lessons, live)
    arrived_late = _arrived_late(lessons, deliveries)
    entries = {}
    for lesson in lessons:
        delivery = deliveries.get(lesson.id)
        late = drip.is_late(lesson, reached)
        if delivery is not None and delivery.status != DeliveryStatus.CANCELLED:
            entries[lesson.id] = _from_delivery(lesson, delivery, lesson.id in arrived_late)
        elif reason := drip.skip_reason(lesson, reached):
            entries[lesson.id] = Entry(lesson, State.SKIPPED, detail=reason, late=late)
        elif plan.status in ENDED:
            why = f"not sent: {delivery.last_error}" if delivery else "the course was stopped"
            entries[lesson.id] = Entry(lesson, State.NOT_SCHEDULED, detail=why)
        elif plan.status == EnrollmentStatus.PENDING:
            entries[lesson.id] = Entry(lesson, State.NOT_SCHEDULED, detail="not confirmed")
        elif plan.status == EnrollmentStatus.PAUSED:
            entries[lesson.id] = Entry(lesson, State.PAUSED, at=plan.paused_until, late=late)
    entries |= _scheduled(lessons, live, entries, plan, now)
    return [entries[lesson.id] for lesson in sorted(lessons, key=drip.order_key)]


def _scheduled(lessons, live, placed, plan: Plan, now: datetime) -> dict[int, Entry]:
    """The lessons still to come, with their times, placed in the order they will be sent."""
    reached = drip.position(lessons, live)
    projected_last, found = plan.last_sent_at, {}
    previous_day = reached[0] if reached else None
    for lesson in drip.send_order(lessons, live):
        if lesson.id in placed:
            continue
        due = drip.lesson_due_at(lesson, plan.started_at, projected_last, plan.rhythm, previous_day)
        if not found and plan.next_due_at is not None:
            due = plan.next_due_at  # the stored time is what the planner will act on
        projected_last, previous_day = max(due, now), lesson.day
        late = drip.is_late(lesson, reached)
        found[lesson.id] = Entry(lesson, State.SCHEDULED, at=projected_last, late=late)
    return found


def _arrived_late(lessons, deliveries: dict[int, Delivery]) -> set[int]:
    """Lessons whose delivery came after one for a later lesson (added or moved behind)."""
    keys = {lesson.id: drip.order_key(lesson) for lesson in lessons}
    furthest, late = None, set()
    handled = [
        d
        for d in deliveries.values()
        if d.status != DeliveryStatus.CANCELLED and d.lesson_id in keys
    ]
    for delivery in sorted(handled, key=lambda d: d.id or 0):
        key = keys[delivery.lesson_id]
        if furthest is not None and key < furthest:
            late.add(delivery.lesson_id)
        furthest = key if furthest is None else max(furthest, key)
    return late


def _from_delivery(lesson: Lesson, delivery: Delivery, late: bool = False) -> Entry:
    at = delivery.sent_at if delivery.status == DeliveryStatus.SENT else delivery.send_after
    return Entry(
        lesson,
        State(delivery.status),
        at=at,
        detail=delivery.last_error,
        message_id=delivery.message_id,
        attempts=delivery.attempts,
        late=late,
    )


def for_enrollment(enrollment: Enrollment, now: datetime) -> list[Entry]:
    return project_enrollment(enrollment, plan_for(enrollment), now)


def plan_for(enrollment: Enrollment) -> Plan:
    return Plan(
        status=enrollment.status,
        started_at=enrollment.started_at,
        last_sent_at=enrollment.last_sent_at,
        next_due_at=enrollment.next_due_at,
        rhythm=rhythm_for(enrollment, current.settings()),
        paused_until=enrollment.paused_until,
    )


def project_enrollment(enrollment: Enrollment, plan: Plan, now: datetime) -> list[Entry]:
    """`project` for this enrollment's deliveries in its current round, under `plan`."""
    deliveries = db.session.scalars(
        select(Delivery)
        .where(
            Delivery.enrollment_id == enrollment.id,
            Delivery.kind == DeliveryKind.LESSON,
            Delivery.round == enrollment.round,
        )
        .order_by(Delivery.id)
    )
    by_lesson = {delivery.lesson_id: delivery for delivery in deliveries}
    return project(list(enrollment.course.lessons), by_lesson, plan, now)
