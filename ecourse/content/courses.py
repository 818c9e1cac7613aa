"""Finding a course: by its slug (its URL's name), or the one the landing page offers."""

from __future__ import annotations

from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Course

MAX_SLUG = 80  # the column's length


def course_by_slug(slug: object) -> Course | None:
    """The course at this address; None for any text that cannot be one: too long, a NUL, a
    lone surrogate (from JSON) that no database driver can even send."""
    if not isinstance(slug, str) or not 0 < len(slug) <= MAX_SLUG or "\x00" in slug:
        return None
    if not slug.isascii() and not _encodable(slug):
        return None
    return db.session.scalar(select(Course).where(Course.slug == slug))


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def default_course() -> Course | None:
    """The course the landing page offers: the first one imported."""
    return db.session.scalar(select(Course).order_by(Course.id).limit(1))
