"""Every `ecourse` command runs inside an app built for it (settings from the environment)."""

from __future__ import annotations

import functools

import click

from ecourse import create_app
from ecourse.core import settings


def with_app(command):
    """Run the command inside a freshly built application's context."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            app = create_app()
        except settings.SettingsError as error:
            raise click.UsageError(str(error)) from None
        with app.app_context():
            return command(app, *args, **kwargs)

    return wrapper
