"""The counts behind the admin's tables and charts, each one grouped query.

Counts never need personal data: erased subscribers keep their deliveries and progress rows
(without names or addresses), so the numbers stay true after an erasure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, distinct, func, or_, select

from ecourse.core.db import db
from ecourse.core.models import (
    Consent,
    Delivery,
    DeliveryAttempt,
    Enrollment,
    Lesson,
    Progress,
    Subscriber,
)
from ecourse.core.statuses import AttemptOutcome, DeliveryStatus, EnrollmentStatus, SubscriberStatus

_checked_in = or_(Progress.tension_before.is_not(None), Progress.tension_after.is_not(None))


@dataclass(frozen=True)
class LessonCounts:
    received: int = 0
    opened: int = 0
    done: int = 0
    # How many learners checked in (a tension score) and wrote a note: only how many, since
    # the scores and notes themselves are for the learner alone.
    checkins: int = 0
    notes: int = 0


def lesson_counts(course_id: int) -> dict[int, LessonCounts]:
    """Per lesson: learners who received it, opened its page, did its exercise, checked in."""
    received = dict(
        db.session.execute(
            select(Delivery.lesson_id, func.count(distinct(Delivery.enrollment_id)))
            .join(Lesson, Lesson.id == Delivery.lesson_id)
            .where(Lesson.course_id == course_id, Delivery.status == DeliveryStatus.SENT)
            .group_by(Delivery.lesson_id)
        ).all()
    )
    progress = db.session.execute(
        select(
            Progress.lesson_id,
            func.count(Progress.id),
            func.count(Progress.exercise_done_at),
            func.count(case((_checked_in, 1))),
            func.count(case((func.coalesce(Progress.note, "") != "", 1))),
        )
        .join(Lesson, Lesson.id == Progress.lesson_id)
        .where(Lesson.course_id == course_id)
        .group_by(Progress.lesson_id)
    ).all()
    opened = {lesson_id: tuple(counts) for lesson_id, *counts in progress}
    ids = set(received) | set(opened)
    return {
        lesson_id: LessonCounts(received.get(lesson_id, 0), *opened.get(lesson_id, ()))
        for lesson_id in ids
    }


def signups_per_day(
    course_id: int, since: datetime, days: int, zone: ZoneInfo
) -> list[tuple[date, int, int]]:
    """Per local date of the `days` days from `since`: the sign-ups made that day, and how
    many of those very sign-ups are confirmed by now.

    The second count is part of the first, so it can never exceed it (a confirmation rate
    above 100% cannot happen), and a sign-up confirmed days later still counts on the day
    it was made.
    """
    first = since.astimezone(zone).date()
    until = datetime.combine(first + timedelta(days=days), time(), tzinfo=zone)
    rows = db.session.execute(
        select(Consent.created_at, Consent.confirmed_at.is_not(None)).where(
            Consent.course_id == course_id, Consent.created_at >= since, Consent.created_at < until
        )
    )
    signed: dict[date, int] = defaultdict(int)
    confirmed: dict[date, int] = defaultdict(int)
    for moment, is_confirmed in rows:
        day = moment.astimezone(zone).date()
        signed[day] += 1
        confirmed[day] += bool(is_confirmed)
    dates = [first + timedelta(days=n) for n in range(days)]
    return [(day, signed[day], confirmed[day]) for day in dates]


def subscriber_totals() -> dict[str, int]:
    rows = db.session.execute(select(Subscriber.status, func.count()).group_by(Subscriber.status))
    return dict(rows.all())


def enrollment_totals(course_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(Enrollment.status, func.count())
        .where(Enrollment.course_id == course_id)
        .group_by(Enrollment.status)
    )
    totals = dict(rows.all())
    # Leaving (unsubscribe, bounce, erasure) stops an enrollment but keeps its
    # `completed_at`: a learner who finished still counts as a completion.
    totals[EnrollmentStatus.COMPLETED] = db.session.scalar(
        select(func.count()).where(
            Enrollment.course_id == course_id, Enrollment.completed_at.is_not(None)
        )
    )
    return totals


@dataclass(frozen=True)
class SendingHealth:
    queued: int
    retrying: int
    sending: int
    failed: int
    bounced: int
    latest_errors: list


def sending_health(limit: int = 10) -> SendingHealth:
    state = case(
        (and_(Delivery.status == DeliveryStatus.QUEUED, Delivery.attempts > 0), "retrying"),
        else_=Delivery.status,
    )
    by_status = dict(db.session.execute(select(state, func.count()).group_by(state)).all())
    errors = db.session.execute(
        select(DeliveryAttempt, Subscriber.email)
        .join(Delivery, Delivery.id == DeliveryAttempt.delivery_id)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(DeliveryAttempt.outcome != AttemptOutcome.SENT)
        .order_by(DeliveryAttempt.id.desc())
        .limit(limit)
    ).all()
    return SendingHealth(
        queued=by_status.get(DeliveryStatus.QUEUED, 0),
        retrying=by_status.get("retrying", 0),
        sending=by_status.get(DeliveryStatus.SENDING, 0),
        failed=by_status.get(DeliveryStatus.FAILED, 0),
        bounced=subscriber_totals().get(SubscriberStatus.BOUNCED, 0),
        latest_errors=errors,
    )
