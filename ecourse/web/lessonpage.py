"""A lesson's page as a learner sees it: for the learner's own visit, and for the admin's
preview of a lesson being edited."""

from __future__ import annotations

from flask import render_template

from ecourse.content import rendered
from ecourse.core.models import Course
from ecourse.web.signupforms import ConfirmForm


def render_lesson(course: Course, lesson, subscriber, progress, **extra) -> str:
    """The lesson page for this learner (also the admin's preview of a lesson being edited).

    `extra` goes to the template as it is: which check-in was just saved (`saved`), or why
    one was refused (`checkin_errors`).
    """
    page = rendered.lesson_page(lesson, subscriber.first_name)
    return render_template(
        "learn/lesson.html",
        course=course,
        lesson=lesson,
        subscriber=subscriber,
        progress=progress,
        form=ConfirmForm(),
        reading_minutes=page.reading_minutes,
        body=page.body,
        exercise=page.exercise,
        reflection=page.reflection,
        **extra,
    )
