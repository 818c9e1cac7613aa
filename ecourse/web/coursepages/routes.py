"""A course's public pages: its FAQ (`/cursus/<slug>/vragen`), its worksheet to print
(`/cursus/<slug>/werkblad`) and the help page (`/hulp`), with the care numbers and the
teacher's block that the lesson pages, the overview and the landing page show too.

The FAQ and the worksheet hold nothing personal, so they open without a link from an email:
a learner can print the worksheet on another computer, or send a friend an answer. A course
without the file answers 404, and no page links to it.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, url_for
from sqlalchemy import select

from ecourse.content import care, faq, worksheet
from ecourse.content.courses import course_by_slug
from ecourse.core.db import db
from ecourse.core.extras import Media
from ecourse.core.models import Course
from ecourse.core.statuses import MediaKind

bp = Blueprint("pages", __name__)
# The teacher's photo is served by the media pages (another blueprint); until they exist,
# the teacher's block shows the name and bio alone.
PHOTO_ENDPOINT = "learn.teacher_photo"


@bp.app_context_processor
def care_numbers() -> dict:
    """The care numbers, for the care note on every lesson page and the help page."""
    return {"care": care.NUMBERS}


@bp.app_template_global()
def teacher_photo_url(course: Course) -> str:
    """Where the course's teacher's photo is served, or "" when it has none (or nothing
    serves photos yet)."""
    if PHOTO_ENDPOINT not in current_app.view_functions:
        return ""
    photo = db.session.scalar(
        select(Media.id).where(Media.course_id == course.id, Media.kind == MediaKind.PHOTO)
    )
    return url_for(PHOTO_ENDPOINT, slug=course.slug) if photo is not None else ""


@bp.get("/hulp", endpoint="help")
def help_page():
    """Who to call when an exercise stirs up more than a learner can carry, day and night."""
    return render_template("coursepages/help.html")


@bp.get("/cursus/<course_slug>/vragen")
def faq_page(course_slug: str):
    course = _course_with(course_slug, "faq_md")
    return render_template("coursepages/faq.html", course=course, faq=faq.page(course.faq_md))


@bp.get("/cursus/<course_slug>/werkblad")
def worksheet_page(course_slug: str):
    course = _course_with(course_slug, "worksheet_md")
    sheet = worksheet.sheet(course.worksheet_md)
    return render_template("coursepages/worksheet.html", course=course, sheet=sheet)


def _course_with(slug: str, page: str) -> Course:
    """The course, when it has this page (its `faq_md` or `worksheet_md`); else 404."""
    course = course_by_slug(slug)
    if course is None or not getattr(course, page).strip():
        abort(404)
    return course
