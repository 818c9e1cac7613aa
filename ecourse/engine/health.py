"""Sending health: pause every worker after too many temporary failures in a row, and the
last pass.

A relay that is down answers every message with an error; burning through the queue then
only piles up retries. The pause is stored in the database, so all workers honour it. Each
pass is noted in the same row, so any process can tell whether a scheduler is alive.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite

from ecourse.core.db import db
from ecourse.core.models import EngineState
from ecourse.mail.base import Outcome

log = logging.getLogger(__name__)


class Streak:
    """Counts temporary failures in a row; any success resets it. Shared by send threads."""

    def __init__(self, limit: int):
        self.limit, self.count, self.last_error = limit, 0, ""
        self._lock = threading.Lock()

    def update(self, outcome: Outcome) -> None:
        with self._lock:
            if outcome.ok or outcome.permanent:
                self.count = 0
            else:
                self.count, self.last_error = self.count + 1, outcome.detail

    @property
    def tripped(self) -> bool:
        return self.limit > 0 and self.count >= self.limit


def _state() -> EngineState:
    state = db.session.get(EngineState, 1)
    if state is None:
        state = EngineState(id=1, pause_reason="")
        db.session.add(state)
    return state


def paused_until(now: datetime) -> tuple[datetime, str] | None:
    state = db.session.get(EngineState, 1)
    if state is None or state.paused_until is None or state.paused_until <= now:
        return None
    return state.paused_until, state.pause_reason


def pause(now: datetime, length: timedelta, reason: str) -> datetime:
    state = _state()
    state.paused_until = now + length
    state.pause_reason = reason
    db.session.commit()
    log.critical("sending paused until %s: %s", state.paused_until.isoformat(), reason)
    return state.paused_until


def resume() -> None:
    state = _state()
    state.paused_until, state.pause_reason = None, ""
    db.session.commit()


@dataclass(frozen=True)
class LastPass:
    started_at: datetime
    finished_at: datetime
    seconds: float


def record_pass(started: datetime, seconds: float) -> None:
    """Note a pass that began at `started` and took `seconds` (measured on a monotonic clock).

    One statement, inserting the row the first time; with several workers the last to
    finish a pass wins, which is all a health check needs."""
    values = {
        "last_pass_started_at": started,
        "last_pass_finished_at": started + timedelta(seconds=seconds),
        "last_pass_seconds": seconds,
    }
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(EngineState).values(id=1, pause_reason="", **values)
    db.session.execute(statement.on_conflict_do_update(index_elements=["id"], set_=values))
    db.session.commit()


def last_pass() -> LastPass | None:
    state = db.session.get(EngineState, 1)
    if state is None or state.last_pass_finished_at is None:
        return None
    return LastPass(
        state.last_pass_started_at, state.last_pass_finished_at, state.last_pass_seconds
    )


def pass_problem(now: datetime, finished_at: datetime | None, max_age: timedelta) -> str | None:
    """Why the scheduler looks stopped, or None while its last pass ended within `max_age`
    of `now`, before or after it: a pass far in the future means the clocks disagree."""
    if finished_at is None:
        return "no scheduler pass has finished yet"
    age = (now - finished_at).total_seconds()
    if age > max_age.total_seconds():
        return f"the last scheduler pass finished {age:.0f} s ago"
    if -age > max_age.total_seconds():
        return f"the last scheduler pass is {-age:.0f} s in the future: do the clocks agree?"
    return None
