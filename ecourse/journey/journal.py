"""The journal: every change to a learner's course, with who made it and when.

A learner pausing, an admin moving someone to another lesson, the system ending a pause or
forgetting an unconfirmed sign-up: each is one `Event`, shown on the learner's timeline (the
admin's subscriber page and `ecourse timeline`). This module is its only writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ecourse.core.db import db
from ecourse.core.models import Event, Subscriber


@dataclass(frozen=True)
class Actor:
    """Who makes a change: "learner", "admin" (with the admin's address) or "system"."""

    kind: str
    email: str = ""


LEARNER = Actor("learner")
SYSTEM = Actor("system")
# How a reason stored on a delivery names who made the change (see admin.wording).
BY_WHOM = {"admin": "an admin", "learner": "the learner", "system": "the system"}


def admin(email: str) -> Actor:
    return Actor("admin", email)


def record(subscriber: Subscriber, action: str, detail: str, by: Actor, now: datetime) -> None:
    """Add one event to the subscriber's journal (the caller commits)."""
    db.session.add(
        Event(
            at=now,
            actor=by.kind,
            admin_email=by.email,
            subscriber_id=subscriber.id,
            action=action,
            detail=detail,
        )
    )


def record_admin_action(admin_email: str, action: str, detail: str, now: datetime) -> None:
    """Add one event about the admin area itself (an invitation, a role, a lesson saved), which
    belongs to no learner's timeline but to the audit page (the caller commits)."""
    db.session.add(
        Event(
            at=now,
            actor=Actor("admin").kind,
            admin_email=admin_email,
            subscriber_id=None,
            action=action,
            detail=detail,
        )
    )
