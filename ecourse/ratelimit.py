"""One send rate for all workers together (the `limits` library).

Counters live in `ECOURSE_RATELIMIT_STORAGE_URL`: in memory they hold for one process; with
Redis they hold across every worker, so the sum never overshoots. Either way a process keeps
one limiter for its whole life (`for_app`): passes run back to back, and each must count
against the same moving window as the pass before it.
"""

from __future__ import annotations

import threading
import time

from flask import Flask
from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

EXTENSION = "ecourse.send_rate"
_creating = threading.Lock()


class SendRate:
    """Blocks until sending one more message stays within the rate."""

    def __init__(self, per_second: int, storage_url: str = "memory://"):
        self.item = RateLimitItemPerSecond(per_second) if per_second > 0 else None
        self.limiter = (
            MovingWindowRateLimiter(storage_from_string(storage_url)) if self.item else None
        )

    def try_acquire(self) -> bool:
        return self.limiter is None or self.limiter.hit(self.item, "ecourse", "send")

    def wait(self) -> None:
        while not self.try_acquire():
            time.sleep(0.005)


def for_app(app: Flask) -> SendRate:
    """The process's one limiter for the app's rate and storage, made on first use.

    A limiter made per pass would start each pass with an empty in-memory window, so
    `ecourse serve`, which runs passes back to back, could send up to twice the rate in a
    second. Keyed by rate and storage URL, so changed settings get a limiter of their own.
    """
    settings = app.config["ECOURSE"]
    key = (settings["SEND_RATE"], settings["RATELIMIT_STORAGE_URL"])
    with _creating:  # a web thread and the scheduler may ask at the same moment
        limiters = app.extensions.setdefault(EXTENSION, {})
        if key not in limiters:
            limiters[key] = SendRate(*key)
        return limiters[key]
