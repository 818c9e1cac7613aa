"""Signing up, shared by the landing page and the form embedded in the academy's site:
one rate limit, registering a filled-in form, the landing page, and the consent record's
origin."""

from __future__ import annotations

from flask import current_app, render_template, request, url_for

from ecourse.core.clock import utcnow
from ecourse.learners import signups as service
from ecourse.web import locale as i18n
from ecourse.web import timetrap
from ecourse.web.security import limiter
from ecourse.web.signupforms import SignupForm
from ecourse.worker.scheduler import wake


def _signup_limit() -> str:
    return current_app.config["ECOURSE"]["SIGNUP_RATE_LIMIT"]


# One budget per IP address for every way of signing up: this page, the form embedded in
# another site and the JSON API, so a bot gains nothing by switching between them.
signup_limit = limiter.shared_limit(_signup_limit, scope="signup", methods=["POST"])


def register_form(course, form: SignupForm, source_url: str = "") -> bool:
    """Register a valid form's sign-up and wake the scheduler for its confirmation email;
    False (with the reason on the email field) when the address cannot receive mail."""
    try:
        service.register(
            course,
            form.email.data,
            form.first_name.data or "",
            form.timezone.data or "",
            sign_up_origin(source_url),
            utcnow(),
        )
    except service.InvalidAddress as error:
        form.email.errors.append(str(error))  # text: the reason is lazy
        return False
    wake()
    return True


def landing_page(course, form: SignupForm, status: int = 200, finishing: bool = False):
    """The landing page with its sign-up form, stamped for the time trap. `finishing`: shown
    after the embedded form, to be sent once more from here (to the course's own address)."""
    form.rendered.data = timetrap.restamp(form.rendered.data, utcnow())
    page = render_template(
        "signup/landing.html",
        course=course,
        form=form,
        consent=service.consent_text(course, i18n.page_language(course)),
        action=url_for("signup.course", slug=course.slug) if finishing else None,
        finishing=finishing,
    )
    return page, status


def sign_up_origin(source_url: str = "") -> service.Origin:
    """Where this request's sign-up came from, for its consent record."""
    return service.Origin(
        source_url=source_url or request.url,
        ip_address=request.remote_addr or "",
        user_agent=request.headers.get("User-Agent", ""),
        language=i18n.current_language(),
    )
