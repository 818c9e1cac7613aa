"""Landing page with the sign-up form, the check-your-email page, and confirmation."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for

from ecourse import i18n, policy, tokens
from ecourse.clock import utcnow
from ecourse.planner import course_by_slug, default_course
from ecourse.scheduler import wake
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
        consent=service.consent_text(course),
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
    if subscriber.status == "erased":  # forgotten meanwhile: this link leads nowhere now
        return render_template("signup/confirm_invalid.html", expired=True), 400
    i18n.speak_for(sign_up.course, subscriber, sign_up.language)
    form = ConfirmForm()
    if sign_up.confirmed_at is None and not form.validate_on_submit():
        return render_template("signup/confirm.html", form=form)
    if service.confirm(sign_up, utcnow()) is not None:
        wake()
    session.permanent = True
    session["learner"] = subscriber.public_id
    enrollment = sign_up.enrollment
    return render_template(
        "signup/confirmed.html",
        subscriber=subscriber,
        enrollment=enrollment,
        under_way=enrollment.status in policy.UNDER_WAY,
    )
