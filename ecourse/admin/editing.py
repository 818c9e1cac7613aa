"""Saving a lesson change: the lesson, the rule for learners past it, the record, the plan.

All in one transaction that starts by taking the write lock (see `db.take_write_lock`):
the lesson row, its `LessonChange` record and every affected enrollment's next due time
change together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ecourse import planner
from ecourse.admin.reach import LESSON_FIELDS, LessonDraft, Reach
from ecourse.db import db, take_write_lock
from ecourse.models import Course, Lesson, LessonChange

RULES = {"skip": "overslaan", "send": "alsnog sturen"}


@dataclass(frozen=True)
class Saved:
    lesson: Lesson
    change: LessonChange
    rescheduled: int


def describe_action(before: Lesson | None, draft: LessonDraft) -> str:
    """What kind of change this is, for the record: created, published, moved, …"""
    if before is None:
        return "created"
    if before.status != draft.status:
        return "published" if draft.status == "published" else "unpublished"
    if before.day != draft.day:
        return "moved"
    return "edited"


def _starts_anew(before: Lesson | None, draft: LessonDraft) -> bool:
    """Whether the lesson (re)enters learners' plans now: new, published, or moved."""
    if draft.status != "published":
        return False
    return before is None or before.status != "published" or before.day != draft.day


@dataclass(frozen=True)
class Change:
    """One lesson's proposed state, the rule for learners already past it, and its reach."""

    before: Lesson | None
    draft: LessonDraft
    rule: str
    reach: Reach


def save(course: Course, changes: list[Change], admin_email: str, now: datetime) -> Saved:
    """Apply the changes (one lesson, or two swapped) and re-plan the course's learners."""
    take_write_lock()
    saved = [_apply(course, change, admin_email, now) for change in changes]
    course.updated_at = now
    count = planner.reschedule_course(course.id, now)  # commits
    return Saved(saved[0][0], saved[0][1], count)


def _apply(course: Course, change: Change, admin_email: str, now: datetime):
    before, draft = change.before, change.draft
    if change.rule not in RULES:
        raise ValueError(f"unknown rule {change.rule!r}")
    action = describe_action(before, draft)
    lesson = before or Lesson(course=course, slug=draft.slug, created_at=now)
    db.session.add(lesson)
    if _starts_anew(before, draft):
        lesson.available_from = now
    for name in LESSON_FIELDS:
        setattr(lesson, name, getattr(draft, name))
    lesson.late_rule, lesson.updated_at = change.rule, now
    lesson.content_hash = ""  # edited here: the next file import updates it again
    db.session.flush()
    record = LessonChange(
        lesson_id=lesson.id,
        at=now,
        admin_email=admin_email,
        action=action,
        late_rule=change.rule,
        will_reach=len(change.reach.will_receive),
        already_past=len(change.reach.past),
        detail=_detail(change.reach, change.rule),
    )
    db.session.add(record)
    return lesson, record


def _detail(reach: Reach, rule: str) -> str:
    past = len(reach.past)
    text = f"{len(reach.will_receive)} krijgen de les op hun plek in de cursus"
    if past:
        text += f"; {past} waren al verder: {RULES[rule]}"
    if reach.received:
        text += f"; {reach.received} hadden hem al"
    return text


def swap_days(first: Lesson, second: Lesson) -> tuple[LessonDraft, LessonDraft]:
    """Reordering two neighbours is exchanging their days (slugs break ties)."""
    if first.day == second.day:
        return LessonDraft.of(first), LessonDraft.of(second)
    return LessonDraft.of(first, day=second.day), LessonDraft.of(second, day=first.day)
