"""The delivery ledger: every email is a row before it is sent.

`queue` inserts a row whose unique key makes a second insert a no-op; `claim` moves rows
from queued to sending with a lease, in one statement, so two passes never take the same
row (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one writer at a time). A row whose
worker died is claimable again when its lease runs out, and keeps its Message-ID; the
takeover is put on its record but does not count as another attempt.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import and_, bindparam, exists, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ecourse.core.db import db
from ecourse.core.models import Delivery, DeliveryAttempt, Enrollment
from ecourse.core.statuses import AttemptOutcome, DeliveryKind, DeliveryStatus
from ecourse.engine.settings import EngineSettings
from ecourse.mail.message import domain_of

RECLAIMED = (
    AttemptOutcome.RECLAIMED
)  # a delivery_attempt outcome: taken over after its lease ran out
# From this many takeovers on, a takeover counts as a failed attempt (see
# `_back_off_repeated_takeovers`), so a message that stops its worker does not come back forever.
MAX_TAKEOVERS = 5


def message_id_for(key: str, settings: EngineSettings) -> str:
    """A Message-ID derived from the row's key: stable across retries, revealing no ids."""
    digest = hmac.new(settings.message_id_secret, key.encode(), hashlib.sha256).hexdigest()
    return f"<{digest[:32]}@{domain_of(settings.mail_from)}>"


def queue(
    *,
    key: str,
    kind: str,
    subscriber_id: int,
    now: datetime,
    send_after: datetime,
    course_id: int | None = None,
    consent_id: int | None = None,
    enrollment_id: int | None = None,
    lesson_id: int | None = None,
    round: int = 1,
    recipient: str = "",
    settings: EngineSettings,
) -> bool:
    """Insert a queued delivery unless one with this key is live; say whether it queued one.

    `recipient` is only for a message that must reach an address no longer on the
    subscriber row (the goodbye after "delete me")."""
    values = dict(
        key=key,
        kind=kind,
        subscriber_id=subscriber_id,
        course_id=course_id,
        consent_id=consent_id,
        enrollment_id=enrollment_id,
        lesson_id=lesson_id,
        round=round,
        status=DeliveryStatus.QUEUED,
        send_after=send_after,
        created_at=now,
        message_id=message_id_for(key, settings),
        attempts=0,
        last_error="",
        recipient=recipient,
    )
    # RETURNING, not rowcount: through the ORM, PostgreSQL's driver reports -1 rows.
    statement = _upsert().values(**values).returning(Delivery.id)
    return db.session.execute(statement).first() is not None


def queue_lesson_now(
    enrollment: Enrollment, lesson_id: int, key: str, now: datetime, settings: EngineSettings
) -> bool:
    """A lesson for this enrollment that may go at once (a learner's "send the next one
    now", an admin's resend), under `key`."""
    return queue(
        key=key,
        kind=DeliveryKind.LESSON,
        subscriber_id=enrollment.subscriber_id,
        course_id=enrollment.course_id,
        enrollment_id=enrollment.id,
        lesson_id=lesson_id,
        round=enrollment.round,
        now=now,
        send_after=now,
        settings=settings,
    )


def queue_many(rows: list[dict], now: datetime, settings: EngineSettings) -> None:
    """Queue many deliveries in one statement (same rules as `queue`)."""
    if not rows:
        return
    values = [
        row
        | {
            "status": DeliveryStatus.QUEUED,
            "send_after": now,
            "created_at": now,
            "message_id": message_id_for(row["key"], settings),
            "attempts": 0,
            "last_error": "",
        }
        for row in rows
    ]
    db.session.execute(_upsert(), values)


def _upsert():
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Delivery)
    # A cancelled row (say, the subscriber left and came back) is queued again, keeping its
    # Message-ID but starting its retry clock afresh; any other existing row means this
    # email is already handled.
    return statement.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "status": DeliveryStatus.QUEUED,
            "send_after": statement.excluded.send_after,
            "last_error": "",
            "created_at": statement.excluded.created_at,
            "attempts": 0,
        },
        where=Delivery.status == DeliveryStatus.CANCELLED,
    )


# Is anything claimable at :now? Built once: a pass asks it before every claim, and most
# passes (one a minute) find nothing, where building the claim's three statements cost
# more than the rest of the pass together.
_CLAIMABLE = select(
    or_(
        exists().where(
            and_(
                Delivery.status == DeliveryStatus.QUEUED,
                Delivery.send_after <= bindparam("now", type_=Delivery.send_after.type),
            )
        ),
        exists().where(
            and_(
                Delivery.status == DeliveryStatus.SENDING,
                Delivery.lease_until < bindparam("now", type_=Delivery.lease_until.type),
            )
        ),
    )
)


def anything_claimable(now: datetime) -> bool:
    """Whether a claim at `now` would take a row: one due, or one whose lease ran out.

    A read on the claim index that takes no lock: a row that comes due a moment later is
    the next claim's (or the next pass's), as it would be a moment after any claim."""
    return bool(db.session.scalar(_CLAIMABLE, {"now": now}))


def take(
    condition, limit: int, token: str, lease_until: datetime, *, counts_as_attempt: bool
) -> list[int]:
    """Move up to `limit` rows matching `condition` to `sending` in one statement; their ids.

    `attempts` counts the times a row left the queue, which sets its backoff. A row taken
    over after its lease ran out has not gone back to the queue: its worker stopped (or ran
    late) before recording, which says nothing about the relay or the address, so the
    takeover continues that attempt instead of counting, and doubling the wait, once more.
    """
    claimable = (
        select(Delivery.id).where(condition).order_by(Delivery.send_after, Delivery.id).limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        claimable = claimable.with_for_update(skip_locked=True)
    values = {"status": DeliveryStatus.SENDING, "claim_token": token, "lease_until": lease_until}
    if counts_as_attempt:
        values["attempts"] = Delivery.attempts + 1
    statement = (
        update(Delivery)
        .where(Delivery.id.in_(claimable.scalar_subquery()))
        .values(**values)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return list(db.session.scalars(statement))


def note_reclaimed(ids: list[int], now: datetime) -> None:
    """Put each takeover on the row's record: the lost attempt may have reached the relay,
    and this explains a copy that arrives twice (with the same Message-ID)."""
    if not ids:
        return
    detail = (
        "lease ran out before an outcome was recorded (worker stopped or too slow; the "
        "message may have reached the relay); taken over, same Message-ID"
    )
    db.session.execute(
        insert(DeliveryAttempt),
        [
            {"delivery_id": i, "attempted_at": now, "outcome": RECLAIMED, "detail": detail}
            for i in ids
        ],
    )
