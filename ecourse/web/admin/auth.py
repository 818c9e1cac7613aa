"""Logging in and out, and the rule that every admin URL needs a logged-in admin.

An admin with a second factor logs in in two steps: the password, then a code (`twofactor`);
between them the session holds only a pending id, good for five minutes. Each admin view
then checks the role (`roles`).

The login id Flask-Login keeps in the session is `<admin id>:<session nonce>`; a new
password draws a new nonce, so sessions issued before it no longer load an admin. Each
login is also a row (`AdminSession`) named in the cookie: logging out closes it, so a copy
of the cookie stops working at once.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.exceptions import HTTPException
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired

from ecourse.core.clock import utcnow
from ecourse.core.db import db
from ecourse.core.models import Admin
from ecourse.journey import journal
from ecourse.learners import accounts, twofactor
from ecourse.web import sessions
from ecourse.web.admin import roles
from ecourse.web.admin.routes import bp
from ecourse.web.security import limiter, refused

login_manager = LoginManager()
PUBLIC_ENDPOINTS = {"admin.login", "admin.login_code", "admin.welcome"}
PENDING_SECONDS = 300  # between the password and the code


class LoginForm(FlaskForm):
    email = EmailField("E-mailadres", validators=[DataRequired("Vul je e-mailadres in.")])
    password = PasswordField("Wachtwoord", validators=[DataRequired("Vul je wachtwoord in.")])


class CodeForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired("Vul de code in.")])


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "admin.login"
    login_manager.login_message = "Log in om verder te gaan."
    login_manager.session_protection = "basic"
    # No "remember me" cookie is ever set, but if one were, it gets the session's care.
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])


@login_manager.user_loader
def load_admin(login_id: str) -> Admin | None:
    admin_id, _, nonce = login_id.partition(":")
    if not admin_id.isdigit():
        return None
    admin = db.session.get(Admin, int(admin_id))
    if admin is None or not nonce or admin.session_nonce != nonce:
        return None
    return admin


@bp.before_request
def require_admin():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated or not sessions.admin_session_live(utcnow()):
        logout_user()
        return login_manager.unauthorized()
    if not roles.allows(current_user.role, request.endpoint):
        return render_template("admin/forbidden.html", home=home_url()), 403
    return None


def home_url() -> str:
    """Where this admin starts: the dashboard for an owner, the lessons for an editor."""
    return url_for(roles.HOME[current_user.role])


# Only refusals count: an admin logging in and out all day is never held back.
@bp.route("/inloggen", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"], deduct_when=refused)
def login():
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        admin = accounts.authenticate(form.email.data, form.password.data)
        if admin is not None and admin.totp_secret:
            session["admin_pending"] = [admin.id, admin.session_nonce, utcnow().timestamp()]
            return redirect(url_for("admin.login_code", next=request.args.get("next")))
        if admin is not None:
            return log_in(admin)
        _note_refusal(form.email.data, "admin_login_failed", "wachtwoord klopt niet")
        failed = True
    status = 401 if failed else 200
    return render_template("admin/login.html", form=form, failed=failed), status


@bp.route("/inloggen/code", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"], deduct_when=refused)
def login_code():
    """The second step: a code from the admin's app, or one of their recovery codes."""
    admin = _pending_admin(utcnow())
    if admin is None:
        flash("Log opnieuw in: de vorige stap is verlopen.")
        return redirect(url_for("admin.login"))
    form, failed = CodeForm(), False
    if form.validate_on_submit():
        used = twofactor.check(admin, form.code.data, utcnow())
        if used:
            session.pop("admin_pending", None)
            return log_in(admin, "met een herstelcode" if used == "recovery" else "")
        _note_refusal(admin.email, "admin_code_failed", "code klopt niet")
        failed = True
    page = render_template("admin/login_code.html", form=form, failed=failed)
    return page, 401 if failed else 200


def _pending_admin(now) -> Admin | None:
    pending = session.get("admin_pending")
    if not (isinstance(pending, list) and len(pending) == 3):
        return None
    admin_id, nonce, since = pending
    if not isinstance(since, int | float) or now.timestamp() - since > PENDING_SECONDS:
        return None
    admin = db.session.get(Admin, admin_id) if isinstance(admin_id, int) else None
    if admin is None or admin.session_nonce != nonce or not admin.totp_secret:
        return None
    return admin


def _note_refusal(email: str, action: str, detail: str) -> None:
    """A refused attempt on a real admin account goes on the audit page; one on an address
    that is no admin is not recorded (it would store whatever anyone typed)."""
    admin = accounts.find(email)
    if admin is not None:
        journal.record_admin_action(admin.email, action, detail, utcnow())
        db.session.commit()


def log_in(admin: Admin, how: str = ""):
    learner = session.get("learner")
    session.clear()  # a fresh session: nothing planted before the login survives it
    if learner:
        session["learner"] = learner
    now = utcnow()
    login_user(admin)
    session["admin_since"] = now.timestamp()
    session["admin_session"] = accounts.open_session(admin, now)
    admin.last_login_at = now
    journal.record_admin_action(admin.email, "admin_login", how, now)
    db.session.commit()
    return redirect(_safe_next(request.args.get("next"), admin))


def _safe_next(target: str | None, admin: Admin) -> str:
    """Only a path inside /admin that this admin's role may open: never an open redirect to
    another site, never a header a newline could break, never a page that refuses them."""
    if target and target.isprintable():
        parts = urlsplit(target)
        inside = not parts.scheme and not parts.netloc and parts.path.startswith("/admin/")
        if inside and roles.allows(admin.role, _endpoint_of(parts.path)):
            return target
    return url_for(roles.HOME[admin.role])


def _endpoint_of(path: str) -> str | None:
    try:
        return current_app.url_map.bind("").match(path, method="GET")[0]
    except HTTPException:
        return None


@bp.post("/uitloggen")
def logout():
    journal.record_admin_action(current_user.email, "admin_logout", "", utcnow())
    accounts.close_session(session.pop("admin_session", None), utcnow())
    db.session.commit()
    logout_user()
    session.pop("admin_since", None)
    flash("Je bent uitgelogd.")
    return redirect(url_for("admin.login"))
