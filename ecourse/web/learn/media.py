"""An exercise's audio guide and the teacher's photo, served from the database.

The audio guide is as private as its lesson: the learner it has reached, or an admin (the
editor's player, the page preview). It answers Range requests (a player seeks; Safari asks
for ranges before it plays) and If-None-Match, with the file's SHA-256 as its ETag. The photo
is shown on public pages, so any cache may keep it.
"""

from __future__ import annotations

import io

from flask import abort, request, send_file, url_for

from ecourse.content import media
from ecourse.content.courses import course_by_slug
from ecourse.core.clock import utcnow
from ecourse.core.models import Course
from ecourse.web import sessions
from ecourse.web.learn.routes import bp, learner_lesson, refusal

AUDIO_CACHE = "private, max-age=86400"
PHOTO_CACHE = "public, max-age=86400"


@bp.get("/les/<course_slug>/<lesson_slug>/audio")
def audio(course_slug: str, lesson_slug: str):
    """The lesson's audio guide; `?download=1` saves it as a file."""
    access = learner_lesson(course_slug, lesson_slug)
    if not access.received and not sessions.admin_session_live(utcnow()):
        return refusal(access)
    facts = media.audio_facts(access.lesson.id)
    if facts is None:
        abort(404)
    return _send(facts, AUDIO_CACHE, download=request.args.get("download") == "1")


@bp.get("/cursus/<course_slug>/docent")
def teacher_photo(course_slug: str):
    course = course_by_slug(course_slug)
    facts = media.photo_facts(course.id) if course else None
    if facts is None:
        abort(404)
    return _send(facts, PHOTO_CACHE)


@bp.app_template_global()
def teacher_photo_url(course: Course) -> str | None:
    """The address of the course's teacher photo, or None when it has none (a page shows
    the photo only when there is one)."""
    facts = media.photo_facts(course.id)
    if facts is None:
        return None
    return url_for("learn.teacher_photo", course_slug=course.slug, v=facts.sha256[:12])


def _send(facts: media.Facts, cache: str, download: bool = False):
    response = send_file(
        io.BytesIO(media.data_of(facts)),
        mimetype=facts.content_type,
        as_attachment=download,
        download_name=facts.filename,
        conditional=True,
        etag=facts.sha256,
        max_age=None,
    )
    response.headers["Cache-Control"] = cache
    response.headers["Accept-Ranges"] = "bytes"
    return response
