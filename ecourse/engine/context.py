"""The engine as one object: its settings and its collaborators, built once per app.

Like listmonk's manager, it is given everything it works with (the typed settings, the
messenger, the send rate, on SQLite the handoff lock) instead of reaching for the app. The
layers above get the app's engine from `ecourse.learners.current.engine()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ecourse.engine.handoffs import HandoffLock
from ecourse.engine.ratelimit import SendRate
from ecourse.engine.settings import EngineSettings
from ecourse.mail.base import Messenger


@dataclass
class Engine:
    settings: EngineSettings
    messenger: Messenger
    rate: SendRate  # one per process, so passes that follow each other share the window
    handoffs: HandoffLock | None  # SQLite only: a stop waits for the handoffs before it

    @classmethod
    def build(
        cls, settings: EngineSettings, messenger: Messenger, sqlite_data_dir: Path | None
    ) -> Engine:
        rate = SendRate(settings.send_rate, settings.rate_storage_url)
        lock = HandoffLock(sqlite_data_dir) if sqlite_data_dir is not None else None
        return cls(settings, messenger, rate, lock)

    def settle(self) -> None:
        """After committing a stop, pause or unsubscribe: return only once no handoff checked
        before it is still on its way (SQLite; on PostgreSQL the commit already waited)."""
        if self.handoffs is not None:
            self.handoffs.settle()
