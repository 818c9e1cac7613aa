"""Sign-up hygiene, a step of every pass: one reminder to confirm, then forgetting.

A sign-up that is still unconfirmed when its `remind_at` comes gets one reminder (queued
in the ledger, sent by the same pass); when its `forget_at` comes, its personal data is
erased. Both are found through their indexed columns, so a pass reads only what is due,
and each column is cleared once handled, so a row is never read twice. The timestamps are
set at sign-up (`signup.service.schedule_follow_up`) and cleared on confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ecourse import journal, ledger, privacy
from ecourse.db import db, take_write_lock
from ecourse.models import Subscriber

BATCH_SIZE = 500
SYSTEM = journal.SYSTEM


@dataclass
class HygieneReport:
    reminded: int = 0
    forgotten: int = 0


def tidy(now: datetime, batch_size: int = BATCH_SIZE) -> HygieneReport:
    """Queue the reminders that are due and forget the sign-ups that expired."""
    report = HygieneReport()
    # Batches keep each transaction short; a full batch means there may be more.
    while _remind_batch(now, batch_size, report) == batch_size:
        pass
    while _forget_batch(now, batch_size, report) == batch_size:
        pass
    return report


def due_query(column, now: datetime, batch_size: int):
    """The subscribers whose `column` (`remind_at` or `forget_at`) has come, earliest first:
    a range on the column's index, so the rows that are not due are never read."""
    return select(Subscriber).where(column <= now).order_by(column).limit(batch_size)


def _due(column, now: datetime, batch_size: int) -> list[Subscriber]:
    """`due_query`, read fresh under the write lock (PostgreSQL: rows another worker is
    handling are skipped)."""
    take_write_lock()
    query = (
        due_query(column, now, batch_size)
        .options(selectinload(Subscriber.consents))
        .execution_options(populate_existing=True)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Subscriber)
    return list(db.session.scalars(query))


def _remind_batch(now: datetime, batch_size: int, report: HygieneReport) -> int:
    due = _due(Subscriber.remind_at, now, batch_size)
    for subscriber in due:
        if subscriber.status == "pending" and subscriber.consents:
            report.reminded += queue_reminder(subscriber, now)
        subscriber.remind_at = None
    db.session.commit()
    return len(due)


def queue_reminder(subscriber: Subscriber, now: datetime) -> bool:
    """Queue the one reminder of this round of signing up. Its key names the round's
    latest consent, so a second pass (or a second worker) queues nothing more."""
    return ledger.queue(
        key=f"remind:{subscriber.id}:{subscriber.consents[-1].id}",
        kind="reminder",
        subscriber_id=subscriber.id,
        now=now,
        send_after=now,
    )


def _forget_batch(now: datetime, batch_size: int, report: HygieneReport) -> int:
    due = _due(Subscriber.forget_at, now, batch_size)
    for subscriber in due:
        if subscriber.status == "pending":
            forget(subscriber, now)
            report.forgotten += 1
        subscriber.forget_at = None
    db.session.commit()
    return len(due)


def forget(subscriber: Subscriber, now: datetime) -> None:
    """Erase a sign-up that was never confirmed; the record says why, and nothing personal."""
    days = current_app.config["ECOURSE"]["FORGET_UNCONFIRMED_DAYS"]
    privacy.erase(subscriber, f"not confirmed within {days} days", now)
    detail = f"niet bevestigd binnen {days} dagen: persoonsgegevens gewist"
    journal.record(subscriber, "erase", detail, SYSTEM, now)
