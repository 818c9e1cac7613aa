"""The language of the page being rendered (Flask-Babel), by the rules of
`ecourse.core.languages`: the course, the learner, the browser's Accept-Language, Dutch.
The admin area is Dutch."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel, get_locale, refresh

from ecourse.core import dates
from ecourse.core.languages import ANY, DEFAULT, LANGUAGES, TRANSLATIONS, language_for

__all__ = ["ANY", "DEFAULT", "LANGUAGES", "language_for"]

babel = Babel()
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")


def init_app(app: Flask) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    babel.init_app(app, locale_selector=_request_language)
    app.add_template_global(current_language)
    app.add_template_filter(localdate, "localdate")
    app.add_template_filter(localday, "localday")


def localdate(moment, zone: str, with_time: bool = False, with_year: bool = False) -> str:
    """A moment as words in the page's language (the `localdate` template filter)."""
    return dates.format_local(moment, zone, with_time, with_year, current_language())


def localday(day) -> str:
    return dates.format_day(day, current_language())


def current_language() -> str:
    """The language of the page being rendered (Dutch outside a request)."""
    return str(get_locale() or DEFAULT) if has_request_context() else DEFAULT


def speak_for(course=None, subscriber=None, asked: str | None = None) -> None:
    """Let this page speak the language of `course` and `subscriber`, for pages that learn
    who they are for from a signed link rather than from the URL or the session. `asked`:
    the language a sign-up was made in, for someone who has not chosen one yet."""
    g.ecourse_audience = (course or _course_of(subscriber), subscriber, asked)
    refresh()  # forget a language already chosen for this request


def remember_course(course) -> None:
    """Let the next pages of this visitor (check your email, a page not found) speak the
    language of the course they are signing up for, before they have a session as learner."""
    if session.get("course") != course.slug:
        session["course"] = course.slug


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Render a part in `language`, whatever the page speaks (the admin's copy of the sign-up
    snippet is in the course's language). Kept on `g`, so other requests are untouched."""
    before = g.get("ecourse_language")
    g.ecourse_language = language
    refresh()
    try:
        yield
    finally:
        g.ecourse_language = before
        refresh()


def page_language(course) -> str:
    """The language a course's own pages speak for a visitor nobody knows yet."""
    return language_for(course, browser=current_language())


def _request_language() -> str:
    if g.get("ecourse_language"):
        return g.ecourse_language
    # Lazy strings turned into text outside a request (a command, a pass) speak Dutch.
    if not has_request_context() or request.blueprint == "admin":
        return DEFAULT
    course, subscriber, asked = g.get("ecourse_audience") or (*_course_and_learner(), None)
    browser = request.accept_languages.best_match(LANGUAGES)
    return language_for(course, subscriber, asked if asked in LANGUAGES else browser)


def page_course():
    """The course this page is about, found as for its language (the page's own, the
    learner's, the one being signed up for, the landing page's); None when there is none."""
    if not has_request_context():
        return None
    audience = g.get("ecourse_audience") or _course_and_learner()
    return audience[0]


def _course_and_learner():
    """The course a page is about (from its URL, the learner's enrollment, or the course
    the landing page offers) and the learner whose session it is, if any."""
    from ecourse.content.courses import course_by_slug, default_course
    from ecourse.web.learner import subscriber_by_public_id

    args = request.view_args or {}
    slug = args.get("course_slug") or args.get("slug")
    if slug and not SLUG.fullmatch(slug):
        slug = None  # not a course's URL (say, the 400 page for a NUL byte): ask nothing
    subscriber = subscriber_by_public_id(session.get("learner"))
    course = (course_by_slug(slug) if slug else None) or _course_of(subscriber)
    if course is None and subscriber is None:
        remembered = session.get("course")
        course = (course_by_slug(remembered) if remembered else None) or default_course()
    return course, subscriber


def _course_of(subscriber):
    """The course a learner follows (their first), whose language their pages speak."""
    if subscriber is None or not subscriber.enrollments:
        return None
    return subscriber.enrollments[0].course
