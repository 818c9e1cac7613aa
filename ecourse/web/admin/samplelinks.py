"""The links in an admin's test email: previews of the pages a learner's links open.

A learner's links carry tokens naming that learner; an admin is no learner, so a test email
with such links could only open "Deze link werkt niet" (and an admin would fear the real
emails are broken too). A test email links instead to /admin/voorbeeld/<token>: behind the
admin login, signed for the one purpose "preview", and good for `PREVIEW_HOURS`.

Each opens the real page for the sample reader under a banner "Dit is een voorbeeld", where
no button does anything (form-action 'none'). The lesson link carries the lesson as it was
in the editor (compressed), so it opens the page exactly as tested, saved or not. A lesson
too long for a link (`MAX_LINK_CHARS`: gunicorn refuses request lines over 4 KB) opens its
saved version, and says so. The preferences page shows a learner's own dates and choices,
which a sample reader has none of, so its preview says what the learner finds there.
"""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from ecourse.core import links, tokens
from ecourse.core.db import db
from ecourse.core.models import Course, Subscriber
from ecourse.core.statuses import SubscriberStatus
from ecourse.learners import reach
from ecourse.web.admin.routes import bp
from ecourse.web.lessonpage import render_lesson
from ecourse.web.security import CONTENT_SECURITY_POLICY
from ecourse.web.signupforms import ConfirmForm

SAMPLE_NAME = "Anna"
PREVIEW_HOURS = 24
MAX_LINK_CHARS = 3000
KINDS = ("les", "voorkeuren", "afmelden")
TEXT_FIELDS = tuple(name for name in reach.LESSON_FIELDS if name not in ("day", "exercise_minutes"))
# The pages' own policy, with no form going anywhere: a preview changes nothing.
SAMPLE_POLICY = CONTENT_SECURITY_POLICY.replace("form-action 'self'", "form-action 'none'")


def sample_reader() -> Subscriber:
    """A subscriber that exists only for previews (never added to the database), with the
    admin's own address: a test email goes there and nowhere else."""
    return Subscriber(
        email=current_user.email,
        first_name=SAMPLE_NAME,
        public_id="voorbeeld",
        status=SubscriberStatus.ACTIVE,
    )


def links_for(course: Course, draft: reach.LessonDraft) -> dict[str, str]:
    """The preview links that stand in for a learner's links in a test email of `draft`."""
    fields = {name: getattr(draft, name) for name in reach.LESSON_FIELDS}
    lesson = _url({"k": "les", "c": course.id, "l": draft.id, "d": fields})
    if len(lesson) > MAX_LINK_CHARS:
        lesson = _url({"k": "les", "c": course.id, "l": draft.id, "d": None})
    return {
        "lesson_url": lesson,
        "preferences_url": _url({"k": "voorkeuren", "c": course.id}),
        "unsubscribe_url": _url({"k": "afmelden", "c": course.id}),
    }


def _url(payload: dict) -> str:
    """Under the configured base URL, as every link in an email."""
    return links.external_url("admin.sample_page", token=tokens.make("preview", payload))


@bp.get("/voorbeeld/<token>")
def sample_page(token: str):
    """A link from a test email: the page it stands for, as a preview."""
    try:
        payload = tokens.read("preview", token, PREVIEW_HOURS * 3600)
    except tokens.TokenError as error:
        return _refused(expired=error.expired)
    course = _course_of(payload)
    if course is None:
        return _refused(expired=False)
    if payload["k"] == "les":
        return _lesson(course, payload)
    if payload["k"] == "afmelden":
        return _sample(_unsubscribe(course))
    return _sample(
        render_template("admin/sample_preferences.html", course=course, name=SAMPLE_NAME)
    )


def _course_of(payload) -> Course | None:
    if not isinstance(payload, dict) or payload.get("k") not in KINDS:
        return None
    course_id = payload.get("c")
    return db.session.get(Course, course_id) if isinstance(course_id, int) else None


def _lesson(course: Course, payload: dict):
    lesson_id = payload.get("l")
    saved = next((each for each in course.lessons if each.id == lesson_id), None)
    draft = _draft_of(saved, payload.get("d"))
    if draft is not None:
        return _sample(_lesson_page(course, draft, note=""))
    if payload.get("d") is not None:
        return _refused(expired=False)
    if saved is None:
        page = render_template("admin/sample_unsaved.html", course=course, name=SAMPLE_NAME)
        return _sample(page)
    note = "Deze les was te lang om in de link mee te sturen: je ziet de opgeslagen versie."
    return _sample(_lesson_page(course, saved, note))


def _draft_of(saved, fields) -> reach.LessonDraft | None:
    """The lesson as the link carries it, or None when it carries none (or a broken one)."""
    if not isinstance(fields, dict) or set(fields) != set(reach.LESSON_FIELDS):
        return None
    numbers = (fields["day"], fields["exercise_minutes"])
    if not all(isinstance(fields[name], str) for name in TEXT_FIELDS):
        return None
    if not all(isinstance(number, int) and not isinstance(number, bool) for number in numbers):
        return None
    return reach.LessonDraft.of(saved, **fields)


def _lesson_page(course: Course, lesson, note: str) -> str:
    return render_lesson(
        course,
        lesson,
        sample_reader(),
        progress=None,
        template="admin/sample_lesson.html",
        sample_name=SAMPLE_NAME,
        sample_note=note,
    )


def _unsubscribe(course: Course) -> str:
    """The unsubscribe page as a learner of `course` sees it, for the sample reader."""
    return render_template(
        "admin/sample_unsubscribe.html",
        course=course,
        form=ConfirmForm(),
        leaving={"course": course},
        course_stopped=False,
        all_stopped=False,
        sample_name=SAMPLE_NAME,
    )


def _sample(page: str):
    return page, 200, {"Content-Security-Policy": SAMPLE_POLICY}


def _refused(expired: bool):
    page = render_template(
        "admin/sample_refused.html", expired=expired, hours=PREVIEW_HOURS, section="lessons"
    )
    return page, 410 if expired else 400
