"""The last check before a message is handed to the relay: still ours, still wanted?

Two things are checked in one query right before the handoff:
- the delivery is still claimed by this pass (its lease may have run out and another worker
  may have taken it over: then that worker sends it, and this one must not);
- the subscriber still wants it (an unsubscribe may have committed since the claim), and
  for a lesson, the course is still going (not stopped or paused since the claim).
On PostgreSQL the rows are share-locked until the handoff is done, so an unsubscribe or a
re-claim waits for the one message already being handed over, and every later check sees
it. On SQLite the check and the handoff follow each other directly (docs/delivery.md).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from ecourse.mail.message import Message

EXPECTED_STATUS = {
    "confirm": "pending",
    "reminder": "pending",
    "lesson": "active",
    "goodbye": "erased",
}
LIVE_ENROLLMENT = {"active", "completed"}


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

    def __init__(self, engine: Engine):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self._local = threading.local()
        self._connections: list = []
        self._lock = threading.Lock()

    def _sql(self, count: int) -> str:
        mark = "%s" if self.postgres else "?"
        sql = (
            "SELECT delivery.id, delivery.claim_token, subscriber.status, enrollment.status"
            " FROM delivery JOIN subscriber ON subscriber.id = delivery.subscriber_id"
            " LEFT JOIN enrollment ON enrollment.id = delivery.enrollment_id"
            f" WHERE delivery.id IN ({', '.join([mark] * count)}) AND delivery.status = 'sending'"
            " ORDER BY delivery.id"
        )
        # The enrollment is on the nullable side of the join and cannot be share-locked;
        # whoever stops or pauses a course locks the subscriber row too, and waits here.
        return sql + " FOR SHARE OF delivery, subscriber" if self.postgres else sql

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
        connection = self._connection()
        cursor = connection.cursor()
        try:
            cursor.execute(self._sql(len(items)), [item.delivery_id for item in items])
            rows = {row[0]: row for row in cursor.fetchall()}
            yield {
                position
                for position, item in enumerate(items)
                if _wanted(item, rows.get(item.delivery_id))
            }
        finally:
            cursor.close()
            connection.commit()  # ends the read, and on PostgreSQL releases the share locks

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()


def _wanted(item: Item, row) -> bool:
    if row is None or row[1] != item.claim_token or row[2] != EXPECTED_STATUS[item.kind]:
        return False
    return item.kind != "lesson" or row[3] in LIVE_ENROLLMENT
