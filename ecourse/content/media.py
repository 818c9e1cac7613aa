"""A course's media in the database: the audio guides of its exercises and the teacher's
photo, as an import brings them, an admin uploads or removes them, and pages ask for them.

An import treats a media file as it treats a lesson: an unchanged file leaves its row alone;
a file that changed since the last import replaces the row, even one an admin changed in the
web since; a file missing from the folder deletes nothing. So that "changed since the last
import" can be told apart from "changed in the web", a row keeps the SHA-256 of the file the
import last brought (`imported_sha256`), and an audio guide an admin removed stays as an
empty row while its imported file is unchanged: `ecourse init` never brings it back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from ecourse.content.mediafiles import MediaFile
from ecourse.core.db import db
from ecourse.core.extras import Media
from ecourse.core.models import Course, Lesson
from ecourse.core.statuses import MediaKind


@dataclass(frozen=True)
class Facts:
    """What a page needs of a media file, without its bytes."""

    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


def apply(course: Course, files: list[MediaFile], now: datetime) -> list[str]:
    """Bring an imported folder's media files into `course`; the names of those that
    changed (the caller flushes and commits)."""
    lessons = {lesson.slug: lesson for lesson in course.lessons}
    changed = []
    for file in files:
        lesson = lessons.get(file.lesson_slug) if file.lesson_slug else None
        row = _row(course.id, lesson.id if lesson else None, file.kind)
        if _imported(row, course, lesson, file, now):
            changed.append(f"{course.slug}/{file.filename}")
    return changed


def _row(course_id: int, lesson_id: int | None, kind: MediaKind) -> Media | None:
    query = select(Media).where(Media.course_id == course_id, Media.kind == kind)
    if lesson_id is None:
        return db.session.scalar(query.where(Media.lesson_id.is_(None)).limit(1))
    return db.session.scalar(query.where(Media.lesson_id == lesson_id))


def _imported(row, course: Course, lesson: Lesson | None, file: MediaFile, now) -> bool:
    """Apply one file; whether the row changed."""
    sha = file.sha256
    if row is not None and (sha in (row.sha256, row.imported_sha256)):
        # The same file as stored, or as last imported (then the web's change stands).
        row.imported_sha256 = sha
        return False
    if row is None:
        row = Media(course_id=course.id, lesson_id=lesson.id if lesson else None, kind=file.kind)
        db.session.add(row)
    _fill(row, file.filename, file.content_type, file.data, now)
    row.imported_sha256 = sha
    return True


def _fill(row: Media, filename: str, content_type: str, data: bytes, now: datetime) -> None:
    row.filename, row.content_type, row.data = filename, content_type, data
    row.size, row.sha256 = len(data), hashlib.sha256(data).hexdigest()
    row.uploaded_at = now


def upload_audio(lesson: Lesson, suffix: str, content_type: str, data: bytes, now) -> Media:
    """An admin's audio guide for `lesson` (checked by `mediafiles.fault`), new or in place
    of the one it had. It is stored as `<lesson slug><suffix>`, the name the export uses."""
    row = _row(lesson.course_id, lesson.id, MediaKind.AUDIO)
    if row is None:
        row = Media(course_id=lesson.course_id, lesson_id=lesson.id, kind=MediaKind.AUDIO)
        db.session.add(row)
    _fill(row, f"{lesson.slug}{suffix}", content_type, data, now)
    return row


def remove_audio(lesson: Lesson) -> bool:
    """Take away a lesson's audio guide; whether it had one. One that came from a file is
    kept as an empty row, so importing that same file again does not bring it back."""
    row = _row(lesson.course_id, lesson.id, MediaKind.AUDIO)
    if row is None or not row.size:
        return False
    if row.imported_sha256:
        row.data, row.size, row.sha256 = b"", 0, ""
    else:
        db.session.delete(row)
    return True


def audio_facts(lesson_id: int | None) -> Facts | None:
    """The lesson's audio guide, if it has one (a page's player and the email's line)."""
    if lesson_id is None:
        return None
    return _facts(Media.lesson_id == lesson_id, Media.kind == MediaKind.AUDIO)


def photo_facts(course_id: int) -> Facts | None:
    """The course's teacher photo, if it has one."""
    return _facts(
        Media.course_id == course_id, Media.kind == MediaKind.PHOTO, Media.lesson_id.is_(None)
    )


def _facts(*where) -> Facts | None:
    columns = (Media.id, Media.filename, Media.content_type, Media.size, Media.sha256)
    found = db.session.execute(select(*columns).where(*where, Media.size > 0).limit(1)).first()
    return Facts(*found) if found else None


def data_of(facts: Facts) -> bytes:
    """A media file's bytes, read only when it is served or exported."""
    return db.session.scalar(select(Media.data).where(Media.id == facts.id)) or b""


def files_of(course: Course) -> dict[str, bytes]:
    """The course's media as files of its folder (for the export): name → bytes."""
    found = [photo_facts(course.id)]
    found += [audio_facts(lesson.id) for lesson in course.lessons]
    return {Path(each.filename).name: data_of(each) for each in found if each is not None}
