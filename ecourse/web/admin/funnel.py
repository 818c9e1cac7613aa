"""The course funnel: of everyone who confirmed, per lesson how many received it, opened it
and did its exercise, and for how many it is not their turn yet.

Each step counts a subset of the step above it: a learner counts as having opened a lesson
only once they received it, and as done only once they opened it; everyone who confirmed
is counted once per lesson, in exactly one place. So no step can outgrow the one above it,
and a lesson that a learner still in the course has not had yet is waiting, not a loss.
Only leaving the course, a lesson skipped on purpose and a failed delivery are "not
received".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Consent, Course, Delivery, Enrollment, Lesson, Progress
from ecourse.core.statuses import IN_FLIGHT, LIVE_ENROLLMENT, DeliveryKind, DeliveryStatus
from ecourse.engine import drip


class Reach(StrEnum):
    """How far one learner got with one lesson: one answer per learner and lesson."""

    DONE = "done"  # received, opened, and did the exercise
    OPENED = "opened"  # received and opened
    RECEIVED = "received"  # received, not opened (yet)
    WAITING = "waiting"  # still in the course, the lesson not yet sent: not their turn yet
    SKIPPED = "skipped"  # passed over on purpose (added behind their place, or moved past)
    FAILED = "failed"  # its delivery gave up
    LEFT = "left"  # the course ended for them before this lesson


@dataclass(frozen=True)
class LessonFacts:
    """What one learner has of one lesson, as plain values (see `reach`)."""

    statuses: frozenset[str] = frozenset()  # its deliveries' statuses, cancelled ones left out
    skip: bool = False  # the drip rules will not send it (behind their place, skip rule)
    live: bool = False  # the learner's course is still under way (active or paused)
    opened: bool = False
    done: bool = False


def reach(facts: LessonFacts) -> Reach:
    """Where a lesson stands for a learner; opened and done count only once it was received."""
    if DeliveryStatus.SENT in facts.statuses:
        if facts.done:
            return Reach.DONE
        return Reach.OPENED if facts.opened else Reach.RECEIVED
    if facts.statuses & set(IN_FLIGHT):
        return Reach.WAITING  # on its way right now
    if DeliveryStatus.SKIPPED in facts.statuses or facts.skip:
        return Reach.SKIPPED
    if DeliveryStatus.FAILED in facts.statuses:
        return Reach.FAILED
    return Reach.WAITING if facts.live else Reach.LEFT


@dataclass(frozen=True)
class LessonFunnel:
    """One lesson's steps over the same people: everyone who confirmed (`cohort`)."""

    number: int
    title: str
    cohort: int
    counts: Counter = field(default_factory=Counter)

    @property
    def received(self) -> int:
        return self.opened + self.counts[Reach.RECEIVED]

    @property
    def opened(self) -> int:
        return self.done + self.counts[Reach.OPENED]

    @property
    def done(self) -> int:
        return self.counts[Reach.DONE]

    @property
    def waiting(self) -> int:
        return self.counts[Reach.WAITING]

    @property
    def not_received(self) -> int:
        return sum(self.counts[each] for each in (Reach.SKIPPED, Reach.FAILED, Reach.LEFT))


@dataclass(frozen=True)
class Funnel:
    signed_up: int  # people with a sign-up for the course
    confirmed: int  # of them, people who confirmed one: the cohort of every lesson
    lessons: list[LessonFunnel]


def count(lessons: list, learners: list[dict[int, LessonFacts]]) -> list[LessonFunnel]:
    """Tally every learner's reach per lesson; `learners` holds each one's facts per lesson."""
    funnels = []
    for number, lesson in enumerate(lessons, start=1):
        tally = Counter(reach(facts.get(lesson.id, LessonFacts())) for facts in learners)
        funnels.append(LessonFunnel(number, lesson.title, len(learners), tally))
    return funnels


def course_funnel(course: Course) -> Funnel:
    """The funnel of everyone who ever signed up for `course`, from the database."""
    people = db.session.execute(
        select(Consent.subscriber_id, Consent.confirmed_at.is_not(None)).where(
            Consent.course_id == course.id
        )
    ).all()
    signed_up = {subscriber for subscriber, _ in people}
    confirmed = {subscriber for subscriber, yes in people if yes}
    confirmed_ids = select(Consent.subscriber_id).where(
        Consent.course_id == course.id, Consent.confirmed_at.is_not(None)
    )
    enrollments = db.session.execute(
        select(Enrollment.id, Enrollment.status).where(
            Enrollment.course_id == course.id, Enrollment.subscriber_id.in_(confirmed_ids)
        )
    ).all()
    facts = _facts(course, {id_: status in LIVE_ENROLLMENT for id_, status in enrollments})
    # A confirmed sign-up always has its enrollment; one without counts as having nothing.
    facts += [{} for _ in range(len(confirmed) - len(enrollments))]
    return Funnel(len(signed_up), len(confirmed), count(course.published_lessons, facts))


def _facts(course: Course, live: dict[int, bool]) -> list[dict[int, LessonFacts]]:
    """Per enrollment: for each lesson, its deliveries, the skip rule and its progress."""
    statuses: dict[int, dict[int, set]] = defaultdict(lambda: defaultdict(set))
    for enrollment_id, lesson_id, status in db.session.execute(
        select(Delivery.enrollment_id, Delivery.lesson_id, Delivery.status)
        .join(Lesson, Lesson.id == Delivery.lesson_id)
        .where(
            Lesson.course_id == course.id,
            Delivery.kind == DeliveryKind.LESSON,
            Delivery.status != DeliveryStatus.CANCELLED,
        )
    ):
        statuses[enrollment_id][lesson_id].add(status)
    progress = {
        (enrollment_id, lesson_id): done
        for enrollment_id, lesson_id, done in db.session.execute(
            select(
                Progress.enrollment_id, Progress.lesson_id, Progress.exercise_done_at.is_not(None)
            )
            .join(Lesson, Lesson.id == Progress.lesson_id)
            .where(Lesson.course_id == course.id)
        )
    }
    found = []
    for enrollment_id, is_live in live.items():
        had = statuses.get(enrollment_id, {})
        reached = drip.position(course.lessons, set(had))
        found.append(
            {
                lesson.id: LessonFacts(
                    statuses=frozenset(had.get(lesson.id, ())),
                    skip=drip.skip_reason(lesson, reached) is not None,
                    live=is_live,
                    opened=(enrollment_id, lesson.id) in progress,
                    done=progress.get((enrollment_id, lesson.id), False),
                )
                for lesson in course.published_lessons
            }
        )
    return found
