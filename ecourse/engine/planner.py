"""Planning: turn enrollments whose time has come into queued lesson deliveries.

Reads only enrollments whose indexed `next_due_at` has passed, so a pass with nothing due
costs one index probe however many subscribers there are; and works in batches (one query
for the delivery states of a whole batch, one statement for its queue rows), so a pass costs
in proportion to what is due.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ecourse.content import values
from ecourse.core import keys
from ecourse.core.db import db
from ecourse.core.models import Delivery, Enrollment, Lesson
from ecourse.core.statuses import (
    IN_FLIGHT,
    LIVE_ENROLLMENT,
    DeliveryKind,
    DeliveryStatus,
    EnrollmentStatus,
)
from ecourse.engine import drip, followups, ledger
from ecourse.engine.settings import EngineSettings
from ecourse.journey import journal, lifecycle


@dataclass
class PlanReport:
    queued: int = 0
    completed: int = 0
    waiting: int = 0
    resumed: int = 0


@lru_cache(maxsize=256)
def _rhythm(
    zone: str, send_time: str, skip_weekdays: str, gap_hours: float, extra_days: int = 0
) -> drip.Rhythm:
    names = [name for name in skip_weekdays.split(",") if name]
    return drip.Rhythm(
        tz=ZoneInfo(zone),
        send_time=values.parse_send_time(send_time),
        skip_weekdays=values.parse_weekdays(names),
        min_gap=timedelta(hours=gap_hours),
        extra_days=extra_days,
    )


def rhythm_for(enrollment: Enrollment, settings: EngineSettings) -> drip.Rhythm:
    """The course's skipped weekdays, with the learner's own time zone, send time and pace
    where they chose one (the course's otherwise)."""
    course, subscriber = enrollment.course, enrollment.subscriber
    send_time = subscriber.send_time or course.send_time
    gap = settings.min_gap.total_seconds() / 3600
    extra = enrollment.extra_days or 0
    return _rhythm(zone_of(enrollment), send_time, course.skip_weekdays, gap, extra)


def zone_of(enrollment: Enrollment) -> str:
    """The learner's own time zone, or the course's."""
    return enrollment.zone


def statuses_for(enrollment_ids: Iterable[int]) -> dict[int, dict[int, str]]:
    """Per enrollment: lesson id → delivery status, in the enrollment's current round
    (cancelled rows do not count)."""
    ids = list(enrollment_ids)
    found: dict[int, dict[int, str]] = defaultdict(dict)
    for start in range(0, len(ids), 900):  # keep under SQLite's bound-parameter limit
        rows = db.session.execute(
            select(Delivery.enrollment_id, Delivery.lesson_id, Delivery.status)
            .join(Enrollment, Enrollment.id == Delivery.enrollment_id)
            .where(
                Delivery.enrollment_id.in_(ids[start : start + 900]),
                Delivery.kind == DeliveryKind.LESSON,
                Delivery.status != DeliveryStatus.CANCELLED,
                Delivery.round == Enrollment.round,
            )
        )
        for enrollment_id, lesson_id, status in rows:
            found[enrollment_id][lesson_id] = status
    return found


def lesson_statuses(enrollment_id: int) -> dict[int, str]:
    return statuses_for([enrollment_id]).get(enrollment_id, {})


def reschedule(
    enrollment: Enrollment,
    now: datetime,
    settings: EngineSettings,
    statuses: dict[int, str] | None = None,
) -> Lesson | None:
    """Set `next_due_at` from the rules; return the next lesson, if any.

    While a lesson is in flight the enrollment waits (NULL) for the sender to record it; a
    pause with an end waits for that end, when a pass resumes it (`plan_due`).
    """
    if enrollment.status not in (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED):
        paused = enrollment.status == EnrollmentStatus.PAUSED
        enrollment.next_due_at = enrollment.paused_until if paused else None
        return None
    statuses = lesson_statuses(enrollment.id) if statuses is None else statuses
    if any(status in IN_FLIGHT for status in statuses.values()):
        enrollment.next_due_at = None
        return None
    lessons = enrollment.course.lessons
    lesson = drip.next_lesson(lessons, set(statuses))
    if lesson is None:
        lifecycle.complete(enrollment, now)
        enrollment.next_due_at = None
        followups.plan(enrollment, statuses, rhythm_for(enrollment, settings), now, settings)
        return None
    lifecycle.reopen(enrollment, now)
    reached = drip.position(lessons, set(statuses))
    enrollment.next_due_at = drip.lesson_due_at(
        lesson,
        enrollment.started_at,
        enrollment.last_sent_at,
        rhythm_for(enrollment, settings),
        previous_day=reached[0] if reached else None,
    )
    return lesson


def shift_past_pause(enrollment: Enrollment, at: datetime) -> None:
    """A pause ends at `at`: the rest of the course moves by the time paused, so the learner
    goes on where they were. (The status is `lifecycle`'s to change.)"""
    paused = at - (enrollment.paused_at or at)
    enrollment.started_at = drip.shift_local(
        enrollment.started_at, paused, ZoneInfo(zone_of(enrollment))
    )


def plan_due(now: datetime, settings: EngineSettings, batch_size: int = 500) -> PlanReport:
    """Queue the next lesson of every enrollment that is due, at most one each.

    Safe with several planners and senders at once: PostgreSQL gives each planner other rows
    (SKIP LOCKED); SQLite lets one writer in at a time, and the rows are read under its lock.
    """
    report = PlanReport()
    while True:
        due = lifecycle.locked(
            select(Enrollment)
            .where(Enrollment.status.in_(LIVE_ENROLLMENT), Enrollment.next_due_at <= now)
            .order_by(Enrollment.next_due_at, Enrollment.id)
            .limit(batch_size),
            skip_locked=True,
        )
        statuses = statuses_for(enrollment.id for enrollment in due)
        rows = [
            row
            for enrollment in due
            if (row := _plan_one(enrollment, now, settings, statuses[enrollment.id], report))
        ]
        ledger.queue_many(rows, now, settings)
        db.session.commit()
        if len(due) < batch_size:
            return report


def _plan_one(
    enrollment: Enrollment,
    now: datetime,
    settings: EngineSettings,
    statuses: dict[int, str],
    report: PlanReport,
) -> dict | None:
    if enrollment.status == EnrollmentStatus.PAUSED:  # only a pause whose end has come is due
        _pause_ended(enrollment)
        report.resumed += 1
    lesson = reschedule(enrollment, now, settings, statuses)
    if lesson is None:
        report.completed += enrollment.status == EnrollmentStatus.COMPLETED
        return None
    if enrollment.next_due_at > now:
        report.waiting += 1
        return None
    enrollment.next_due_at = None
    report.queued += 1
    return {
        "key": lesson_key(enrollment, lesson.id),
        "round": enrollment.round,
        "kind": DeliveryKind.LESSON,
        "subscriber_id": enrollment.subscriber_id,
        "course_id": enrollment.course_id,
        "enrollment_id": enrollment.id,
        "lesson_id": lesson.id,
    }


def _pause_ended(enrollment: Enrollment) -> None:
    """A learner's pause of one or two weeks is over: resume, and say so on the timeline."""
    until = enrollment.paused_until
    shift_past_pause(enrollment, until)
    lifecycle.resume(enrollment, journal.SYSTEM, until, "pauze voorbij")


def lesson_key(enrollment: Enrollment, lesson_id: int) -> str:
    """The unique key of a lesson delivery; a new round gives every lesson a fresh key."""
    return keys.lesson(enrollment.id, lesson_id, enrollment.round)


def advance(enrollment_ids: list[int], now: datetime, sent: bool, settings: EngineSettings) -> None:
    """After lessons were sent (or given up), plan each enrollment's next one, in bulk.

    The enrollments are read afresh under a lock, so a planner or an unsubscribe elsewhere
    is seen, never overwritten.
    """
    if not enrollment_ids:
        return
    db.session.flush()
    enrollments = lifecycle.locked(select(Enrollment).where(Enrollment.id.in_(enrollment_ids)))
    statuses = statuses_for(enrollment_ids)
    for enrollment in enrollments:
        if sent:
            enrollment.last_sent_at = now
        reschedule(enrollment, now, settings, statuses[enrollment.id])


def reschedule_course(
    course_id: int, now: datetime, settings: EngineSettings, commit: bool = True
) -> int:
    """Recompute every live enrollment of a course after its lessons changed (in the
    caller's transaction when `commit` is false, so lessons and plans change together)."""
    enrollments = lifecycle.locked(
        select(Enrollment).where(
            Enrollment.course_id == course_id,
            Enrollment.status.in_([EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED]),
        )
    )
    statuses = statuses_for(enrollment.id for enrollment in enrollments)
    for enrollment in enrollments:
        reschedule(enrollment, now, settings, statuses[enrollment.id])
    if commit:
        db.session.commit()
    return len(enrollments)
