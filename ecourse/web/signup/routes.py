"""Landing page with the sign-up form, the check-your-email page, and confirmation."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    redirect,
    render_template,
    url_for,
)

from ecourse.content.courses import course_by_slug, default_course
from ecourse.core import tokens
from ecourse.core.clock import utcnow
from ecourse.core.statuses import SubscriberStatus
from ecourse.engine import policy
from ecourse.learners import signups as service
from ecourse.web import locale as i18n
from ecourse.web import sessions, timetrap
from ecourse.web.signing_up import landing_page, register_form, signup_limit
from ecourse.web.signupforms import ConfirmForm, SignupForm
from ecourse.worker.scheduler import wake

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
        trap = timetrap.verdict(form.rendered.data, utcnow())
        # The honeypot and the time trap: answer as if all went well, do nothing.
        if form.website.data or trap == timetrap.TOO_FAST:
            return redirect(url_for("signup.check_email"))
        if trap == timetrap.STALE:  # left open for long, or stamped before a key change
            return landing_page(course, form, finishing=True)
        if register_form(course, form):
            return redirect(url_for("signup.check_email"))
    return landing_page(course, form, 400 if form.errors else 200)


@bp.get("/aangemeld")
def check_email():
    return render_template("signup/check_email.html")


@bp.route("/bevestig/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """A sign-up's own link: one click (a POST, so a mail scanner's GET confirms nothing)
    enrols in exactly its course."""
    try:
        sign_up = service.sign_up_for_confirmation(token)
    except tokens.TokenError as error:
        return render_template("signup/confirm_invalid.html", expired=error.expired), 400
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
