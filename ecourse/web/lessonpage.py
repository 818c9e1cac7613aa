"""A lesson's page as a learner sees it: for the learner's own visit, and for the admin's
preview of a lesson being edited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import render_template

from ecourse.content import media, rendered
from ecourse.core.clock import utcnow
from ecourse.core.models import Course
from ecourse.web import sessions
from ecourse.web.signupforms import ConfirmForm


@dataclass(frozen=True)
class HiddenCheckin:
    """What a lesson page shows of a check-in this session may not see (`sessions.shows`):
    that the exercise was done, and nothing the learner wrote."""

    exercise_done_at: datetime | None
    tension_before: None = None
    tension_after: None = None
    note: str = ""


def render_lesson(
    course: Course, lesson, subscriber, progress, template: str = "learn/lesson.html", **extra
) -> str:
    """The lesson page for this learner (also the admin's preview of a lesson being edited,
    and, in a `template` that adds a banner, the page a test email's link opens).

    `audio`: the exercise's audio guide, when it has one (the page works without).
    `extra` goes to the template as it is: what the exercise form's last save did
    (`after_save`), or why one was refused (`checkin_errors`, with the form as sent: `typed`).
    """
    page = rendered.lesson_page(lesson, subscriber.first_name)
    earlier_hidden = not sessions.shows(progress, utcnow())
    return render_template(
        template,
        course=course,
        lesson=lesson,
        subscriber=subscriber,
        progress=HiddenCheckin(progress.exercise_done_at) if earlier_hidden else progress,
        earlier_hidden=earlier_hidden,
        checked_until=sessions.checked_until(utcnow()),
        form=ConfirmForm(),
        reading_minutes=page.reading_minutes,
        body=page.body,
        exercise=page.exercise,
        reflection=page.reflection,
        audio=media.audio_facts(getattr(lesson, "id", None)),
        **extra,
    )
