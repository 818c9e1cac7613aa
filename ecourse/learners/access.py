"""Fresh links: asked for by address, emailed at that moment, good for an hour and once.

A lesson or preferences link from an email opens the lessons and the pace controls, and may
be forwarded (that is what people do with a lesson they liked). What holds personal data or
cannot be undone (the data download, erasure, earlier notes and check-ins) needs more: a
fresh link, emailed to the learner's address when asked for, that works for
`emails.ACCESS_LINK_MINUTES` and only once. Its token names the email it came in (that
email's Message-ID), and `UsedLink` remembers each one used. See docs/privacy.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ecourse.core import keys, tokens
from ecourse.core.db import db
from ecourse.core.models import Delivery, Subscriber, UsedLink
from ecourse.core.statuses import DeliveryKind, SubscriberStatus
from ecourse.engine import ledger, policy
from ecourse.engine.emails import ACCESS_LINK_MINUTES
from ecourse.engine.settings import EngineSettings
from ecourse.journey import journal
from ecourse.learners import signups

log = logging.getLogger(__name__)

# At most this many fresh links per address per hour: enough for a lost email or two, too
# few to flood anyone's inbox from our form.
LINKS_PER_HOUR = 3


class LinkRefused(Exception):
    """A fresh link that cannot be used: `reason` is "invalid", "expired" or "used"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FreshLink:
    """A fresh link's learner and the email it came in."""

    subscriber: Subscriber
    nonce: str


def learner_at(address: str) -> Subscriber | None:
    """The learner with this address, if a fresh link may go to them (`policy.ACCESS_GOES`)."""
    try:
        address = signups.normalise_address(address)
    except signups.InvalidAddress:
        return None
    found = db.session.scalar(select(Subscriber).where(Subscriber.email == address))
    return found if found is not None and found.status in policy.ACCESS_GOES else None


def send_link(subscriber: Subscriber, now: datetime, settings: EngineSettings) -> bool:
    """Queue a fresh link for this learner (committed); False when they had enough this hour.

    The link names no course of its own; it signs as the course they joined last.
    """
    if _sent_within_hour(subscriber, now) >= LINKS_PER_HOUR:
        log.info("fresh link for subscriber %s refused: enough this hour", subscriber.public_id)
        return False
    last = max(subscriber.enrollments, key=lambda each: each.id, default=None)
    ledger.queue(
        key=keys.access(subscriber.id, int(now.timestamp())),
        kind=DeliveryKind.ACCESS,
        subscriber_id=subscriber.id,
        course_id=last.course_id if last else None,
        now=now,
        send_after=now,
        settings=settings,
    )
    journal.record(subscriber, "access_link", "", journal.LEARNER, now)
    db.session.commit()
    log.info("fresh link queued for subscriber %s", subscriber.public_id)
    return True


def _sent_within_hour(subscriber: Subscriber, now: datetime) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(
            Delivery.subscriber_id == subscriber.id,
            Delivery.kind == DeliveryKind.ACCESS,
            Delivery.created_at > now - timedelta(hours=1),
        )
    )


def check(token: str) -> FreshLink:
    """The fresh link's learner, without using it up (a mail scanner's GET must not)."""
    try:
        public_id, nonce = tokens.read("access", token, max_age_seconds=ACCESS_LINK_MINUTES * 60)
    except tokens.TokenError as error:
        raise LinkRefused("expired" if error.expired else "invalid") from None
    except (TypeError, ValueError):  # signed by us, but not the shape of a fresh link
        raise LinkRefused("invalid") from None
    if not (isinstance(public_id, str) and isinstance(nonce, str) and 0 < len(nonce) <= 64):
        raise LinkRefused("invalid")
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.public_id == public_id))
    if subscriber is None or subscriber.status == SubscriberStatus.ERASED:
        raise LinkRefused("invalid")
    if db.session.get(UsedLink, nonce) is not None:
        raise LinkRefused("used")
    return FreshLink(subscriber, nonce)


def use(token: str, now: datetime) -> Subscriber:
    """Use the fresh link up (committed) and return its learner; LinkRefused when it cannot.

    Two clicks at once both try to insert the same row; the database lets one through."""
    link = check(token)
    db.session.add(UsedLink(nonce=link.nonce, used_at=now))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise LinkRefused("used") from None
    log.info("fresh link used by subscriber %s", link.subscriber.public_id)
    return link.subscriber
