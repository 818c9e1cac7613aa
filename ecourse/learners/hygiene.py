"""Sign-up hygiene, a step of every pass: one reminder to confirm, then forgetting.

A sign-up (a `Consent` row) that is still unconfirmed when its `remind_at` comes gets one
reminder (queued in the ledger, sent by the same pass). When its `forget_at` comes, a person
who never confirmed anything is erased; someone we know only loses what that sign-up asked
for. Both are found through their indexed columns, so a pass reads only what is due, and
each column is cleared once handled, so a row is never read twice. The moments are set at
sign-up (`signup.service.schedule_follow_up`) and cleared on confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ecourse.core import keys
from ecourse.core.db import db, take_write_lock
from ecourse.core.models import Consent, Subscriber
from ecourse.core.statuses import DeliveryKind, EnrollmentStatus, SubscriberStatus
from ecourse.engine import ledger, policy
from ecourse.journey import journal
from ecourse.learners import current, privacy

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
    """The sign-ups whose `column` (`remind_at` or `forget_at`) has come, earliest first: a
    range on the column's index, so the rows that are not due are never read."""
    return select(Consent).where(column <= now).order_by(column).limit(batch_size)


def _due(column, now: datetime, batch_size: int) -> list[Consent]:
    """`due_query`, read fresh under the write lock (PostgreSQL: rows another worker is
    handling are skipped)."""
    take_write_lock()
    query = (
        due_query(column, now, batch_size)
        .options(selectinload(Consent.subscriber), selectinload(Consent.enrollment))
        .execution_options(populate_existing=True)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Consent)
    return list(db.session.scalars(query))


def _remind_batch(now: datetime, batch_size: int, report: HygieneReport) -> int:
    due = _due(Consent.remind_at, now, batch_size)
    for sign_up in due:
        if still_open(sign_up):
            report.reminded += queue_reminder(sign_up, now)
        sign_up.remind_at = None
    db.session.commit()
    return len(due)


def still_open(sign_up: Consent) -> bool:
    """Unconfirmed, for a course not under way, by someone not erased."""
    enrollment = sign_up.enrollment
    return (
        sign_up.confirmed_at is None
        and enrollment is not None
        and enrollment.status not in (*policy.UNDER_WAY, EnrollmentStatus.ERASED)
        and sign_up.subscriber.status != SubscriberStatus.ERASED
    )


def queue_reminder(sign_up: Consent, now: datetime) -> bool:
    """Queue the one reminder of this sign-up; its key names the sign-up, so a second pass
    (or a second worker) queues nothing more."""
    return ledger.queue(
        key=keys.reminder(sign_up.id),
        kind=DeliveryKind.REMINDER,
        subscriber_id=sign_up.subscriber_id,
        course_id=sign_up.course_id,
        consent_id=sign_up.id,
        enrollment_id=sign_up.enrollment_id,
        now=now,
        send_after=now,
        settings=current.settings(),
    )


def _forget_batch(now: datetime, batch_size: int, report: HygieneReport) -> int:
    due = _due(Consent.forget_at, now, batch_size)
    for sign_up in due:
        sign_up.forget_at = None
        if not still_open(sign_up):
            continue
        if _never_confirmed_anything(sign_up.subscriber, now):
            forget(sign_up.subscriber, now)
            report.forgotten += 1
        else:
            _let_lapse(sign_up)
    db.session.commit()
    return len(due)


def _never_confirmed_anything(subscriber: Subscriber, now: datetime) -> bool:
    """Whether this person is only unconfirmed sign-ups, none of which is still waiting."""
    if subscriber.confirmed_at is not None:
        return False
    waiting = [each for each in subscriber.consents if each.forget_at and each.forget_at > now]
    return not waiting


def _let_lapse(sign_up: Consent) -> None:
    """An unconfirmed sign-up of someone we know: what it asked for, and where it came
    from, go; the person and their other courses stay as they are."""
    sign_up.first_name, sign_up.timezone, sign_up.language = "", None, None
    sign_up.ip_address, sign_up.user_agent = "", ""


def forget(subscriber: Subscriber, now: datetime) -> None:
    """Erase someone who never confirmed a sign-up; the record says why, and nothing personal."""
    days = current_app.config["ECOURSE"]["FORGET_UNCONFIRMED_DAYS"]
    privacy.erase(subscriber, f"not confirmed within {days} days", now)
    detail = f"niet bevestigd binnen {days} dagen: persoonsgegevens gewist"
    journal.record(subscriber, "erase", detail, SYSTEM, now)
