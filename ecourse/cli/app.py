"""Every `ecourse` command runs inside an app built for it (settings from the environment),
and every failure an operator can fix ends in one line saying what to do, not a traceback."""

from __future__ import annotations

import functools

import click
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from ecourse import create_app
from ecourse.core import settings
from ecourse.core.db import SchemaError, require_current_schema


def with_app(command):
    """Run the command inside a freshly built application's context."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            app = create_app()
        except settings.SettingsError as error:
            raise click.UsageError(str(error)) from None
        with app.app_context():
            try:
                return command(app, *args, **kwargs)
            except OperationalError as error:
                raise click.ClickException(_unreachable(app, error)) from None
            except SchemaError as error:
                raise click.ClickException(f"{error} ({safe_url(app)})") from None

    return wrapper


def with_current_schema(command):
    """For commands that read and write but do not migrate: refuse a missing or older schema
    at once, rather than fail on the first missing column."""

    @functools.wraps(command)
    def wrapper(app: Flask, *args, **kwargs):
        require_current_schema()
        return command(app, *args, **kwargs)

    return wrapper


def safe_url(app: Flask) -> str:
    """The database URL without its password, fit to print."""
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)


def _unreachable(app: Flask, error: OperationalError) -> str:
    reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    return (
        f"cannot use the database at {safe_url(app)}: {reason}. Check ECOURSE_DATABASE_URL, "
        "that the database server runs, and that the data folder is writable"
    )
