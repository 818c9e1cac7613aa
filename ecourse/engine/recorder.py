"""Recording what happened to each delivery: sent, retry later, failed, or withheld.

Every handoff leaves a `DeliveryAttempt` row with the reply, so a subscriber's timeline can
show each attempt. Temporary failures back off exponentially and are given up after the
configured horizon; a bounce suppresses the address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, update

from ecourse.core.db import db
from ecourse.core.models import Delivery, DeliveryAttempt
from ecourse.core.statuses import AttemptOutcome, DeliveryKind, DeliveryStatus
from ecourse.engine import planner
from ecourse.engine.gate import Item
from ecourse.engine.settings import EngineSettings
from ecourse.journey import lifecycle
from ecourse.mail.base import Outcome


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    errors: list[str] = field(default_factory=list)
    paused_until: datetime | None = None
    pause_reason: str = ""


def retry_delay(attempts: int, settings: EngineSettings) -> timedelta:
    """Exponential backoff: the first wait, doubling with each attempt, up to the cap."""
    return min(settings.retry_first * 2 ** max(attempts - 1, 0), settings.retry_max)


def record_many(
    results: list[tuple[Delivery, Item, Outcome]],
    now: datetime,
    report: SendReport,
    settings: EngineSettings,
) -> None:
    """Record a group of outcomes: the sent ones in bulk (nearly all of them), others one by one.

    The bulk path works from the items' plain values, never touching the (possibly
    expired) ORM objects, so recording a thousand sends costs a handful of statements.
    """
    sent = [(delivery, item) for delivery, item, outcome in results if outcome.ok]
    _mark_sent([item.delivery_id for _, item in sent], now, report)
    _forget_goodbye_trail(
        [item.delivery_id for _, item in sent if item.kind == DeliveryKind.GOODBYE]
    )
    for delivery, _ in sent:
        db.session.expire(delivery)  # the session's copies predate the bulk update
    lessons = [item.enrollment_id for _, item in sent if item.kind == DeliveryKind.LESSON]
    planner.advance(lessons, now, sent=True, settings=settings)
    for delivery, _, outcome in results:
        if not outcome.ok:
            record(delivery, outcome, now, report, settings)


def record(
    delivery: Delivery,
    outcome: Outcome,
    now: datetime,
    report: SendReport,
    settings: EngineSettings,
) -> None:
    delivery.lease_until = None
    if outcome.ok:
        _mark_sent([delivery.id], now, report)
        db.session.expire(delivery)
        if delivery.kind == DeliveryKind.LESSON:
            planner.advance([delivery.enrollment_id], now, sent=True, settings=settings)
    elif outcome.permanent:
        _failed(delivery, outcome, now, report, settings)
    elif now - delivery.created_at >= settings.give_up_after:
        detail = f"gave up after {delivery.attempts} attempt(s): {outcome.detail}"
        given_up = Outcome(ok=False, permanent=True, detail=detail)
        _failed(delivery, given_up, now, report, settings)
    else:
        delivery.status, delivery.last_error = DeliveryStatus.QUEUED, outcome.detail
        delivery.send_after = now + retry_delay(delivery.attempts, settings)
        report.retrying += 1
        report.errors.append(for_the_log(delivery, outcome.detail))
        _log(delivery, now, AttemptOutcome.RETRY, outcome.detail)


def _mark_sent(ids: list[int], now: datetime, report: SendReport) -> None:
    if not ids:
        return
    db.session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids))
        # `recipient` is only ever set on a goodbye to an erased person: once it is handled,
        # the address goes too.
        .values(
            status=DeliveryStatus.SENT, sent_at=now, last_error="", lease_until=None, recipient=""
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        insert(DeliveryAttempt),
        [
            {
                "delivery_id": i,
                "attempted_at": now,
                "outcome": AttemptOutcome.SENT,
                "detail": "accepted",
            }
            for i in ids
        ],
    )
    report.sent += len(ids)


def for_the_log(delivery: Delivery, detail: str) -> str:
    """A failure as the pass report logs it: the learner's public id, never their address
    (logs outlive an erasure), and the relay's reply with any quoted address taken out."""
    subscriber = delivery.subscriber
    address = delivery.recipient or subscriber.email
    reply = (
        re.sub(re.escape(address), "(address)", detail, flags=re.IGNORECASE) if address else detail
    )
    return f"subscriber {subscriber.public_id}, delivery {delivery.id}: {reply}"


def _failed(
    delivery: Delivery,
    outcome: Outcome,
    now: datetime,
    report: SendReport,
    settings: EngineSettings,
) -> None:
    delivery.status, delivery.last_error = DeliveryStatus.FAILED, outcome.detail
    report.failed += 1
    report.errors.append(for_the_log(delivery, outcome.detail))
    _log(delivery, now, AttemptOutcome.FAILED, outcome.detail)
    if delivery.kind == DeliveryKind.GOODBYE:  # the person is erased already; nothing more to stop
        delivery.recipient = ""
        _forget_goodbye_trail([delivery.id])
    elif outcome.bounced:
        lifecycle.bounce(delivery.subscriber, outcome.detail, now)
    elif delivery.kind == DeliveryKind.LESSON:
        planner.advance(
            [delivery.enrollment_id], now, sent=False, settings=settings
        )  # given up: the course goes on


def _forget_goodbye_trail(ids: list[int]) -> None:
    """A goodbye is handled: relay replies may quote the erased address; they go too."""
    if not ids:
        return
    db.session.flush()
    db.session.execute(
        update(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(ids)).values(detail="")
    )
    db.session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(last_error=""))


def withhold(
    delivery: Delivery, reason: str, now: datetime, report, settings: EngineSettings
) -> None:
    """Do not send after all (unsubscribed meanwhile, lesson unpublished, …)."""
    delivery.status, delivery.last_error, delivery.lease_until = (
        DeliveryStatus.CANCELLED,
        reason,
        None,
    )
    delivery.attempts = max(delivery.attempts - 1, 0)  # claimed, never handed over
    report.cancelled += 1
    if delivery.kind == DeliveryKind.LESSON:
        # Whatever the reason, the enrollment must not wait for this row any more: plan its
        # next step (nothing, when it is stopped).
        planner.advance([delivery.enrollment_id], now, sent=False, settings=settings)


def release(delivery: Delivery) -> None:
    """Hand a claimed, unattempted delivery back to the queue (sending paused)."""
    delivery.status, delivery.lease_until = DeliveryStatus.QUEUED, None
    delivery.attempts = max(delivery.attempts - 1, 0)


def _log(delivery: Delivery, now: datetime, outcome: str, detail: str) -> None:
    db.session.add(
        DeliveryAttempt(delivery_id=delivery.id, attempted_at=now, outcome=outcome, detail=detail)
    )
