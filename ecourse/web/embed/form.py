"""POST /aanmelden/<course>: the sign-up form pasted into the academy's own website.

The form comes from another site, so it carries no CSRF token; only the sites named in
`EMBED_ORIGINS` are heard. Then the landing page's rules: the honeypot, validation, the
time trap (from the snippet's `elapsed_ms`) and the shared rate limit. A sign-up that
passes is registered at once; when it was sent faster than the time trap allows, the
snippet's script did not run, or the pasted snippet shows an older consent text, the
visitor finishes on our own landing form, pre-filled: one click more, never a drop.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, redirect, render_template, url_for

from ecourse.content.courses import course_by_slug
from ecourse.core.clock import utcnow
from ecourse.learners import signups as service
from ecourse.web import locale as i18n
from ecourse.web import origins, timetrap
from ecourse.web.embed.routes import bp
from ecourse.web.security import csrf
from ecourse.web.signing_up import (
    address_ok,
    answered,
    forget,
    landing_page,
    register_form,
    signup_limit,
)
from ecourse.web.signupforms import EmbeddedSignupForm, SignupForm


@bp.post("/aanmelden/<slug>", endpoint="form")
@csrf.exempt
@signup_limit
def signup_form(slug: str):
    course = course_by_slug(slug)
    if course is None:
        abort(404)
    if not origins.is_allowed(origins.request_origin()):
        return not_allowed(course), 403
    form = EmbeddedSignupForm()
    if form.website.data:  # the honeypot: answer as if all went well, do nothing
        answered()
        forget()
        return check_email()
    if not form.validate() or not address_ok(form):
        return finish_here(course, form, 400)
    elapsed = milliseconds(form.elapsed_ms.data)
    if elapsed is None:  # no JavaScript ran: the time trap of our own form takes over
        return finish_here(course, form)
    if not timetrap.elapsed_passed(elapsed):  # too fast: one click more (why: `timetrap`)
        return finish_here(course, form, shown_ms_ago=elapsed)
    if form.consent_version.data != service.consent_version(course, i18n.page_language(course)):
        return finish_here(course, form)  # they agreed to other words than we would record
    if not register_form(course, form, origins.source_page()):
        return finish_here(course, form, 400)
    return check_email()


def not_allowed(course):
    return render_template(
        "embed/not_allowed.html", course=course, configured=bool(origins.allowed())
    )


def check_email():
    """The answer to every sign-up that is accepted or quietly dropped: see your mailbox."""
    return redirect(url_for("signup.check_email"), 303)


def milliseconds(value: str | None) -> int | None:
    """The snippet's `elapsed_ms`: None when empty (no script ran), -1 when not a number
    (too fast by definition: a person's browser sends digits)."""
    text = (value or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        return -1
    return int(text) if len(text) <= 12 else 10**12  # a long number is slow, not too fast


def finish_here(course, sent: EmbeddedSignupForm, status: int = 200, shown_ms_ago=None):
    """Our own landing form with what the visitor sent (and any errors), to send once more
    from here with its own CSRF token and time trap. The consent box stays ticked only when
    the visitor ticked the very text this form shows. `shown_ms_ago`: how long the snippet
    was open (too short), which counts towards our own time trap, so the one click more is
    not trapped in turn."""
    same_text = sent.consent_version.data == service.consent_version(
        course, i18n.page_language(course)
    )
    data = {
        "email": (sent.email.data or "").strip(),
        "first_name": sent.first_name.data or "",
        "consent": bool(sent.consent.data) and same_text,
        "timezone": sent.timezone.data or "",
    }
    if shown_ms_ago is not None:
        shown = utcnow() - timedelta(milliseconds=max(0, shown_ms_ago))
        data["rendered"] = timetrap.stamp(shown)
    form = SignupForm(formdata=None, data=data)
    for name in ("email", "first_name", "consent"):
        form[name].errors = list(sent[name].errors)
    return landing_page(course, form, status, finishing=True)
