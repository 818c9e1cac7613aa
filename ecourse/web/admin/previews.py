"""What a lesson being edited will look like: its page and its email, and a test send.

The editor's form posts here into sandboxed frames (live with JavaScript, by a button
without), so nothing is saved. The email is built by the same code that sends lessons (its
greeting and preview line included); only its links are previews (`samplelinks`), so every
link in a test email opens a page that works.
"""

from __future__ import annotations

from dataclasses import replace

from flask import abort, render_template
from flask_login import current_user

from ecourse.core.clock import utcnow
from ecourse.engine import emails, ledger
from ecourse.learners import current
from ecourse.web.admin import samplelinks
from ecourse.web.admin.forms import LessonForm
from ecourse.web.admin.lessons import course_or_404, draft_from_form
from ecourse.web.admin.routes import bp
from ecourse.web.lessonpage import render_lesson
from ecourse.web.security import limiter

# Framed only by our own admin pages; the email's own styles are inline, as in a mailbox.
FRAME_POLICY = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' https: data:",
        "media-src 'self'",
        "frame-src 'self'",
        "frame-ancestors 'self'",
        "form-action 'none'",
        "base-uri 'none'",
    ]
)


def _framed(page: str, status: int = 200):
    headers = {"Content-Security-Policy": FRAME_POLICY, "X-Frame-Options": "SAMEORIGIN"}
    return page, status, headers


def _posted_draft(slug: str, lesson_slug: str | None):
    course = course_or_404(slug)
    lesson = next((each for each in course.lessons if each.slug == lesson_slug), None)
    if lesson_slug and lesson is None:
        abort(404)
    form = LessonForm()
    if not form.validate_on_submit():
        return course, None, form
    return course, draft_from_form(course, lesson, form), form


@bp.post("/cursussen/<slug>/voorbeeld/pagina", defaults={"lesson_slug": None})
@bp.post("/cursussen/<slug>/lessen/<lesson_slug>/voorbeeld/pagina")
def page_preview(slug: str, lesson_slug: str | None):
    course, draft, form = _posted_draft(slug, lesson_slug)
    if draft is None:
        return _framed(render_template("admin/preview_problems.html", form=form), 400)
    page = render_lesson(course, draft, samplelinks.sample_reader(), progress=None)
    return _framed(page)


@bp.post("/cursussen/<slug>/voorbeeld/email", defaults={"lesson_slug": None})
@bp.post("/cursussen/<slug>/lessen/<lesson_slug>/voorbeeld/email")
def email_preview(slug: str, lesson_slug: str | None):
    course, draft, form = _posted_draft(slug, lesson_slug)
    if draft is None:
        return _framed(render_template("admin/preview_problems.html", form=form), 400)
    message = _build(course, draft)
    preview = emails.preview_text(draft, samplelinks.SAMPLE_NAME)
    page = render_template("admin/email_preview.html", message=message, preview=preview)
    return _framed(page)


def _build(course, draft):
    """The lesson email of `draft` for the sample reader, at the admin's own address."""
    now = utcnow()
    key = f"test:{current_user.id}:{now.timestamp()}"
    message_id = ledger.message_id_for(key, current.settings())
    renderer = emails.Renderer(current.settings())
    links, reader = samplelinks.links_for(course, draft), samplelinks.sample_reader()
    return emails.build_sample(reader, course, draft, links, message_id, now, renderer)


@bp.post("/cursussen/<slug>/test", defaults={"lesson_slug": None})
@bp.post("/cursussen/<slug>/lessen/<lesson_slug>/test")
@limiter.limit("10 per 10 minutes")
def send_test(slug: str, lesson_slug: str | None):
    """Send the lesson's email, as it is in the editor, to the admin's own address."""
    course, draft, form = _posted_draft(slug, lesson_slug)
    if draft is None:
        return _framed(render_template("admin/preview_problems.html", form=form), 400)
    message = _build(course, draft)
    message = replace(message, subject=f"[Test] {message.subject}")
    outcome = current.engine().messenger.send([message])[0]
    page = render_template(
        "admin/test_sent.html",
        outcome=outcome,
        to=current_user.email,
        hours=samplelinks.PREVIEW_HOURS,
    )
    return _framed(page, 200 if outcome.ok else 502)
