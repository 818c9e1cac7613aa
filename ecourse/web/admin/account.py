"""An admin's own account, for every role: a new password, and the optional second factor
(turn on with an app, turn off, new recovery codes)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from ecourse.core.clock import utcnow
from ecourse.core.db import db
from ecourse.journey import journal
from ecourse.learners import accounts, twofactor
from ecourse.web.admin.forms import new_password_pair
from ecourse.web.admin.routes import bp
from ecourse.web.security import limiter


class PasswordForm(FlaskForm):
    current = PasswordField(
        "Je huidige wachtwoord", validators=[DataRequired("Vul je huidige wachtwoord in.")]
    )
    password, repeat = new_password_pair("Nieuw wachtwoord", "Kies een nieuw wachtwoord.")


class ConfirmForm(FlaskForm):
    """A step that needs the admin's password again (turning the second factor off, new
    recovery codes): a session left open on someone's desk is not enough."""

    current = PasswordField("Je wachtwoord", validators=[DataRequired("Vul je wachtwoord in.")])


class SetupForm(FlaskForm):
    code = StringField("De code die je app nu toont", validators=[DataRequired("Vul de code in.")])
    current = PasswordField("Je wachtwoord", validators=[DataRequired("Vul je wachtwoord in.")])


@bp.get("/account")
def account():
    return _account_page()


def _account_page(password_form: PasswordForm | None = None, status: int = 200):
    page = render_template(
        "admin/account.html",
        password_form=password_form or PasswordForm(),
        confirm_form=ConfirmForm(),
        codes_left=twofactor.recovery_codes_left(current_user),
        section="account",
    )
    return page, status


@bp.post("/account/wachtwoord")
@limiter.limit("10 per 15 minutes")
def account_password():
    form = PasswordForm()
    if form.validate_on_submit():
        if accounts.password_matches(current_user, form.current.data):
            now = utcnow()
            accounts.change_password(current_user, form.password.data, now)
            journal.record_admin_action(current_user.email, "admin_password", "", now)
            db.session.commit()
            flash("Je wachtwoord is veranderd. Log in met het nieuwe wachtwoord.")
            return redirect(url_for("admin.login"))
        form.current.errors = ["Dit is niet je huidige wachtwoord."]
    return _account_page(form, 400)


@bp.route("/account/tweestaps", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"])
def totp_setup():
    """Show a new secret as a QR code; keep it once the admin types a right code."""
    if current_user.totp_secret:
        flash("Inloggen in twee stappen staat al aan.")
        return redirect(url_for("admin.account"))
    secret = twofactor.setup_secret(current_user, current_app.secret_key.encode())
    form, failed = SetupForm(), False
    if form.validate_on_submit():
        if not accounts.password_matches(current_user, form.current.data):
            form.current.errors = ["Dit is niet je wachtwoord."]
        elif (
            codes := twofactor.turn_on(current_user, secret, form.code.data, utcnow())
        ) is not None:
            return _turned_on(codes)
        else:
            failed = True
    uri = twofactor.setup_uri(secret, current_user.email, _issuer())
    page = render_template(
        "admin/totp_setup.html",
        form=form,
        failed=failed,
        secret=secret,
        uri=uri,
        qr=twofactor.qr_svg(uri),
        section="account",
    )
    return page, 400 if failed or form.current.errors or form.code.errors else 200


def _turned_on(codes: list[str]):
    journal.record_admin_action(current_user.email, "admin_totp_on", "", utcnow())
    db.session.commit()
    login_user(current_user._get_current_object())  # this session goes on; others end
    return render_template("admin/recovery_codes.html", codes=codes, first=True, section="account")


def _issuer() -> str:
    """How the app lists this account: the site's own host, so two sites stay apart."""
    host = urlsplit(current_app.config["ECOURSE"]["BASE_URL"]).hostname or "ecourse"
    return f"ecourse {host}"


@bp.post("/account/tweestaps/uit")
@limiter.limit("10 per 15 minutes")
def totp_off():
    if not _password_confirmed():
        return redirect(url_for("admin.account"))
    twofactor.turn_off(current_user)
    journal.record_admin_action(current_user.email, "admin_totp_off", "", utcnow())
    db.session.commit()
    login_user(current_user._get_current_object())
    flash("Inloggen in twee stappen staat uit.")
    return redirect(url_for("admin.account"))


@bp.post("/account/herstelcodes")
@limiter.limit("10 per 15 minutes")
def recovery_codes():
    if not current_user.totp_secret or not _password_confirmed():
        return redirect(url_for("admin.account"))
    codes = twofactor.new_recovery_codes(current_user)
    journal.record_admin_action(current_user.email, "admin_recovery_codes", "", utcnow())
    db.session.commit()
    return render_template("admin/recovery_codes.html", codes=codes, first=False, section="account")


def _password_confirmed() -> bool:
    form = ConfirmForm()
    if form.validate_on_submit() and accounts.password_matches(current_user, form.current.data):
        return True
    flash("Dat wachtwoord klopt niet; er is niets veranderd.", "error")
    return False
