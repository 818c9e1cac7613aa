"""Mail: the `Message` value, the `Messenger` protocol and its backends, chosen by name."""

from __future__ import annotations

from flask import Flask, current_app

from ecourse.mail import memory, outbox, postmark, smtp  # noqa: F401  (register the backends)
from ecourse.mail.base import BACKENDS, Messenger, Outcome, create
from ecourse.mail.message import Message

__all__ = ["BACKENDS", "Message", "Messenger", "Outcome", "init_app", "messenger"]


def init_app(app: Flask) -> None:
    settings = app.config["ECOURSE"]
    app.extensions["ecourse.messenger"] = create(settings["MAIL_BACKEND"], settings)


def messenger() -> Messenger:
    return current_app.extensions["ecourse.messenger"]
