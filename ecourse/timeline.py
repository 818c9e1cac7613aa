"""Per subscriber, every lesson with its state: the answer to "why didn't I get lesson 3?".

`project` is pure: given lessons, the enrollment's deliveries and `now`, it says for each
lesson whether it was sent (when, with which Message-ID), is on its way, is scheduled (for
when, in local time), or is skipped (why). `for_enrollment` feeds it from the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ecourse import drip
from ecourse.db import db
from ecourse.models import Delivery, Enrollment, Lesson
from ecourse.planner import rhythm_for


@dataclass(frozen=True)
class Entry:
    lesson: Lesson
    state: str  # sent, sending, queued, scheduled, skipped, failed, not scheduled
    at: datetime | None = None
    detail: str = ""
    message_id: str = ""
    attempts: int = 0

    @property
    def received(self) -> bool:
        return self.state == "sent"


@dataclass(frozen=True)
class Plan:
    """What `project` needs about one enrollment, as plain values."""

    status: str
    started_at: datetime
    last_sent_at: datetime | None
    next_due_at: datetime | None
    rhythm: drip.Rhythm


def project(
    lessons: list, deliveries: dict[int, Delivery], plan: Plan, now: datetime
) -> list[Entry]:
    """The state of every lesson for one enrollment, in course order."""
    live = {lesson_id for lesson_id, d in deliveries.items() if d.status != "cancelled"}
    reached = drip.position(lessons, live)
    projected_last, entries = plan.last_sent_at, []
    for lesson in sorted(lessons, key=drip.order_key):
        delivery = deliveries.get(lesson.id)
        if delivery is not None and delivery.status != "cancelled":
            entries.append(_from_delivery(lesson, delivery))
            continue
        reason = drip.skip_reason(lesson, reached)
        if reason:
            entries.append(Entry(lesson, "skipped", detail=reason))
        elif plan.status == "stopped":
            why = f"not sent: {delivery.last_error}" if delivery else "the course was stopped"
            entries.append(Entry(lesson, "not scheduled", detail=why))
        else:
            due = drip.due_at(plan.started_at, lesson.day, projected_last, plan.rhythm)
            if projected_last == plan.last_sent_at and plan.next_due_at is not None:
                due = plan.next_due_at  # the stored time is what the planner will act on
            projected_last = max(due, now)
            entries.append(Entry(lesson, "scheduled", at=projected_last))
    return entries


def _from_delivery(lesson: Lesson, delivery: Delivery) -> Entry:
    at = delivery.sent_at if delivery.status == "sent" else delivery.send_after
    return Entry(
        lesson,
        delivery.status,
        at=at,
        detail=delivery.last_error,
        message_id=delivery.message_id,
        attempts=delivery.attempts,
    )


def for_enrollment(enrollment: Enrollment, now: datetime) -> list[Entry]:
    deliveries = db.session.scalars(
        select(Delivery)
        .where(Delivery.enrollment_id == enrollment.id, Delivery.kind == "lesson")
        .order_by(Delivery.id)
    )
    by_lesson = {delivery.lesson_id: delivery for delivery in deliveries}
    plan = Plan(
        status=enrollment.status,
        started_at=enrollment.started_at,
        last_sent_at=enrollment.last_sent_at,
        next_due_at=enrollment.next_due_at,
        rhythm=rhythm_for(enrollment),
    )
    return project(list(enrollment.course.lessons), by_lesson, plan, now)
