"""The dashboard's answers to a course's follow-up question: how many, the average, each
score as a bar from zero with its number, and the latest sentences (never whose).

Only owners see it (`roles`): like the rest of the dashboard, it is about learners.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from ecourse.content import courseextras
from ecourse.core.models import Course
from ecourse.learners import answers
from ecourse.web import charts


@dataclass(frozen=True)
class ScoreRow:
    label: str
    count: int
    share: str
    bar: Markup
    notes: tuple = ()


@dataclass(frozen=True)
class Feedback:
    question: str
    total: int
    average: str  # "4,2", or "–" without answers
    rows: list[ScoreRow]
    latest: list[answers.Sentence]


def feedback(course: Course, since: datetime) -> Feedback | None:
    """The answers given since `since` (the dashboard's period); None for a course without a
    follow-up and without answers."""
    follow_up = courseextras.follow_up(course.follow_up_md)
    found = answers.summary(course.id, since, None)
    if follow_up is None and not found.total:
        return None
    return Feedback(
        question=follow_up.question if follow_up else "",
        total=found.total,
        average=_average(found.average),
        rows=score_rows(found.counts),
        latest=found.latest,
    )


def score_rows(counts: dict[int, int]) -> list[ScoreRow]:
    """Scores 1 to 5, each a share of all answers; the bars share one scale from zero to the
    number of answers, so a bar's length is its share."""
    total = sum(counts.values())
    return [
        ScoreRow(
            str(score),
            counts.get(score, 0),
            charts.percent(counts.get(score, 0), total),
            charts.bar([(counts.get(score, 0), "solid")], total),
        )
        for score in answers.SCORES
    ]


def _average(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}".replace(".", ",")
