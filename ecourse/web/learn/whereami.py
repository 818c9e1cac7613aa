"""Where a learner stands in a course: how many lessons reached them ("3 van 7"), which
they opened or did the exercise of, the course's status, and when the next lesson comes.

All of it is read from the product's own timeline (`ecourse.learners.timeline`) at `now`,
so the overview, the lesson page and the preferences tell the same story.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Enrollment, Lesson, Progress
from ecourse.core.statuses import EnrollmentStatus, SubscriberStatus
from ecourse.learners import timeline
from ecourse.learners.pacing import lesson_numbers

State = timeline.State
COMING = (State.SCHEDULED, State.QUEUED, State.SENDING)


@dataclass(frozen=True)
class Standing:
    """One learner in one course, as a page shows it."""

    entries: list[timeline.Entry]
    numbers: dict[int, int]  # lesson id: its number in the course
    received: list[Lesson]  # in course order
    marks: dict[int, str] = field(default_factory=dict)  # lesson id: "done" or "opened"
    # "active", "paused", "stopped", "unsubscribed", "bounced", "finished" or "pending"
    status: str = ""
    paused_until: datetime | None = None
    next_at: datetime | None = None  # when the next lesson comes (None: not planned)
    next_on_its_way: bool = False

    @property
    def total(self) -> int:
        return len(self.numbers)

    def around(self, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
        """The received lessons before and after `lesson`, for previous/next links."""
        ids = [each.id for each in self.received]
        if lesson.id not in ids:
            return None, None
        at = ids.index(lesson.id)
        before = self.received[at - 1] if at > 0 else None
        after = self.received[at + 1] if at + 1 < len(ids) else None
        return before, after


def standing(enrollment: Enrollment, now: datetime) -> Standing:
    entries = timeline.for_enrollment(enrollment, now)
    numbers = lesson_numbers(enrollment.course)
    received = [entry.lesson for entry in entries if entry.received and entry.lesson.id in numbers]
    coming = next((entry for entry in entries if entry.state in COMING), None)
    return Standing(
        entries=entries,
        numbers=numbers,
        received=received,
        marks=_marks(enrollment),
        status=_status(enrollment),
        paused_until=enrollment.paused_until,
        next_at=coming.at if coming and coming.state == State.SCHEDULED else None,
        next_on_its_way=coming is not None and coming.state != State.SCHEDULED,
    )


def _status(enrollment: Enrollment) -> str:
    """The enrollment's status in the words a page needs: a stop that came with an
    unsubscribe from all mail is its own case (it takes a new sign-up to undo)."""
    if enrollment.status == EnrollmentStatus.COMPLETED:
        return "finished"
    if enrollment.status == EnrollmentStatus.BOUNCED:
        return "bounced"
    if enrollment.status == EnrollmentStatus.STOPPED:
        unsubscribed = enrollment.subscriber.status != SubscriberStatus.ACTIVE
        return "unsubscribed" if unsubscribed else "stopped"
    return str(enrollment.status)


def _marks(enrollment: Enrollment) -> dict[int, str]:
    rows = db.session.scalars(select(Progress).where(Progress.enrollment_id == enrollment.id))
    return {row.lesson_id: "done" if row.exercise_done_at else "opened" for row in rows}
