"""Landing page with the sign-up form, the check-your-email page, and confirmation."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for

from ecourse import tokens
from ecourse.passes import utcnow, wake
from ecourse.planner import course_by_slug, default_course
from ecourse.signup import bp, service
from ecourse.signup.forms import ConfirmForm, SignupForm
from ecourse.web import limiter


def _signup_limit() -> str:
    return current_app.config["ECOURSE"]["SIGNUP_RATE_LIMIT"]


@bp.route("/", methods=["GET", "POST"], endpoint="landing")
@bp.route("/c/<slug>", methods=["GET", "POST"], endpoint="course")
@limiter.limit(_signup_limit, methods=["POST"])
def landing(slug: str | None = None):
    course = course_by_slug(slug) if slug else default_course()
    if course is None:
        abort(404)
    form = SignupForm()
    if form.validate_on_submit():
        if form.website.data:  # the honeypot: answer as if all went well, do nothing
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
    status = 400 if form.errors else 200
    return render_template(
        "signup/landing.html", course=course, form=form, consent=service.consent_text(course)
    ), status


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
    form = ConfirmForm()
    if subscriber.status == "pending" and not form.validate_on_submit():
        return render_template("signup/confirm.html", form=form)
    if service.confirm(subscriber, utcnow()) is not None:
        wake()
    session.permanent = True
    session["learner"] = subscriber.public_id
    return render_template("signup/confirmed.html", subscriber=subscriber)
