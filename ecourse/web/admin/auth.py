"""Logging in and out, and the rule that every admin URL needs a logged-in admin.

The login id Flask-Login keeps in the session is `<admin id>:<session nonce>`; a new
password draws a new nonce, so sessions issued before it no longer load an admin. Each
login is also a row (`AdminSession`) named in the cookie: logging out closes it, so a copy
of the cookie stops working at once.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from ecourse.core.clock import utcnow
from ecourse.core.db import db
from ecourse.core.models import Admin
from ecourse.learners import accounts
from ecourse.web.admin.routes import bp
from ecourse.web.security import limiter

login_manager = LoginManager()
ADMIN_SESSION_HOURS = 12
PUBLIC_ENDPOINTS = {"admin.login"}


class LoginForm(FlaskForm):
    email = EmailField("E-mailadres", validators=[DataRequired("Vul je e-mailadres in.")])
    password = PasswordField("Wachtwoord", validators=[DataRequired("Vul je wachtwoord in.")])


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
    if not current_user.is_authenticated or not _session_live(utcnow()):
        logout_user()
        return login_manager.unauthorized()
    return None


def _session_live(now) -> bool:
    """Whether this login is still open on the server: not logged out, not 12 hours old."""
    since = session.get("admin_since")
    if since is None or now.timestamp() - since > ADMIN_SESSION_HOURS * 3600:
        return False
    return accounts.session_open(session.get("admin_session"), current_user.id)


@bp.route("/inloggen", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"])
def login():
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        admin = accounts.authenticate(form.email.data, form.password.data)
        if admin is not None:
            return _log_in(admin)
        failed = True
    status = 401 if failed else 200
    return render_template("admin/login.html", form=form, failed=failed), status


def _log_in(admin: Admin):
    learner = session.get("learner")
    session.clear()  # a fresh session: nothing planted before the login survives it
    if learner:
        session["learner"] = learner
    now = utcnow()
    login_user(admin)
    session["admin_since"] = now.timestamp()
    session["admin_session"] = accounts.open_session(admin, now)
    admin.last_login_at = now
    db.session.commit()
    return redirect(_safe_next(request.args.get("next")))


def _safe_next(target: str | None) -> str:
    """Only a path inside /admin: never an open redirect to another site, and never a
    header a newline could break."""
    if target and target.isprintable():
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/admin/"):
            return target
    return url_for("admin.dashboard")


@bp.post("/uitloggen")
def logout():
    accounts.close_session(session.pop("admin_session", None), utcnow())
    db.session.commit()
    logout_user()
    session.pop("admin_since", None)
    flash("Je bent uitgelogd.")
    return redirect(url_for("admin.login"))
