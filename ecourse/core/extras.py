"""The tables around a course's lessons: media files (an exercise's audio guide, the
teacher's photo) and the answers to the follow-up email.

Media live in the database, not on a disk: several workers on several machines see the
same files, and `ecourse backup` takes them along with the lessons they belong to.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ecourse.core.db import UTCDateTime, db, status_type
from ecourse.core.statuses import MediaKind


class Media(db.Model):
    """One file: an exercise's audio guide (one per lesson) or a course's teacher photo."""

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    # The lesson whose exercise it guides; none for the teacher's photo.
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id"), unique=True)
    kind: Mapped[MediaKind] = mapped_column(status_type(MediaKind, "kind"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))  # its ETag, and "unchanged" on import
    # The file a course import last brought; empty for one uploaded in the web. An import
    # replaces this row only when its file differs from that one (as lessons' `content_hash`).
    imported_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FollowUpAnswer(db.Model):
    """A learner's answer to the follow-up's one question: a score and, if they like, a
    sentence. One per enrollment; answering again replaces it."""

    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_one_to_five"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"), unique=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")  # emptied when its learner is erased
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
