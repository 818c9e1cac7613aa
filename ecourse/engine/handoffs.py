"""On SQLite: once a stop, pause or unsubscribe has returned, nothing more leaves for it.

PostgreSQL gets this from row locks (see `ecourse.gate`). SQLite has no row locks, and in
WAL mode a reader never holds up a writer, so the last check before a handoff could read
"still active" a moment before a stop commits, and hand the lesson over after the stop has
answered the learner. This readers-writer lock closes that gap, between the threads of one
process (`ecourse serve`) and between processes sharing the data folder (`ecourse worker`):

- every handoff holds it shared, from its last check until the relay has answered;
- a stop, once committed, takes it exclusively for a moment: it waits for the handoffs
  checked before its commit, and every later check sees it.

It is built from `flock` on two files in the data folder (a turnstile first, so a waiting
stop is not starved by handoffs that keep coming). `flock` locks belong to an open file, so
each use opens its own: threads of one process exclude each other like processes do.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TURNSTILE = "handoffs.turnstile.lock"
HANDOFFS = "handoffs.lock"


class HandoffLock:
    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.turnstile = folder / TURNSTILE
        self.handoffs = folder / HANDOFFS

    @contextmanager
    def handing_over(self) -> Iterator[None]:
        """Hold while checking and handing over (shared: handoffs run side by side)."""
        with _locked(self.turnstile, fcntl.LOCK_SH):
            pass  # wait here while a stop is waiting for the handoffs before it
        with _locked(self.handoffs, fcntl.LOCK_SH):
            yield

    def settle(self) -> None:
        """Wait until the handoffs that were checked before now have been answered."""
        with self.settling():
            pass

    @contextmanager
    def settling(self) -> Iterator[None]:
        """Hold the lock exclusively: no handoff is on its way, and none starts."""
        with _locked(self.turnstile, fcntl.LOCK_EX), _locked(self.handoffs, fcntl.LOCK_EX):
            yield


@contextmanager
def _locked(path: Path, mode: int) -> Iterator[None]:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, mode)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


@contextmanager
def nothing() -> Iterator[None]:
    """What a handoff holds on PostgreSQL: the rows' locks do the work."""
    yield
