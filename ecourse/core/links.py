"""Absolute URLs for emails, built from `ECOURSE_BASE_URL` outside any request."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from ecourse.core import tokens
from ecourse.core.models import Consent, Course, Lesson, Subscriber


def external_url(endpoint: str, **values) -> str:
    """Build an absolute URL for `endpoint` under the configured base URL."""
    return _adapter().build(endpoint, values, force_external=True)


def _adapter():
    """The URL map bound to the base URL; bound once per app and base URL, then reused."""
    base_url = current_app.config["ECOURSE"]["BASE_URL"]
    cached = current_app.extensions.get("ecourse.url_adapter")
    if cached is None or cached[0] != base_url:
        base = urlsplit(base_url)
        adapter = current_app.url_map.bind(
            base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme or "https"
        )
        cached = current_app.extensions["ecourse.url_adapter"] = (base_url, adapter)
    return cached[1]


def confirm_url(sign_up: Consent) -> str:
    """The link that confirms this one sign-up (and so enrols in its course only)."""
    token = tokens.make("confirm", ["signup", sign_up.public_id])
    return external_url("signup.confirm", token=token)


def lesson_url(subscriber: Subscriber, lesson: Lesson) -> str:
    token = tokens.make("lesson", [subscriber.public_id, lesson.id])
    return external_url("learn.enter", token=token)


def preferences_url(subscriber: Subscriber) -> str:
    token = tokens.make("preferences", subscriber.public_id)
    return external_url("preferences.enter", token=token)


def access_url(subscriber: Subscriber, nonce: str) -> str:
    """The fresh link of one access email: `nonce` names that email, so it works once."""
    token = tokens.make("access", [subscriber.public_id, nonce])
    return external_url("access.open", token=token)


def unsubscribe_page_url(subscriber: Subscriber, course: Course, token: str = "") -> str:
    token = token or unsubscribe_token(subscriber, course)
    return external_url("learn.unsubscribe", token=token)


def one_click_unsubscribe_url(subscriber: Subscriber, course: Course, token: str = "") -> str:
    """RFC 8058's target: a POST here stops this course (not the academy's other mail)."""
    token = token or unsubscribe_token(subscriber, course)
    return external_url("learn.one_click", token=token)


def unsubscribe_token(subscriber: Subscriber, course: Course) -> str:
    """One token serves both links of a lesson email (the page and the one-click POST):
    signing is the costliest part of an email's personal values."""
    return tokens.make("unsubscribe", [subscriber.public_id, course.id])


def follow_up_url(subscriber: Subscriber, course: Course) -> str:
    """The follow-up's answer page: it names the enrollment (this person in this course)."""
    token = tokens.make("follow-up", [subscriber.public_id, course.id])
    return external_url("followup.answer", token=token)
