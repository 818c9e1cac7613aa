"""The last check before a message is handed to the relay: still ours, still wanted?

Two things are checked in one query right before the handoff:
- the delivery is still claimed by this pass (its lease may have run out and another worker
  may have taken it over: then that worker sends it, and this one must not);
- the send policy still lets it go (`ecourse.policy`, the same rule the renderer applied at
  the claim): an unsubscribe, a stop or a pause may have committed since, a course may have
  been reopened or lost its follow-up.
On PostgreSQL the enrollment rows are share-locked first, in a statement of their own: a
stop, pause or unsubscribe in progress holds them, so the check waits for it to commit and
then, in a fresh statement, sees it. The delivery and subscriber rows stay share-locked
until the handoff is done, so a stop that comes later waits for the one message already
being handed over. On SQLite the check reads what is committed; a stop waits for the
handoffs already checked (`ledger.wait_for_handoffs`). See docs/delivery.md.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from ecourse.engine import handoffs, policy
from ecourse.engine.handoffs import HandoffLock
from ecourse.mail.message import Message


@dataclass(frozen=True)
class Item:
    delivery_id: int
    subscriber_id: int
    kind: str
    claim_token: str
    message: Message
    enrollment_id: int | None = None


class Gate:
    """Runs the check on one database connection per send thread, kept for the whole pass.

    This is the one statement run for every single message, so it is plain SQL on a DB-API
    cursor: through the ORM it cost more than the SMTP client itself.
    """

    def __init__(self, engine: Engine, handoff_lock: HandoffLock | None = None):
        self.engine = engine
        self.handoff_lock = handoff_lock
        self.postgres = engine.dialect.name == "postgresql"
        self._local = threading.local()
        self._connections: list = []
        self._lock = threading.Lock()

    def _sql(self, count: int) -> str:
        marks = ", ".join(["%s" if self.postgres else "?"] * count)
        sql = (
            "SELECT delivery.id, delivery.claim_token, delivery.kind, subscriber.status,"
            " enrollment.status, lesson.status, consent.confirmed_at IS NOT NULL,"
            " delivery.recipient <> '',"
            " enrollment.status IN ('stopped', 'bounced', 'erased')"
            " AND consent.created_at <= enrollment.stopped_at,"
            " TRIM(course.follow_up_md) <> ''"
            " FROM delivery JOIN subscriber ON subscriber.id = delivery.subscriber_id"
            " LEFT JOIN enrollment ON enrollment.id = delivery.enrollment_id"
            " LEFT JOIN lesson ON lesson.id = delivery.lesson_id"
            " LEFT JOIN consent ON consent.id = delivery.consent_id"
            " LEFT JOIN course ON course.id = delivery.course_id"
            f" WHERE delivery.id IN ({marks}) AND delivery.status = 'sending'"
            " ORDER BY delivery.id"
        )
        return sql + " FOR SHARE OF delivery, subscriber" if self.postgres else sql

    def _lock_enrollments(self, cursor, items: Sequence[Item]) -> None:
        """PostgreSQL: wait for any change in progress to these courses, and hold them.

        A statement that waited for a row lock still sees the rows as they were when it
        began (READ COMMITTED), so this lock is taken on its own, before the check's read.
        """
        ids = sorted({item.enrollment_id for item in items if item.enrollment_id})
        if self.postgres and ids:
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(
                f"SELECT id FROM enrollment WHERE id IN ({marks}) ORDER BY id FOR SHARE", ids
            )

    def _connection(self):
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self.engine.raw_connection()
            if not self.postgres:
                # Point lookups by primary key need next to no page cache; SQLite's default
                # of 2 MB per connection, times one connection per send thread, adds up.
                connection.cursor().execute("PRAGMA cache_size = -256")
            with self._lock:
                self._connections.append(connection)
        return connection

    @contextmanager
    def hold(self, items: Sequence[Item]) -> Iterator[set[int]]:
        """Yield the positions of the items still wanted, holding them until the block ends."""
        holding = self.handoff_lock.handing_over() if self.handoff_lock else handoffs.nothing()
        with holding:
            connection = self._connection()
            cursor = connection.cursor()
            try:
                self._lock_enrollments(cursor, items)
                cursor.execute(self._sql(len(items)), [item.delivery_id for item in items])
                rows = {row[0]: row for row in cursor.fetchall()}
                yield {
                    position
                    for position, item in enumerate(items)
                    if _wanted(item, rows.get(item.delivery_id))
                }
            finally:
                cursor.close()
                connection.commit()  # ends the read; on PostgreSQL, releases the share locks

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()


def _wanted(item: Item, row) -> bool:
    if row is None or row[1] != item.claim_token:
        return False
    facts = policy.Facts(
        kind=row[2],
        subscriber=row[3],
        enrollment=row[4],
        lesson=row[5],
        sign_up_confirmed=bool(row[6]),
        has_recipient=bool(row[7]),
        sign_up_before_end=bool(row[8]),
        has_follow_up=bool(row[9]),
    )
    return policy.skip_reason(facts) is None
