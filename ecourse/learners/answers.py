"""The answers to a course's follow-up question: one per enrollment, saved or replaced from
the answer page, summed up per course for the dashboard, and the learner's own in their data.

A score is a whole number from 1 to 5 (the database checks it too); the sentence is
optional and at most `MAX_COMMENT` characters. When a learner is erased their sentence is
emptied (`forget`); the score stays, counted but no longer anyone's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update

from ecourse.core.db import db
from ecourse.core.extras import FollowUpAnswer
from ecourse.core.models import Enrollment, Subscriber

SCORES = (1, 2, 3, 4, 5)
MAX_COMMENT = 1000
LATEST = 10  # the sentences the dashboard shows


def parse_score(value: str | None) -> int | None:
    """The score a form sent, or None when it is not one of 1 to 5 (missing or tampered)."""
    text = (value or "").strip()
    return int(text) if text in {str(score) for score in SCORES} else None


def clean_comment(value: str | None) -> str:
    """The sentence as the learner wrote it, without surrounding space or control characters."""
    text = "".join(c for c in (value or "") if c in "\n\t" or c.isprintable())
    return text.strip().replace("\r\n", "\n")


def answer_of(enrollment: Enrollment) -> FollowUpAnswer | None:
    return db.session.scalar(
        select(FollowUpAnswer).where(FollowUpAnswer.enrollment_id == enrollment.id)
    )


def save(enrollment: Enrollment, score: int, comment: str, now: datetime) -> FollowUpAnswer:
    """Save the learner's answer, replacing an earlier one (one answer per enrollment)."""
    if score not in SCORES or len(comment) > MAX_COMMENT:
        raise ValueError("a score from 1 to 5 and a sentence of at most 1000 characters")
    answer = answer_of(enrollment)
    if answer is None:
        answer = FollowUpAnswer(enrollment_id=enrollment.id, course_id=enrollment.course_id)
        db.session.add(answer)
    answer.score, answer.comment, answer.answered_at = score, comment, now
    db.session.commit()
    return answer


def forget(subscriber: Subscriber) -> None:
    """An erased learner's sentences go; their scores stay as anonymous counts."""
    enrollment_ids = select(Enrollment.id).where(Enrollment.subscriber_id == subscriber.id)
    db.session.execute(
        update(FollowUpAnswer)
        .where(FollowUpAnswer.enrollment_id.in_(enrollment_ids))
        .values(comment="")
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Sentence:
    answered_at: datetime
    score: int
    comment: str


@dataclass(frozen=True)
class Summary:
    """A course's answers within a time range, for the dashboard."""

    counts: dict[int, int] = field(default_factory=dict)  # score → how many
    latest: list[Sentence] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def average(self) -> float | None:
        if not self.total:
            return None
        return sum(score * count for score, count in self.counts.items()) / self.total


def summary(course_id: int, start: datetime | None, end: datetime | None) -> Summary:
    """How many answered, with which scores, and the latest sentences (no names: the dashboard
    shows what was said, not who said it)."""
    within = [FollowUpAnswer.course_id == course_id]
    if start is not None:
        within.append(FollowUpAnswer.answered_at >= start)
    if end is not None:
        within.append(FollowUpAnswer.answered_at < end)
    rows = db.session.execute(
        select(FollowUpAnswer.score, func.count()).where(*within).group_by(FollowUpAnswer.score)
    )
    counts = dict.fromkeys(SCORES, 0) | {score: count for score, count in rows}
    latest = db.session.execute(
        select(FollowUpAnswer.answered_at, FollowUpAnswer.score, FollowUpAnswer.comment)
        .where(*within, FollowUpAnswer.comment != "")
        .order_by(FollowUpAnswer.answered_at.desc(), FollowUpAnswer.id.desc())
        .limit(LATEST)
    )
    return Summary(counts, [Sentence(*row) for row in latest])
