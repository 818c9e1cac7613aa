"""Reach preview: before a lesson change is saved, who will get the lesson, and when.

The preview runs the same rules the planner will run after saving (`drip`, via the
timeline's projection), on the course's lessons with the change applied, for every current
learner. Nothing is written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ecourse.core.db import db
from ecourse.core.models import Enrollment, Lesson
from ecourse.core.statuses import UNDER_WAY, EnrollmentStatus, LateRule, LessonStatus
from ecourse.engine import drip
from ecourse.engine.planner import rhythm_for, statuses_for
from ecourse.learners import current, timeline

LESSON_FIELDS = (
    "slug",
    "title",
    "day",
    "summary",
    "status",
    "body_md",
    "exercise_title",
    "exercise_minutes",
    "exercise_md",
    "reflection_md",
)
NEW_LESSON_ID = -1  # stands in for the id a new lesson will get


@dataclass(frozen=True)
class LessonDraft:
    """A lesson as it would be after the change: plain values, never added to the session."""

    id: int
    slug: str
    title: str
    day: int
    summary: str
    status: str
    body_md: str
    exercise_title: str
    exercise_minutes: int
    exercise_md: str
    reflection_md: str
    late_rule: str = LateRule.SKIP
    available_from: datetime | None = None

    @classmethod
    def of(cls, lesson: Lesson | None, **changes) -> LessonDraft:
        values = {name: getattr(lesson, name) for name in LESSON_FIELDS} if lesson else {}
        values |= {"id": lesson.id if lesson else NEW_LESSON_ID, "late_rule": LateRule.SKIP}
        return cls(**(values | changes))

    @property
    def order_key(self) -> tuple[int, str]:
        return (self.day, self.slug)


@dataclass(frozen=True)
class Reached:
    enrollment_id: int
    email: str
    first_name: str
    at: datetime | None  # None while the learner is paused
    zone: str


@dataclass
class Reach:
    will_receive: list[Reached] = field(default_factory=list)
    past: list[Reached] = field(default_factory=list)  # dates if the admin chooses "send"
    received: int = 0
    paused: int = 0

    def days(self, group: str) -> list[tuple[date, int]]:
        """How many learners of `will_receive` or `past` get it on each local date."""
        counts = Counter(
            each.at.astimezone(ZoneInfo(each.zone)).date()
            for each in getattr(self, group)
            if each.at is not None
        )
        return sorted(counts.items())


class _Handled:
    """A lesson the learner already has a delivery for (only its status matters here)."""

    def __init__(self, status: str):
        self.status = status
        self.id = self.lesson_id = None
        self.sent_at = self.send_after = None
        self.last_error = self.message_id = ""
        self.attempts = 0


def preview(course_id: int, lessons: list, draft: LessonDraft, now: datetime) -> Reach:
    """Who of the course's current learners the lesson `draft` reaches, and when.

    `lessons` are the course's lessons as they are now; the draft replaces its own row.
    The draft is looked at as published with the "send" rule, so the dates for learners
    already past its place are the dates they would get if the admin chooses to send.
    """
    proposed = replace(
        draft, status=LessonStatus.PUBLISHED, late_rule=LateRule.SEND, available_from=now
    )
    course_lessons = [each for each in lessons if each.id != draft.id] + [proposed]
    enrollments = _current_enrollments(course_id)
    statuses = statuses_for(enrollment.id for enrollment in enrollments)
    reach = Reach()
    for enrollment in enrollments:
        _place(reach, enrollment, course_lessons, proposed, statuses[enrollment.id], now)
    reach.will_receive.sort(key=lambda each: each.at)
    reach.past.sort(key=lambda each: (each.at is None, each.at or now))
    return reach


def _current_enrollments(course_id: int) -> list[Enrollment]:
    return list(
        db.session.scalars(
            select(Enrollment)
            .where(
                Enrollment.course_id == course_id,
                Enrollment.status.in_(UNDER_WAY),
            )
            .options(selectinload(Enrollment.subscriber))
            .order_by(Enrollment.id)
        )
    )


def _place(reach: Reach, enrollment, lessons, proposed, statuses: dict, now: datetime) -> None:
    if proposed.id in statuses:
        reach.received += 1
        return
    handled = {lesson_id: _Handled(status) for lesson_id, status in statuses.items()}
    late = drip.is_late(proposed, drip.position(lessons, set(handled)))
    paused = enrollment.status == EnrollmentStatus.PAUSED
    plan = timeline.Plan(
        status=EnrollmentStatus.PAUSED if paused else EnrollmentStatus.ACTIVE,
        started_at=enrollment.started_at,
        last_sent_at=enrollment.last_sent_at,
        next_due_at=None,  # saving recomputes it from the rules, as here
        rhythm=rhythm_for(enrollment, current.settings()),
    )
    entry = next(e for e in timeline.project(lessons, handled, plan, now) if e.lesson is proposed)
    reach.paused += paused
    subscriber = enrollment.subscriber
    zone = str(plan.rhythm.tz)
    who = Reached(enrollment.id, subscriber.email, subscriber.first_name, entry.at, zone)
    (reach.past if late else reach.will_receive).append(who)
