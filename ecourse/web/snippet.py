"""The sign-up snippet an admin pastes into the academy's own website.

Plain HTML, no script from elsewhere: the same fields and consent text as the landing page,
the honeypot, and a few lines of inline script that report how long the form was open
(`elapsed_ms`, for the time trap) and the visitor's time zone. It posts to this site's
absolute address (`BASE_URL`). Without JavaScript it still works: the visitor then finishes
on this site's own landing form, pre-filled.
"""

from __future__ import annotations

from flask import render_template

from ecourse.core import links
from ecourse.core.models import Course
from ecourse.learners import signups as service
from ecourse.web import locale as i18n


def snippet_for(course: Course) -> str:
    """The snippet in the language of the course's sign-up page, even on the (Dutch) admin
    page that offers it for copying."""
    language = i18n.page_language(course)
    with i18n.speaking(language):
        return render_template(
            "embed/snippet.html",
            course=course,
            language=language,
            action=links.external_url("embed.form", slug=course.slug),
            prefix=f"ecourse-{course.slug}",
            consent=service.consent_text(course, language),
            version=service.consent_version(course, language),
        ).strip()
