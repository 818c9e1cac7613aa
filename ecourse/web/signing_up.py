"""Signing up, shared by the landing page and the form embedded in the academy's site:
one rate limit, registering a filled-in form, the landing page, what the "check your
email" page may show, and the consent record's origin."""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr

from flask import current_app, g, render_template, request, session, url_for

from ecourse.content import description
from ecourse.core.clock import utcnow
from ecourse.engine import envelope
from ecourse.learners import current
from ecourse.learners import signups as service
from ecourse.mail.message import format_sender
from ecourse.web import locale as i18n
from ecourse.web import timetrap
from ecourse.web.security import limiter
from ecourse.web.signupforms import SignupForm
from ecourse.worker.wakeup import wake

SIGNED_UP = "signed_up"  # the session's memory of its own last sign-up
SHOWN_FOR_SECONDS = 3600  # after that, a shared computer no longer shows the address


def _signup_limit() -> str:
    return current_app.config["ECOURSE"]["SIGNUP_RATE_LIMIT"]


def _answered(response) -> bool:
    return g.get("signup_answered", False)


# One budget per IP address for every way of signing up: this page, the form embedded in
# another site and the JSON API, so a bot gains nothing by switching between them. Only
# sign-ups answered with "check your email" spend it (`answered`): a typo, a missing tick
# or the one-click form costs a person nothing, so five mistakes never lock them out.
signup_limit = limiter.shared_limit(
    _signup_limit, scope="signup", methods=["POST"], deduct_when=_answered
)


def answered() -> None:
    """Count this request against the sign-up limit: an accepted sign-up, or a honeypot hit,
    which must look accepted in every way, the limit included, so a bot learns nothing."""
    g.signup_answered = True


def address_ok(form: SignupForm) -> bool:
    """Whether the form's address can receive mail; if not, the reason goes on the email
    field. Checked before the time trap, so a mistake is shown at once, not after a click."""
    try:
        service.normalise_address(form.email.data or "")
    except service.InvalidAddress as error:
        form.email.errors.append(str(error))  # text: the reason is lazy
        return False
    return True


def register_form(course, form: SignupForm, source_url: str = "") -> bool:
    """Register a valid form's sign-up and wake the scheduler for its confirmation email;
    False (with the reason on the email field) when the address cannot receive mail."""
    if not address_ok(form):
        return False
    now = utcnow()
    address = service.register(
        course,
        form.email.data,
        form.first_name.data or "",
        form.timezone.data or "",
        sign_up_origin(source_url),
        now,
    )
    answered()
    remember(course, address, form.first_name.data or "", now)
    wake()
    return True


def remember(course, address: str, first_name: str, now: datetime) -> None:
    """Keep this browser's own sign-up in its session, for the "check your email" page to
    name the address and offer to correct it. Only the session's own: never a URL's, so
    nobody can make that page show an address (or any text) they chose. Known and unknown
    addresses are remembered alike, so the page reveals nothing about either."""
    i18n.remember_course(course)
    session[SIGNED_UP] = {
        "email": address,
        "first_name": service.clean_name(first_name),
        "course": course.slug,
        "at": now.timestamp(),
    }


def forget() -> None:
    """Drop the session's memory of its last sign-up: after a honeypot hit (what it sent
    now is not that sign-up), or once its hour is over."""
    session.pop(SIGNED_UP, None)


def remembered(now: datetime, course=None) -> dict | None:
    """This session's last sign-up, if made within `SHOWN_FOR_SECONDS` (and for `course`)."""
    sent = session.get(SIGNED_UP)
    if not isinstance(sent, dict) or not isinstance(sent.get("at"), int | float):
        return None
    if not 0 <= now.timestamp() - sent["at"] <= SHOWN_FOR_SECONDS:
        forget()  # the cookie may outlive the hour by months: keep no address in it
        return None
    if course is not None and sent.get("course") != course.slug:
        return None
    return sent


def inbox_sender(course) -> tuple[str, str]:
    """The confirmation email's sender as an inbox shows it: the From display name (the
    academy's name, `ecourse.content.brand`) and the address; composed by
    `ecourse.engine.envelope` itself, so the page and the email always agree."""
    settings = current.settings()
    return parseaddr(format_sender(envelope.sender_name(course, settings), settings.mail_from))


def landing_page(
    course, form: SignupForm, status: int = 200, finishing: bool = False, correcting=False
):
    """The landing page with its sign-up form, stamped for the time trap. `finishing`: what
    was sent, shown once more to be sent with one click (to the course's own address): after
    the embedded form, or a form sent faster than the time trap allows. `correcting`: the
    session's last sign-up, back in the form to correct its address."""
    form.rendered.data = timetrap.restamp(form.rendered.data, utcnow())
    language = i18n.page_language(course)
    page = render_template(
        "signup/landing.html",
        course=course,
        form=form,
        # The description's lesson count and the consent's come from the same lessons.
        description=description.shown(course.description, len(course.published_lessons), language),
        consent=service.consent_text(course, language),
        action=url_for("signup.course", slug=course.slug) if finishing or correcting else None,
        finishing=finishing,
        correcting=correcting,
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
