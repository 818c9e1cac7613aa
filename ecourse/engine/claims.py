"""Claiming: a pass takes due rows from the ledger, and gives a row that keeps stopping its
worker the usual backoff.

A row whose lease ran out is claimable again (its worker died or ran late) and keeps its
Message-ID; the takeover is put on its record but does not count as another attempt. From
its `ledger.MAX_TAKEOVERS`-th takeover on, though, a takeover counts as a failed attempt
(recorded as one), so a message that stops its worker every time does not come back forever.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from ecourse.core.db import db
from ecourse.core.models import Delivery, DeliveryAttempt
from ecourse.core.statuses import DeliveryStatus
from ecourse.engine import ledger, recorder
from ecourse.engine.settings import EngineSettings
from ecourse.mail.base import Outcome


def claim(
    now: datetime, limit: int, lease: timedelta, settings: EngineSettings
) -> tuple[str, list[Delivery]]:
    """Take up to `limit` due rows and commit, so others see them as taken.

    Returns the claim's token with the rows; only the holder of the token may send them.
    Rows whose lease ran out come first: they have waited longest.
    """
    token = f"{os.getpid()}-{secrets.token_hex(6)}"  # which process holds a row, for operators
    if not ledger.anything_claimable(now):
        db.session.commit()  # ends the read
        return token, []
    lease_until = now + lease
    expired = and_(Delivery.status == DeliveryStatus.SENDING, Delivery.lease_until < now)
    reclaimed = ledger.take(expired, limit, token, lease_until, counts_as_attempt=False)
    if len(reclaimed) < limit:
        due = and_(Delivery.status == DeliveryStatus.QUEUED, Delivery.send_after <= now)
        ledger.take(due, limit - len(reclaimed), token, lease_until, counts_as_attempt=True)
    ledger.note_reclaimed(reclaimed, now)
    _back_off_repeated_takeovers(reclaimed, now, settings)
    db.session.commit()
    query = (
        select(Delivery)
        .where(Delivery.claim_token == token, Delivery.status == DeliveryStatus.SENDING)
        .options(
            selectinload(Delivery.subscriber),
            selectinload(Delivery.lesson),
            selectinload(Delivery.course),
            selectinload(Delivery.consent),
        )
        .order_by(Delivery.id)
    )
    return token, list(db.session.scalars(query))


def _back_off_repeated_takeovers(ids: list[int], now: datetime, settings: EngineSettings) -> None:
    """From its `ledger.MAX_TAKEOVERS`-th takeover on, a row's takeover counts as a failed attempt.

    Such a row may be what stops its worker (a "poison" message). It then waits with the
    usual backoff instead of coming straight back, and is given up at the usual horizon
    (`GIVE_UP_DAYS`). A row that was only unlucky (taken over first after each of several
    unrelated crashes) still goes out: nothing is lost to crashes within the horizon.
    """
    if not ids:
        return
    counts = db.session.execute(
        select(DeliveryAttempt.delivery_id, func.count())
        .where(DeliveryAttempt.delivery_id.in_(ids), DeliveryAttempt.outcome == ledger.RECLAIMED)
        .group_by(DeliveryAttempt.delivery_id)
    )
    suspects = [delivery_id for delivery_id, count in counts if count >= ledger.MAX_TAKEOVERS]
    if not suspects:
        return
    detail = f"the worker stopped {ledger.MAX_TAKEOVERS} or more times while handling this message"
    for delivery in db.session.scalars(select(Delivery).where(Delivery.id.in_(suspects))):
        delivery.attempts += 1
        outcome = Outcome(ok=False, detail=detail)
        recorder.record(delivery, outcome, now, recorder.SendReport(), settings)
