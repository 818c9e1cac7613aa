"""Erasing a person: everything personal goes, the anonymous rows behind the counts stay.

Used by the admin's "erase", the learner's own "delete me", and the clean-up of sign-ups
that were never confirmed. The caller records why and commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from ecourse.core.db import db
from ecourse.core.models import (
    Delivery,
    DeliveryAttempt,
    Enrollment,
    Event,
    Progress,
    ProviderEvent,
    Subscriber,
)
from ecourse.journey import lifecycle
from ecourse.learners import answers, signups


def erased_address(subscriber: Subscriber) -> str:
    """A placeholder that keeps the unique column unique and can never receive mail."""
    return f"gewist-{subscriber.public_id}@erased.invalid"


def erase(subscriber: Subscriber, reason: str, now: datetime) -> None:
    """Remove the person's data at once; their queued mail is cancelled with it."""
    old_email = subscriber.email
    lifecycle.erase(subscriber, reason, now)
    subscriber.email = erased_address(subscriber)
    subscriber.first_name, subscriber.timezone, subscriber.erased_at = "", None, now
    # The language stays: alone it says nothing about anyone, and the goodbye after
    # "delete me" should come in the language the person chose.
    subscriber.send_time = None
    for consent in subscriber.consents:
        consent.ip_address, consent.user_agent = "", ""
        consent.source_url = signups.page_only(consent.source_url)
        consent.first_name, consent.timezone = "", None
        consent.remind_at = consent.forget_at = None
    _erase_mail_texts(subscriber.id, old_email)
    _erase_own_words(subscriber.id)
    answers.forget(subscriber)  # their sentence goes; the score stays, no one's any more
    db.session.execute(update(Event).where(Event.subscriber_id == subscriber.id).values(detail=""))


def _erase_mail_texts(subscriber_id: int, old_email: str) -> None:
    """Relay replies and provider reports can quote the address; their text goes."""
    ids = select(Delivery.id).where(Delivery.subscriber_id == subscriber_id)
    db.session.execute(
        update(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(ids)).values(detail="")
    )
    db.session.execute(
        update(Delivery)
        .where(Delivery.subscriber_id == subscriber_id)
        .values(last_error="", recipient="")
    )
    db.session.execute(
        update(ProviderEvent)
        .where(func.lower(ProviderEvent.email) == old_email.lower())
        .values(email="(gewist)", detail="")
    )


def _erase_own_words(subscriber_id: int) -> None:
    """Check-ins and notes are the learner's own; opened and done stay, for the counts."""
    enrollments = select(Enrollment.id).where(Enrollment.subscriber_id == subscriber_id)
    db.session.execute(
        update(Progress)
        .where(Progress.enrollment_id.in_(enrollments))
        .values(tension_before=None, tension_after=None, note="", checked_in_at=None)
    )
