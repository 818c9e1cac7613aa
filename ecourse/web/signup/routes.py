"""Landing page with the sign-up form, the check-your-email page, and confirmation."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    redirect,
    render_template,
    request,
    url_for,
)

from ecourse.content.courses import course_by_slug, default_course
from ecourse.core import tokens
from ecourse.core.clock import utcnow
from ecourse.core.statuses import SubscriberStatus
from ecourse.engine import policy
from ecourse.learners import signups as service
from ecourse.web import locale as i18n
from ecourse.web import sessions, signing_up, timetrap
from ecourse.web.signing_up import landing_page, register_form, signup_limit
from ecourse.web.signupforms import ConfirmForm, SignupForm
from ecourse.worker.wakeup import wake

bp = Blueprint("signup", __name__)


@bp.route("/", methods=["GET", "POST"], endpoint="landing")
@bp.route("/c/<slug>", methods=["GET", "POST"], endpoint="course")
@signup_limit
def landing(slug: str | None = None):
    course = course_by_slug(slug) if slug else default_course()
    if course is None:
        abort(404)
    i18n.remember_course(course)
    form = SignupForm()
    if form.validate_on_submit():
        return _submitted(course, form)
    if request.method == "GET" and request.args.get("adres") == "wijzigen":
        return _correcting(course, form)
    return landing_page(course, form, 400 if form.errors else 200)


def _submitted(course, form: SignupForm):
    """A form that passed validation: dropped only when the honeypot is filled in."""
    if form.website.data:  # the honeypot: answer as if all went well, do nothing
        signing_up.answered()
        signing_up.forget()
        return redirect(url_for("signup.check_email"))
    if not signing_up.address_ok(form):  # a mistake is shown first, whatever the timing
        return landing_page(course, form, 400)
    # Too fast, or a stamp that cannot tell: never dropped, shown again to send with one
    # click, everything typed kept (why: `timetrap`).
    if timetrap.verdict(form.rendered.data, utcnow()) != timetrap.PERSON:
        return landing_page(course, form, finishing=True)
    if not register_form(course, form):
        return landing_page(course, form, 400)
    return redirect(url_for("signup.check_email"))


def _correcting(course, form: SignupForm):
    """After "Verkeerd adres?": the form again with this session's own last sign-up filled
    in (never a URL's), to correct the address and send once more. The sign-up to the wrong
    address stays unconfirmed and is forgotten in time, as any unconfirmed one is."""
    sent = signing_up.remembered(utcnow(), course)
    if sent is None:  # nothing of this browser's to correct: the plain form
        return landing_page(course, form)
    form.email.data, form.first_name.data = sent["email"], sent.get("first_name", "")
    return landing_page(course, form, correcting=True)


@bp.get("/aangemeld")
def check_email():
    """The "check your email" page, naming the address and the sender to look for when
    this browser's session made the sign-up; the same page for a known and an unknown address."""
    sent = signing_up.remembered(utcnow())
    course = course_by_slug(sent["course"]) if sent else None
    if course is None:
        return render_template("signup/check_email.html", sent=None)
    name, address = signing_up.inbox_sender(course)
    return render_template(
        "signup/check_email.html",
        course=course,
        sent=sent,
        sender_name=name,
        sender_address=address,
    )


@bp.route("/bevestig/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """A sign-up's own link: one click (a POST, so a mail scanner's GET confirms nothing)
    enrols in exactly its course."""
    try:
        sign_up = service.sign_up_for_confirmation(token)
    except tokens.TokenError as error:
        course = _speak_for_expired(error)
        page = render_template("signup/confirm_invalid.html", expired=error.expired, course=course)
        return page, 400
    subscriber = sign_up.subscriber
    if (
        subscriber.status == SubscriberStatus.ERASED
    ):  # forgotten meanwhile: this link leads nowhere now
        return render_template("signup/confirm_invalid.html", expired=True), 400
    i18n.speak_for(sign_up.course, subscriber, sign_up.language)
    if sign_up.confirmed_at is not None:  # used before: a forwarded copy opens nothing
        return _used_before(sign_up)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("signup/confirm.html", form=form)
    now = utcnow()
    if service.confirm(sign_up, now) is not None:
        wake()
    if not sessions.names_someone_else(subscriber):  # never a silent switch of learner
        sessions.enter(subscriber, now)
    enrollment = sign_up.enrollment
    return render_template(
        "signup/confirmed.html",
        subscriber=subscriber,
        enrollment=enrollment,
        under_way=enrollment.status in policy.UNDER_WAY,
    )


def _speak_for_expired(error: tokens.TokenError):
    """An expired link still names its sign-up: its page speaks that sign-up's language,
    in a browser that knows nothing of the person, and leads to its course. The course, if
    known."""
    sign_up = service.sign_up_of_expired(error)
    if sign_up is None:
        return None
    i18n.speak_for(sign_up.course, sign_up.subscriber, sign_up.language)
    return sign_up.course


def _used_before(sign_up):
    """A confirmation link clicked again: what became of it, without opening a session."""
    enrollment = sign_up.enrollment
    if enrollment.status in policy.UNDER_WAY:
        return render_template("signup/already_confirmed.html", course=sign_up.course)
    return render_template(
        "signup/confirmed.html",
        subscriber=sign_up.subscriber,
        enrollment=enrollment,
        under_way=False,
    )
