"""The sign-up form for the academy's own website: each course's snippet, ready to paste."""

from __future__ import annotations

from flask import Response, render_template
from sqlalchemy import select

from ecourse.core import links
from ecourse.core.db import db
from ecourse.core.models import Course
from ecourse.learners.signups import consent_text
from ecourse.web import origins
from ecourse.web.admin.lessons import course_or_404
from ecourse.web.admin.routes import bp
from ecourse.web.admin.transfer import safe_name
from ecourse.web.snippet import snippet_for


@bp.get("/aanmeldformulier")
def embedding():
    courses = db.session.scalars(select(Course).order_by(Course.id))
    return render_template(
        "admin/embedding.html",
        section="embedding",
        items=[(course, consent_text(course), snippet_for(course)) for course in courses],
        allowed=sorted(origins.allowed()),
        api_url=links.external_url("embed.api.create_signup"),
    )


@bp.get("/aanmeldformulier/<slug>.html")
def snippet_file(slug: str):
    """The snippet as a file: copying without JavaScript, and without selecting by hand."""
    course = course_or_404(slug)
    return Response(
        snippet_for(course) + "\n",
        mimetype="text/plain",
        headers={
            "Content-Disposition": f'attachment; filename="aanmelden-{safe_name(course.slug)}.html"'
        },
    )
