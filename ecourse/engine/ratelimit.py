"""One send rate for all workers together (the `limits` library).

Counters live in `ECOURSE_RATELIMIT_STORAGE_URL`: with `memory://` they hold for one process
(in a window of our own, see `LocalWindow`); with Redis they hold across every worker, so
the sum never overshoots. Either way a process keeps one limiter for its whole life (the
app's `Engine` holds it): passes run back to back, and each must count against the same
moving window as the pass before it.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class LocalWindow:
    """A moving one-second window for the threads of one process.

    `limits`' in-memory storage is not safe for the sender's threads on Python 3.11: its
    expiry timer swaps the event list while a hit inserts into it, and several threads ask the
    timer `is_alive()` at once. Both let a message past the rate now and then. This window
    keeps its grants under one lock, on the monotonic clock, so a moved wall clock can't
    stretch or shrink it.
    """

    def __init__(self, per_second: int):
        self.per_second = per_second
        self.granted: deque[float] = deque()
        self.lock = threading.Lock()

    def hit(self) -> bool:
        with self.lock:
            now = time.monotonic()
            while self.granted and self.granted[0] <= now - 1.0:
                self.granted.popleft()
            if len(self.granted) >= self.per_second:
                return False
            self.granted.append(now)
            return True


class SharedWindow:
    """A moving one-second window kept in Redis (through `limits`), shared by every worker."""

    def __init__(self, per_second: int, storage_url: str):
        self.item = RateLimitItemPerSecond(per_second)
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_url))

    def hit(self) -> bool:
        return self.limiter.hit(self.item, "ecourse", "send")


class SendRate:
    """Blocks until sending one more message stays within the rate."""

    def __init__(self, per_second: int, storage_url: str = "memory://"):
        self.window: LocalWindow | SharedWindow | None = None
        if per_second > 0:
            local = storage_url.startswith("memory://")
            self.window = (
                LocalWindow(per_second) if local else SharedWindow(per_second, storage_url)
            )

    def try_acquire(self) -> bool:
        return self.window is None or self.window.hit()

    def wait(self) -> None:
        while not self.try_acquire():
            time.sleep(0.005)
