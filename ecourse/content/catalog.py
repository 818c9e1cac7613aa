"""Bring course folders into the database: all of a folder, or nothing of it.

Used by `ecourse init`, `ecourse lessons import` and (later) the admin's import. A lesson
is matched on its course and slug (the file name), so renaming a file makes a new lesson.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from ecourse.content import changes, media
from ecourse.content.courseextras import CourseExtras
from ecourse.content.lessonfiles import (
    CourseFile,
    CourseFolder,
    LessonFile,
    course_folders,
    read_folder,
)
from ecourse.content.mediafiles import DEFAULT_MAX_AUDIO_MB
from ecourse.core.db import db
from ecourse.core.models import Course, Enrollment, Lesson
from ecourse.core.statuses import LateRule


@dataclass(frozen=True)
class Before:
    """What of a lesson decides the kind of change: its status and day before the import."""

    status: str
    day: int


@dataclass(frozen=True)
class FileChange:
    lesson: Lesson
    action: str  # created, edited, published, unpublished, moved (see `changes.change_kind`)


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_in_files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    courses_changed: list[int] = field(default_factory=list)
    changes: list[FileChange] = field(default_factory=list)
    media: list[str] = field(default_factory=list)  # audio guides and photos added or replaced

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportRefused(Exception):
    """The files have problems; nothing was changed."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def import_path(
    path: Path,
    default_timezone: str,
    now: datetime,
    late_rule: str = LateRule.SKIP,
    commit: bool = True,
    max_audio_mb: int = DEFAULT_MAX_AUDIO_MB,
) -> ImportReport:
    """Validate every course folder under `path`, then apply them in one transaction.

    A lesson that enters learners' plans anew (new, published, or moved) follows the same
    rules as one saved in the editor: it is not due before the first send slot after `now`,
    and learners already past its place get `late_rule` ("skip" or "send"). With `commit`
    false the caller finishes (or rolls back) the transaction. An audio guide over
    `max_audio_mb` (`ECOURSE_MAX_AUDIO_MB`) is a problem like any other.
    """
    if not path.exists():
        raise ImportRefused([f"{path}: no such folder"])
    folders = [
        read_folder(folder, default_timezone, max_audio_mb) for folder in course_folders(path)
    ]
    problems = [problem for folder in folders for problem in folder.problems]
    if not folders:
        problems.append(f"{path}: no course folders (a folder with a course.yml) found")
    if problems:
        raise ImportRefused(problems)
    report = ImportReport()
    try:
        for folder in folders:
            _apply_course(folder, now, late_rule, report)
        db.session.flush()
        if commit:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _apply_course(folder: CourseFolder, now: datetime, late_rule: str, report) -> None:
    data, lessons = folder.course, folder.lessons
    course = db.session.scalar(select(Course).where(Course.slug == data.slug))
    if course is None:
        course = Course(slug=data.slug, updated_at=now)
        db.session.add(course)
        report.created.append(f"course {data.slug}")
    changed = _assign(course, _course_values(data))
    if changed:
        course.updated_at = now
        if f"course {data.slug}" not in report.created:
            report.updated.append(f"course {data.slug}")
    db.session.flush()
    # Publish moments and late rules matter only to learners already on their way.
    rule = late_rule if _has_learners(course) else None
    lessons_changed = [_apply_lesson(course, each, now, rule, report) for each in lessons]
    if changed or any(lessons_changed):
        report.courses_changed.append(course.id)
    db.session.flush()  # new lessons get their ids, for their audio guides
    report.media.extend(media.apply(course, folder.media, now))
    in_files = {lesson.slug for lesson in lessons}
    for lesson in course.lessons:
        if lesson.slug not in in_files:
            report.not_in_files.append(f"{data.slug}/{lesson.slug}")


def _course_values(data: CourseFile) -> dict:
    return {
        "title": data.title,
        "description": data.description,
        "language": data.language,
        "send_time": data.send_time,
        "timezone": data.timezone,
        "skip_weekdays": ",".join(data.skip_weekdays),
        "sender_name": data.sender_name,
        "cta_url": data.cta_url,
        "cta_text": data.cta_text,
        **_extras_values(data.extras),
    }


def _extras_values(extras: CourseExtras) -> dict:
    return {
        "academy_url": extras.academy_url,
        "reply_to": extras.reply_to,
        "teacher_name": extras.teacher_name,
        "teacher_bio": extras.teacher_bio,
        "faq_md": extras.faq_md,
        "worksheet_md": extras.worksheet_md,
        "follow_up_md": extras.follow_up_md,
        "follow_up_days": extras.follow_up_days,
        "next_dates": "\n".join(extras.next_dates),
    }


def _has_learners(course: Course) -> bool:
    query = select(Enrollment.id).where(Enrollment.course_id == course.id).limit(1)
    return db.session.scalar(query) is not None


def _apply_lesson(
    course: Course, data: LessonFile, now: datetime, late_rule: str | None, report
) -> bool:
    name = f"{course.slug}/{data.slug}"
    lesson = next((each for each in course.lessons if each.slug == data.slug), None)
    if lesson is not None and lesson.content_hash == data.content_hash:
        report.unchanged.append(name)
        return False
    before = Before(lesson.status, lesson.day) if lesson is not None else None
    if lesson is None:
        lesson = Lesson(course=course, slug=data.slug, created_at=now)
        db.session.add(lesson)
        report.created.append(name)
    else:
        report.updated.append(name)
    values = {
        key: getattr(data, key)
        for key in (
            "title",
            "day",
            "summary",
            "status",
            "exercise_title",
            "exercise_minutes",
            "body_md",
            "exercise_md",
            "reflection_md",
            "content_hash",
        )
    }
    _assign(lesson, values)
    lesson.updated_at = now
    if late_rule is not None and changes.enters_plans_anew(before, lesson):
        lesson.available_from, lesson.late_rule = now, late_rule
    report.changes.append(FileChange(lesson, changes.change_kind(before, lesson)))
    return True


def _assign(row, values: dict) -> bool:
    """Set attributes that differ; say whether anything changed."""
    changed = False
    for key, value in values.items():
        if getattr(row, key, None) != value:
            setattr(row, key, value)
            changed = True
    return changed
