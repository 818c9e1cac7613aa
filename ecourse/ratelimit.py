"""One send rate for all workers together (the `limits` library).

Counters live in `ECOURSE_RATELIMIT_STORAGE_URL`: in memory they hold for one process; with
Redis they hold across every worker, so the sum never overshoots.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class SendRate:
    """Blocks until sending one more message stays within the rate."""

    def __init__(self, per_second: int, storage_url: str = "memory://"):
        self.item = RateLimitItemPerSecond(per_second) if per_second > 0 else None
        self.limiter = (
            MovingWindowRateLimiter(storage_from_string(storage_url)) if self.item else None
        )

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> SendRate:
        return cls(settings["SEND_RATE"], settings["RATELIMIT_STORAGE_URL"])

    def try_acquire(self) -> bool:
        return self.limiter is None or self.limiter.hit(self.item, "ecourse", "send")

    def wait(self) -> None:
        while not self.try_acquire():
            time.sleep(0.005)
