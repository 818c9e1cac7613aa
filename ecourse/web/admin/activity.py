"""The subscriber list's progress and last-activity columns, for a whole page at once.

Per course a person follows: how many of its published lessons reached them in the current
round ("3 van 7") and how many of those they opened. Per person: the latest thing they did
themselves (signed up, confirmed, opened a lesson, did an exercise, checked in), never what
they wrote. Two queries per page, however many people are on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, distinct, func, literal, select, type_coerce, union_all

from ecourse.core.db import UTCDateTime, db
from ecourse.core.models import Consent, Course, Delivery, Enrollment, Lesson, Progress
from ecourse.core.statuses import DeliveryKind, DeliveryStatus, LessonStatus

# What the learner did, in the words of the list.
DONE = {
    "signed_up": "aangemeld",
    "confirmed": "bevestigd",
    "opened": "les geopend",
    "exercise": "oefening gedaan",
    "checked_in": "ingecheckt",
}


@dataclass(frozen=True)
class CourseProgress:
    course: str
    received: int
    opened: int
    total: int


@dataclass(frozen=True)
class Activity:
    what: str  # Dutch, from DONE
    at: datetime


@dataclass(frozen=True)
class Columns:
    progress: dict[int, list[CourseProgress]]  # by subscriber id, one per course
    latest: dict[int, Activity]  # by subscriber id; missing: nothing yet


def for_page(subscriber_ids: Iterable[int]) -> Columns:
    ids = list(subscriber_ids)
    if not ids:
        return Columns({}, {})
    return Columns(_progress(ids), _latest(ids))


def _published(lesson_id) -> object:
    return (
        select(Lesson.id)
        .where(Lesson.id == lesson_id, Lesson.status == LessonStatus.PUBLISHED)
        .exists()
    )


def _progress(ids: list[int]) -> dict[int, list[CourseProgress]]:
    """Per enrollment, three counts as correlated subqueries: one statement in all."""
    received = (
        select(func.count(distinct(Delivery.lesson_id)))
        .where(
            Delivery.enrollment_id == Enrollment.id,
            Delivery.kind == DeliveryKind.LESSON,
            Delivery.status == DeliveryStatus.SENT,
            Delivery.round == Enrollment.round,
            _published(Delivery.lesson_id),
        )
        .scalar_subquery()
    )
    opened = (
        select(func.count(Progress.id))
        .where(Progress.enrollment_id == Enrollment.id, _published(Progress.lesson_id))
        .scalar_subquery()
    )
    total = (
        select(func.count(Lesson.id))
        .where(Lesson.course_id == Enrollment.course_id, Lesson.status == LessonStatus.PUBLISHED)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Enrollment.subscriber_id, Course.title, received, opened, total)
        .join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.subscriber_id.in_(ids))
        .order_by(Enrollment.id)
    )
    found: dict[int, list[CourseProgress]] = {}
    for subscriber_id, *counts in rows:
        found.setdefault(subscriber_id, []).append(CourseProgress(*counts))
    return found


MOMENTS = (
    ("opened", Progress.opened_at),
    ("exercise", Progress.exercise_done_at),
    ("checked_in", Progress.checked_in_at),
    ("signed_up", Consent.created_at),
    ("confirmed", Consent.confirmed_at),
)


def _latest(ids: list[int]) -> dict[int, Activity]:
    """The newest moment of each kind per person (one UNION of grouped maxima), then the
    newest of those."""
    parts = [_newest(what, column, ids) for what, column in MOMENTS]
    latest: dict[int, Activity] = {}
    for subscriber_id, what, moment in db.session.execute(union_all(*parts)):
        known = latest.get(subscriber_id)
        if moment is not None and (known is None or moment > known.at):
            latest[subscriber_id] = Activity(DONE[what], moment)
    return latest


def _newest(what: str, column, ids: list[int]):
    """Per person, the newest `column` (a moment of a sign-up or of a lesson's progress)."""
    owner = Consent.subscriber_id if column.class_ is Consent else Enrollment.subscriber_id
    # An aggregate loses the column's type (SQLite would give text back): give it back.
    moment = type_coerce(func.max(column), UTCDateTime)
    query = select(owner, literal(what, String), moment)
    if column.class_ is Progress:
        query = query.select_from(Progress).join(
            Enrollment, Enrollment.id == Progress.enrollment_id
        )
    return query.where(owner.in_(ids)).group_by(owner)
