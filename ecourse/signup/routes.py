"""Landing page with the sign-up form, the check-your-email page, and confirmation."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for

from ecourse import tokens
from ecourse.passes import utcnow, wake
from ecourse.planner import course_by_slug, default_course
from ecourse.signup import bp, service, timetrap
from ecourse.signup.forms import ConfirmForm, SignupForm
from ecourse.web import limiter


def _signup_limit() -> str:
    return current_app.config["ECOURSE"]["SIGNUP_RATE_LIMIT"]


# One budget per IP address for every way of signing up: this page, the form embedded in
# another site and the JSON API, so a bot gains nothing by switching between them.
signup_limit = limiter.shared_limit(_signup_limit, scope="signup", methods=["POST"])


@bp.route("/", methods=["GET", "POST"], endpoint="landing")
@bp.route("/c/<slug>", methods=["GET", "POST"], endpoint="course")
@signup_limit
def landing(slug: str | None = None):
    course = course_by_slug(slug) if slug else default_course()
    if course is None:
        abort(404)
    form = SignupForm()
    if form.validate_on_submit():
        # The honeypot and the time trap: answer as if all went well, do nothing.
        if form.website.data or not timetrap.passed(form.rendered.data, utcnow()):
            return redirect(url_for("signup.check_email"))
        try:
            service.register(
                course,
                form.email.data,
                form.first_name.data or "",
                form.timezone.data or "",
                _origin(),
                utcnow(),
            )
        except service.InvalidAddress as error:
            form.email.errors.append(str(error))
        else:
            wake()
            return redirect(url_for("signup.check_email"))
    return landing_page(course, form, 400 if form.errors else 200)


def landing_page(course, form: SignupForm, status: int = 200, action: str | None = None):
    """The landing page with its sign-up form, stamped for the time trap; `action` when the
    page is shown at another address than its own (after an embedded form)."""
    form.rendered.data = timetrap.restamp(form.rendered.data, utcnow())
    consent = service.consent_text(course)
    page = render_template(
        "signup/landing.html", course=course, form=form, consent=consent, action=action
    )
    return page, status


def _origin() -> service.Origin:
    return service.Origin(
        source_url=request.url,
        ip_address=request.remote_addr or "",
        user_agent=request.headers.get("User-Agent", ""),
    )


@bp.get("/aangemeld")
def check_email():
    return render_template("signup/check_email.html")


@bp.route("/bevestig/<token>", methods=["GET", "POST"])
def confirm(token: str):
    try:
        subscriber = service.subscriber_for_confirmation(token)
    except tokens.TokenError as error:
        return render_template("signup/confirm_invalid.html", expired=error.expired), 400
    if subscriber.status == "erased":  # forgotten meanwhile: this link leads nowhere now
        return render_template("signup/confirm_invalid.html", expired=True), 400
    form = ConfirmForm()
    if subscriber.status == "pending" and not form.validate_on_submit():
        return render_template("signup/confirm.html", form=form)
    if service.confirm(subscriber, utcnow()) is not None:
        wake()
    session.permanent = True
    session["learner"] = subscriber.public_id
    return render_template("signup/confirmed.html", subscriber=subscriber)
