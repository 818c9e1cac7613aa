"""Turn a provider's bounce or complaint into a suppression; `now` passed in.

Postmark's shapes: `RecordType` "Bounce" (with `Type`, `Inactive`, `Email`, `Description`,
`Details`) and "SpamComplaint" (with `Email`). Hard bounces, addresses the provider has
deactivated, and complaints stop all mail to the address; other bounces are only recorded.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import ProviderEvent, Subscriber
from ecourse.core.statuses import SubscriberStatus
from ecourse.journey import journal, lifecycle

HARD_BOUNCES = {"HardBounce", "BadEmailAddress", "ManuallyDeactivated", "DMARCPolicy"}


class BadEvent(ValueError):
    """The payload is not an event we understand; the message says what is missing."""


@dataclass(frozen=True)
class Event:
    kind: str
    email: str
    detail: str
    suppress_as: str | None  # "bounced", "unsubscribed", or None to only record it


def printable(text: object, limit: int = 1000) -> str:
    """Provider text as stored: no control characters (they could steer a terminal)."""
    kept = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in str(text or ""))
    return " ".join(kept.split())[:limit]


def parse_postmark(payload: object) -> Event:
    if not isinstance(payload, dict):
        raise BadEvent("expected a JSON object")
    email = printable(payload.get("Email"), 320).lower()
    if "@" not in email:
        raise BadEvent("the event has no Email")
    record_type = payload.get("RecordType")
    if record_type == "SpamComplaint":
        return Event("complaint", email, "marked as spam", SubscriberStatus.UNSUBSCRIBED)
    if record_type == "Bounce":
        bounce_type = printable(payload.get("Type"), 40) or "Unknown"
        detail = printable(
            f"{bounce_type}: {payload.get('Description', '')} {payload.get('Details', '')}"
        )
        hard = bounce_type in HARD_BOUNCES or payload.get("Inactive") is True
        return Event(
            "hard bounce" if hard else "soft bounce",
            email,
            detail,
            SubscriberStatus.BOUNCED if hard else None,
        )
    raise BadEvent(f"unsupported RecordType {printable(record_type, 40)!r}")


def apply(event: Event, provider: str, now: datetime) -> bool:
    """Record the event and suppress the address if it calls for it; say whether it did."""
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == event.email))
    suppressed = bool(
        event.suppress_as and subscriber and subscriber.status != SubscriberStatus.BOUNCED
    )
    if suppressed:
        reason = f"{event.kind}: {event.detail}"
        if event.suppress_as == SubscriberStatus.BOUNCED:
            lifecycle.bounce(subscriber, reason, now)
        else:
            lifecycle.unsubscribe(subscriber, reason, journal.SYSTEM, now)
    db.session.add(
        ProviderEvent(
            received_at=now,
            provider=provider,
            kind=event.kind,
            email=event.email,
            detail=event.detail,
            suppressed=suppressed,
        )
    )
    db.session.commit()
    return suppressed
