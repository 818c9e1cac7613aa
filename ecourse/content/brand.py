"""The academy's name, as a learner sees it on every page and in every inbox.

One rule for the page header, the check-your-mail page and each email's From name, so the
name a learner is told to look for is the name the email arrives with.
"""

from __future__ import annotations

from email.utils import parseaddr

from ecourse.core.models import Course


def academy_name(course: Course | None, academy: str, mail_from: str) -> str:
    """The course's `sender_name` (its `course.yml`), else the `ACADEMY_NAME` setting, else
    the display name in `MAIL_FROM`, else the course's title; empty only without a course
    and without either setting."""
    if course is not None and course.sender_name:
        return course.sender_name
    fallback = course.title if course is not None else ""
    return academy or parseaddr(mail_from)[0] or fallback


def academy_url(course: Course | None, setting: str) -> str:
    """The academy's site: the course's `academy.url`, else the `ACADEMY_URL` setting; empty
    when neither is set (the caller falls back to the course's landing page)."""
    return (course.academy_url if course is not None else "") or setting
