"""Saving a lesson change: the lesson, the rule for learners past it, the record, the plan.

All in one transaction that starts by taking the write lock (see `db.take_write_lock`):
the lesson row, its `LessonChange` record and every affected enrollment's next due time
change together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ecourse.content import catalog, changes
from ecourse.content.mediafiles import DEFAULT_MAX_AUDIO_MB
from ecourse.core.db import db, take_write_lock
from ecourse.core.models import Course, Lesson, LessonChange
from ecourse.core.statuses import LateRule, LessonStatus
from ecourse.engine import planner
from ecourse.journey import journal
from ecourse.learners import current
from ecourse.learners.reach import LESSON_FIELDS, LessonDraft, Reach, preview

RULES = {LateRule.SKIP: "overslaan", LateRule.SEND: "alsnog sturen"}


@dataclass(frozen=True)
class Saved:
    lesson: Lesson
    change: LessonChange
    rescheduled: int


@dataclass(frozen=True)
class Change:
    """One lesson's proposed state, the rule for learners already past it, and its reach."""

    before: Lesson | None
    draft: LessonDraft
    rule: str
    reach: Reach


# For the audit page, which is Dutch.
ACTION_WORDS = {
    "created": "toegevoegd",
    "edited": "bewerkt",
    "published": "gepubliceerd",
    "unpublished": "teruggezet naar concept",
    "moved": "verplaatst",
}


def save(course: Course, changes: list[Change], admin_email: str, now: datetime) -> Saved:
    """Apply the changes (one lesson, or two swapped) and re-plan the course's learners."""
    take_write_lock()
    saved = [_apply(course, change, admin_email, now) for change in changes]
    course.updated_at = now
    count = planner.reschedule_course(course.id, now, current.settings())  # commits
    return Saved(saved[0][0], saved[0][1], count)


def _apply(course: Course, change: Change, admin_email: str, now: datetime):
    before, draft = change.before, change.draft
    if change.rule not in RULES:
        raise ValueError(f"unknown rule {change.rule!r}")
    action = changes.change_kind(before, draft)
    lesson = before or Lesson(course=course, slug=draft.slug, created_at=now)
    db.session.add(lesson)
    if changes.enters_plans_anew(before, draft):
        lesson.available_from = now
    for name in LESSON_FIELDS:
        setattr(lesson, name, getattr(draft, name))
    lesson.late_rule, lesson.updated_at = change.rule, now
    # `content_hash` stays the hash of the file as last imported: importing that same file
    # again (`ecourse init` after an upgrade) keeps this edit; a changed file replaces it.
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
    what = f"{course.slug}/{lesson.slug} {ACTION_WORDS.get(action, action)}: {record.detail}"
    journal.record_admin_action(admin_email, "lesson_change", what, now)
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


@dataclass(frozen=True)
class Imported:
    """One lesson changed by a file import, with the reach recorded for it."""

    name: str
    action: str
    rule: str
    will_reach: int
    already_past: int
    detail: str


def import_files(
    path: Path,
    default_timezone: str,
    rule: str,
    who: str,
    now: datetime,
    apply: bool = True,
    max_audio_mb: int = DEFAULT_MAX_AUDIO_MB,
) -> tuple[catalog.ImportReport, list[Imported]]:
    """`ecourse lessons import` and the admin's import: lessons from files, each change
    recorded with its reach like an edit in the editor, then the learners re-planned.

    With `apply` false nothing is kept: the same report and reach, then a rollback, so an
    admin sees who an import reaches before choosing to import. Raises
    `catalog.ImportRefused` when the files have problems. Audio guides and the teacher's
    photo come along (`ecourse.content.media`), journaled with the lessons.
    """
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}")
    take_write_lock()
    try:
        report = catalog.import_path(
            path, default_timezone, now, rule, commit=False, max_audio_mb=max_audio_mb
        )
        imported = [_record_file_change(change, rule, who, now) for change in report.changes]
        db.session.flush()
    except Exception:
        db.session.rollback()
        raise
    if not apply:
        db.session.rollback()
        return report, imported
    try:  # the lessons, their records and the learners' plans change together, or not at all
        if imported or report.media:
            names = [
                f"{item.name} {ACTION_WORDS.get(item.action, item.action)}" for item in imported
            ]
            names += [f"{name} nieuw of vervangen" for name in report.media]
            journal.record_admin_action(who, "lesson_import", ", ".join(names)[:2000], now)
        for course_id in report.courses_changed:
            planner.reschedule_course(course_id, now, current.settings(), commit=False)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report, imported


def _record_file_change(change: catalog.FileChange, rule: str, who: str, now: datetime):
    lesson = change.lesson
    found = Reach()
    if lesson.status == LessonStatus.PUBLISHED:
        draft = LessonDraft.of(lesson)
        found = preview(lesson.course_id, lesson.course.lessons, draft, now)
    record = LessonChange(
        lesson_id=lesson.id,
        at=now,
        admin_email=who,
        action=change.action,
        late_rule=lesson.late_rule,
        will_reach=len(found.will_receive),
        already_past=len(found.past),
        detail=_detail(found, lesson.late_rule),
    )
    db.session.add(record)
    name = f"{lesson.course.slug}/{lesson.slug}"
    return Imported(
        name, change.action, lesson.late_rule, record.will_reach, record.already_past, record.detail
    )
