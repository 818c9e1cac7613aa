"""Lesson pages, the course overview and the unsubscribe pages.

A lesson link carries a signed token. Opening it moves the learner's identity into the
session cookie and redirects to a clean URL, so the token never shows in the address bar,
the history or a Referer header.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, session, url_for
from sqlalchemy import select

from ecourse import markup, placeholders, timeline, tokens
from ecourse.db import db
from ecourse.learn import bp, service
from ecourse.models import Course, Lesson
from ecourse.passes import utcnow
from ecourse.signup.forms import ConfirmForm


def _current_learner():
    return service.subscriber_by_public_id(session.get("learner"))


@bp.get("/l/<token>")
def enter(token: str):
    try:
        public_id, lesson_id = tokens.read("lesson", token)
    except (tokens.TokenError, ValueError, TypeError):
        return render_template("learn/link_invalid.html"), 400
    subscriber = service.subscriber_by_public_id(public_id)
    lesson = db.session.get(Lesson, lesson_id)
    if subscriber is None or lesson is None:
        return render_template("learn/link_invalid.html"), 404
    session.permanent = True
    session["learner"] = subscriber.public_id
    response = redirect(
        url_for("learn.lesson", course_slug=lesson.course.slug, lesson_slug=lesson.slug)
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/les/<course_slug>/<lesson_slug>")
def lesson(course_slug: str, lesson_slug: str):
    subscriber = _current_learner()
    course = db.session.scalar(select(Course).where(Course.slug == course_slug))
    if course is None:
        abort(404)
    lesson = next((each for each in course.lessons if each.slug == lesson_slug), None)
    if lesson is None:
        abort(404)
    if subscriber is None:
        return render_template("learn/need_link.html", course=course), 403
    enrollment = service.enrollment_for(subscriber, lesson)
    entries = timeline.for_enrollment(enrollment, utcnow()) if enrollment else []
    entry = next((each for each in entries if each.lesson.id == lesson.id), None)
    if entry is None or not entry.received:
        zone = subscriber.timezone or course.timezone
        return render_template("learn/locked.html", course=course, entry=entry, zone=zone), 403
    progress = service.record_opened(enrollment, lesson, utcnow())
    return render_lesson(course, lesson, subscriber, progress)


def render_lesson(course: Course, lesson, subscriber, progress) -> str:
    """The lesson page for this learner (also the admin's preview of a lesson being edited)."""
    name = subscriber.first_name
    return render_template(
        "learn/lesson.html",
        course=course,
        lesson=lesson,
        subscriber=subscriber,
        progress=progress,
        form=ConfirmForm(),
        reading_minutes=markup.reading_minutes(lesson.body_md, lesson.exercise_md),
        body=placeholders.render_markdown(lesson.body_md, name),
        exercise=placeholders.render_markdown(lesson.exercise_md, name),
        reflection=placeholders.render_markdown(lesson.reflection_md, name),
    )


@bp.post("/les/<course_slug>/<lesson_slug>/gedaan")
def exercise_done(course_slug: str, lesson_slug: str):
    """The learner marks the exercise done: their own progress, and the funnel's last step."""
    subscriber = _current_learner()
    lesson = db.session.scalar(
        select(Lesson).join(Course).where(Course.slug == course_slug, Lesson.slug == lesson_slug)
    )
    if lesson is None:
        abort(404)
    enrollment = service.enrollment_for(subscriber, lesson) if subscriber else None
    if enrollment is None or not ConfirmForm().validate_on_submit():
        abort(403 if enrollment is None else 400)
    service.record_exercise_done(enrollment, lesson, utcnow())
    target = url_for("learn.lesson", course_slug=course_slug, lesson_slug=lesson_slug)
    return redirect(target + "#oefening")


@bp.get("/cursus/<course_slug>")
def overview(course_slug: str):
    subscriber = _current_learner()
    course = db.session.scalar(select(Course).where(Course.slug == course_slug))
    if course is None:
        abort(404)
    if subscriber is None:
        return render_template("learn/need_link.html", course=course), 403
    enrollment = next((e for e in subscriber.enrollments if e.course_id == course.id), None)
    entries = timeline.for_enrollment(enrollment, utcnow()) if enrollment else []
    zone = subscriber.timezone or course.timezone
    return render_template(
        "learn/overview.html", course=course, entries=entries, enrollment=enrollment, zone=zone
    )
