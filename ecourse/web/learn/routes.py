"""Lesson pages, the course overview and the unsubscribe pages.

A lesson link carries a signed token. Opening it moves the learner's identity into the
session cookie and redirects to a clean URL, so the token never shows in the address bar,
the history or a Referer header.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, render_template, request, url_for
from sqlalchemy import select

from ecourse.core import tokens
from ecourse.core.clock import utcnow
from ecourse.core.db import db
from ecourse.core.models import Course, Enrollment, Lesson, Subscriber, zone_for
from ecourse.learners import timeline
from ecourse.web import learner as service
from ecourse.web import sessions
from ecourse.web.learn import whereami
from ecourse.web.lessonpage import render_lesson
from ecourse.web.signupforms import ConfirmForm

bp = Blueprint("learn", __name__)


@bp.route("/l/<token>", methods=["GET", "POST"])
def enter(token: str):
    """A lesson link: the learner's lesson, under a clean URL (see `sessions.open_link`)."""
    try:
        public_id, lesson_id = tokens.read("lesson", token, sessions.link_max_age())
    except tokens.TokenError as error:
        return sessions.link_refused(expired=error.expired, payload=error.payload)
    except (ValueError, TypeError):
        return sessions.link_refused()
    subscriber = service.learner(public_id)
    lesson = db.session.get(Lesson, lesson_id) if isinstance(lesson_id, int) else None
    if subscriber is None or lesson is None:
        return sessions.link_refused(status=404)
    target = url_for("learn.lesson", course_slug=lesson.course.slug, lesson_slug=lesson.slug)
    return sessions.open_link(subscriber, target, utcnow())


@dataclass(frozen=True)
class Access:
    """A lesson and what the session's learner may do with it."""

    course: Course
    lesson: Lesson
    subscriber: Subscriber | None
    enrollment: Enrollment | None
    # Only a lesson the learner has received is theirs to open, check in on, or mark done.
    received: bool

    def entry(self) -> timeline.Entry | None:
        """Where the lesson stands in the learner's schedule (for a page that is not open
        yet: when it comes)."""
        if self.enrollment is None:
            return None
        entries = timeline.for_enrollment(self.enrollment, utcnow())
        return next((each for each in entries if each.lesson.id == self.lesson.id), None)


def learner_lesson(course_slug: str, lesson_slug: str) -> Access:
    """The lesson (404 when there is none) as the learner in this session stands to it."""
    course = db.session.scalar(select(Course).where(Course.slug == course_slug))
    if course is None:
        abort(404)
    lesson = next((each for each in course.lessons if each.slug == lesson_slug), None)
    if lesson is None:
        abort(404)
    subscriber = service.current_learner()
    enrollment = service.enrollment_for(subscriber, lesson) if subscriber else None
    received = enrollment is not None and service.received(enrollment, lesson)
    return Access(course, lesson, subscriber, enrollment, received)


def refusal(access: Access):
    """The page for someone whose lesson this is not (yet): without a learner, how to get
    in; for a learner it has not reached, when it comes."""
    course, subscriber = access.course, access.subscriber
    if subscriber is None:
        return render_template("learn/need_link.html", course=course), 403
    zone = zone_for(subscriber, course)
    return render_template("learn/locked.html", course=course, entry=access.entry(), zone=zone), 403


def posted_lesson(course_slug: str, lesson_slug: str) -> Access:
    """The lesson a learner's form is about: 403 unless it is theirs, 400 without CSRF token."""
    access = learner_lesson(course_slug, lesson_slug)
    if not access.received:
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return access


@bp.get("/les/<course_slug>/<lesson_slug>")
def lesson(course_slug: str, lesson_slug: str):
    access = learner_lesson(course_slug, lesson_slug)
    course, subscriber = access.course, access.subscriber
    if not access.received:
        return refusal(access)
    progress = service.record_opened(access.enrollment, access.lesson, utcnow())
    after_save = _after_save(request.args)
    return render_lesson(
        course,
        access.lesson,
        subscriber,
        progress,
        after_save=after_save,
        standing=whereami.standing(access.enrollment, utcnow()),
        zone=zone_for(subscriber, course),
    )


def _after_save(args) -> tuple[str, str] | None:
    """What the exercise form's last save did and where it was sent from, as the redirect
    after it tells a page without JavaScript: ("bewaard" or "niets", "voor" or "na")."""
    for kind in ("bewaard", "niets"):
        if args.get(kind) in ("voor", "na"):
            return kind, args[kind]
    return None


@bp.get("/cursus/<course_slug>")
def overview(course_slug: str):
    subscriber = service.current_learner()
    course = db.session.scalar(select(Course).where(Course.slug == course_slug))
    if course is None:
        abort(404)
    if subscriber is None:
        return render_template("learn/need_link.html", course=course), 403
    enrollment = next((e for e in subscriber.enrollments if e.course_id == course.id), None)
    standing = whereami.standing(enrollment, utcnow()) if enrollment else None
    zone = zone_for(subscriber, course)
    return render_template(
        "learn/overview.html",
        course=course,
        entries=standing.entries if standing else [],
        standing=standing,
        enrollment=enrollment,
        zone=zone,
        checked=sessions.is_checked(utcnow()),
    )
