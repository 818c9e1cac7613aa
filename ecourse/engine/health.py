"""Sending health: pause every worker after too many temporary failures in a row.

A relay that is down answers every message with an error; burning through the queue then
only piles up retries. The pause is stored in the database, so all workers honour it.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

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
