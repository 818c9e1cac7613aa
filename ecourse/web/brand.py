"""Whose course this is, on every learner's page: the academy's name in the header and its
links (its own site, its privacy statement) in the footer.

A page about a course names that course's academy; any other page (check your email, a
confirmation, unsubscribing, an error) names the academy of the course it is about as far as
the request tells (`ecourse.web.locale.page_course`), else of the landing page's course, so
a learner never lands on a page that no longer says who sent them there.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g, url_for

from ecourse.content import brand
from ecourse.content.courses import default_course
from ecourse.web import locale


@dataclass(frozen=True)
class Academy:
    name: str  # empty only on a site without a course and without ACADEMY_NAME or MAIL_FROM name
    url: str  # the academy's own site (the course's, else the setting's), else the landing page
    privacy_url: str


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"academy": academy_of})


def academy_of(course=None) -> Academy:
    """The academy behind `course`, or behind the course this request is about (looked up
    once per request: a page asks for it in its title, its header and its footer)."""
    if course is not None:
        return _academy(course)
    if "ecourse_academy" not in g:
        g.ecourse_academy = _academy(locale.page_course() or default_course())
    return g.ecourse_academy


def _academy(course) -> Academy:
    values = current_app.config["ECOURSE"]
    return Academy(
        name=brand.academy_name(course, values["ACADEMY_NAME"], values["MAIL_FROM"]),
        url=brand.academy_url(course, values["ACADEMY_URL"]) or _landing(course),
        privacy_url=values["PRIVACY_URL"] or url_for("privacy.page"),
    )


def _landing(course) -> str:
    return url_for("signup.course", slug=course.slug) if course else url_for("signup.landing")
