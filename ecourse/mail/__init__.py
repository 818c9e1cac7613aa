"""Mail: the `Message` value, the `Messenger` protocol and its backends, chosen by name."""

from __future__ import annotations

from flask import Flask

from ecourse.mail import memory, outbox, postmark, smtp  # noqa: F401  (register the backends)
from ecourse.mail.base import BACKENDS, Messenger, Outcome, create
from ecourse.mail.message import Message

__all__ = ["BACKENDS", "Message", "Messenger", "Outcome", "init_app"]


def init_app(app: Flask) -> None:
    """The app's messenger, chosen by `MAIL_BACKEND` (the engine is given it, see
    `ecourse.learners.current`)."""
    settings = app.config["ECOURSE"]
    app.extensions["ecourse.messenger"] = create(settings["MAIL_BACKEND"], settings)
