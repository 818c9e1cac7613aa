"""`ecourse admin …`: create admin accounts and change their passwords."""

from __future__ import annotations

import click
from flask import Flask

from ecourse.cli.app import with_app, with_current_schema
from ecourse.core.clock import utcnow
from ecourse.core.db import db
from ecourse.journey import journal
from ecourse.learners import accounts, twofactor

# Who the audit page names for what was done on the server's command line.
SERVER = "de server (ecourse admin)"


@click.group("admin")
def admin_group() -> None:
    """Manage the accounts that may log in to /admin."""


@admin_group.command("create")
@click.argument("email")
@click.password_option(
    prompt="Password (at least 10 characters)", help="Prompted for when not given."
)
@with_app
def create(app: Flask, email: str, password: str) -> None:
    """Create an admin account for EMAIL, prompting for its password."""
    from ecourse.core.db import upgrade_schema

    upgrade_schema()
    try:
        admin = accounts.create(email, password, utcnow())
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    journal.record_admin_action(SERVER, "admin_create", admin.email, utcnow())
    db.session.commit()
    click.echo(f"admin {admin.email} created; log in at {_login_url(app)}")


@admin_group.command("set-password")
@click.argument("email")
@click.password_option(prompt="New password (at least 10 characters)", help="Prompted for.")
@with_app
@with_current_schema
def set_password(app: Flask, email: str, password: str) -> None:
    """Give the admin EMAIL a new password; every session they had is logged out."""
    try:
        admin = accounts.set_password(email, password, utcnow())
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    journal.record_admin_action(SERVER, "admin_password", admin.email, utcnow())
    db.session.commit()
    click.echo(f"password changed for {admin.email}; earlier sessions no longer work")


@admin_group.command("two-factor-off")
@click.argument("email")
@with_app
@with_current_schema
def two_factor_off(app: Flask, email: str) -> None:
    """Turn off the second factor of the admin EMAIL (a lost phone, no recovery codes left);
    their password stays, every session they had is logged out."""
    admin = accounts.find(email)
    if admin is None:
        raise click.ClickException(f"There is no admin {accounts.normalise(email)}.")
    if not admin.totp_secret:
        click.echo(f"{admin.email} had no second factor; nothing changed")
        return
    now = utcnow()
    twofactor.turn_off(admin)  # and a new nonce: their sessions end
    journal.record_admin_action(SERVER, "admin_totp_off", admin.email, now)
    db.session.commit()
    click.echo(f"second factor turned off for {admin.email}; they log in with their password now")


def _login_url(app: Flask) -> str:
    return app.config["ECOURSE"]["BASE_URL"].rstrip("/") + "/admin/inloggen"
