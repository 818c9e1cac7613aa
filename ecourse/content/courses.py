"""Finding a course: by its slug (its URL's name), or the one the landing page offers."""

from __future__ import annotations

from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Course


def course_by_slug(slug: str) -> Course | None:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def default_course() -> Course | None:
    """The course the landing page offers: the first one imported."""
    return db.session.scalar(select(Course).order_by(Course.id).limit(1))
