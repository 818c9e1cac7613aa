"""The admin team in the web (owners only, see `roles`): who is admin, inviting someone,
giving a role, removing; and the page where an invited admin sets their password."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ecourse.content import brand, courses
from ecourse.core import tokens
from ecourse.core.clock import utcnow
from ecourse.core.db import db
from ecourse.core.links import external_url
from ecourse.core.models import Admin
from ecourse.core.statuses import AdminRole
from ecourse.engine import ledger
from ecourse.learners import accounts, adminteam, current, twofactor
from ecourse.mail.message import Message, format_sender
from ecourse.web.admin import auth
from ecourse.web.admin.forms import new_password_pair
from ecourse.web.admin.routes import bp
from ecourse.web.security import limiter

log = logging.getLogger(__name__)
ROLE_CHOICES = [
    SelectChoice(AdminRole.EDITOR.value, "Redacteur: lessen en voorbeelden, geen deelnemers"),
    SelectChoice(AdminRole.OWNER.value, "Eigenaar: alles, ook deelnemers en beheerders"),
]


class InviteForm(FlaskForm):
    email = EmailField(
        "E-mailadres", validators=[DataRequired("Vul een e-mailadres in."), Length(max=320)]
    )
    role = SelectField("Rol", choices=ROLE_CHOICES, default=AdminRole.EDITOR.value)


class RoleForm(FlaskForm):
    role = SelectField("Rol", choices=ROLE_CHOICES)


class WelcomeForm(FlaskForm):
    password, repeat = new_password_pair("Kies een wachtwoord", "Kies een wachtwoord.")


@bp.get("/beheerders")
def team():
    return _team_page(InviteForm())


def _team_page(form: InviteForm, status: int = 200):
    page = render_template(
        "admin/team.html",
        admins=adminteam.team(),
        form=form,
        role_names=adminteam.ROLE_NAMES,
        codes_left=twofactor.recovery_codes_left,
        section="team",
    )
    return page, status


@bp.post("/beheerders/uitnodigen")
@limiter.limit("20 per hour")
def invite():
    form = InviteForm()
    if not form.validate_on_submit():
        return _team_page(form, 400)
    now = utcnow()
    try:
        invitation = adminteam.invite(form.email.data, AdminRole(form.role.data), current_user, now)
    except accounts.AccountError as error:
        form.email.errors.append(str(error))
        return _team_page(form, 400)
    db.session.commit()
    _send_invitation(invitation)
    return redirect(url_for("admin.team"))


@bp.post("/beheerders/<int(max=2147483647):admin_id>/opnieuw")
@limiter.limit("20 per hour")
def invite_again(admin_id: int):
    try:
        invitation = adminteam.invite_again(_admin_or_404(admin_id), current_user, utcnow())
    except accounts.AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("admin.team"))
    db.session.commit()
    _send_invitation(invitation, again=True)
    return redirect(url_for("admin.team"))


def _send_invitation(invitation: adminteam.Invitation, again: bool = False) -> None:
    """Email the link; when that fails, show it to the owner to pass on themselves."""
    link = external_url("admin.welcome", token=invitation.token)
    outcome = current.engine().messenger.send([_invitation_message(invitation.admin, link)])[0]
    sent = "sent" if outcome.ok else "not sent"
    log.info("admin %s invited admin %s: %s", current_user.id, invitation.admin.id, sent)
    earlier = " De vorige link werkt niet meer." if again else ""
    if outcome.ok:
        flash(
            f"Uitnodiging verstuurd naar {invitation.admin.email}; de link is 7 dagen geldig."
            + earlier
        )
    else:
        flash(
            f"De uitnodiging kon niet worden verstuurd ({outcome.detail}). "
            f"Geef {invitation.admin.email} deze link zelf, die 7 dagen geldig is: {link}"
            + earlier,
            "error",
        )


def _invitation_message(admin: Admin, link: str) -> Message:
    settings, now = current.settings(), utcnow()
    course = courses.default_course()
    site = urlsplit(link).netloc
    text = (
        f"Hallo,\n\n{current_user.email} nodigt je uit als "
        f"{adminteam.ROLE_NAMES[admin.role]} in het beheer van de e-cursus op {site}.\n\n"
        f"Kies je wachtwoord via deze link. De link is {adminteam.INVITE_DAYS} dagen geldig "
        f"en werkt één keer:\n{link}\n\nVerwachtte je dit niet? Dan kun je deze mail negeren.\n"
    )
    message = Message(
        to=admin.email,
        subject=f"Je uitnodiging voor het beheer van de e-cursus op {site}",
        text=text,
        html=None,
        sender=format_sender(
            brand.academy_name(course, settings.academy_name, settings.mail_from),
            settings.mail_from,
        ),
        message_id=ledger.message_id_for(f"admin-invite:{admin.session_nonce}", settings),
        date=now,
        reply_to=settings.reply_to,
    )
    return message


@bp.post("/beheerders/<int(max=2147483647):admin_id>/rol")
def change_role(admin_id: int):
    admin, form = _admin_or_404(admin_id), RoleForm()
    if form.validate_on_submit():
        try:
            adminteam.change_role(admin, AdminRole(form.role.data), current_user, utcnow())
        except accounts.AccountError as error:
            flash(str(error), "error")
            return redirect(url_for("admin.team"))
        db.session.commit()
        flash(f"{admin.email} is nu {adminteam.ROLE_NAMES[admin.role]}.")
        if admin.id == current_user.id:  # made oneself an editor: the team page is closed now
            return redirect(auth.home_url())
    return redirect(url_for("admin.team"))


@bp.route("/beheerders/<int(max=2147483647):admin_id>/verwijderen", methods=["GET", "POST"])
def remove(admin_id: int):
    admin, form = _admin_or_404(admin_id), FlaskForm()
    if request.method == "POST" and form.validate_on_submit():
        email, yourself = admin.email, admin.id == current_user.id
        try:
            adminteam.remove(admin, current_user, utcnow())
        except accounts.AccountError as error:
            flash(str(error), "error")
            return redirect(url_for("admin.team"))
        db.session.commit()
        flash(f"{email} is geen beheerder meer.")
        return redirect(url_for("admin.login" if yourself else "admin.team"))
    return render_template(
        "admin/team_remove.html",
        admin=admin,
        form=form,
        last_owner=adminteam.is_last_owner(admin),
        section="team",
    )


def _admin_or_404(admin_id: int) -> Admin:
    admin = db.session.get(Admin, admin_id)
    if admin is None:
        abort(404)
    return admin


@bp.route("/welkom/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def welcome(token: str):
    """An invited admin chooses a password, and is logged in."""
    try:
        admin = adminteam.invited_by_token(token)
    except tokens.TokenError as error:
        return render_template("admin/welcome_closed.html", expired=error.expired), 410
    form = WelcomeForm()
    if form.validate_on_submit():
        adminteam.accept(admin, form.password.data, utcnow())
        db.session.commit()
        response = auth.log_in(admin)  # a fresh session: the welcome goes into it
        flash("Welkom! Je wachtwoord is ingesteld.")
        return response
    return render_template("admin/welcome.html", admin=admin, form=form, roles=adminteam.ROLE_NAMES)
