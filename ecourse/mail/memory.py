"""Keeps messages in a list: for tests and for trying things out in a shell."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from ecourse.mail.base import SENT, Outcome, register
from ecourse.mail.message import Message


@register("memory")
class MemoryMessenger:
    name = "memory"
    concurrency = 1
    batch_size = 100

    def __init__(self, settings=None):
        self.sent: list[Message] = []
        self._lock = threading.Lock()

    def send(self, messages: Sequence[Message]) -> list[Outcome]:
        with self._lock:
            self.sent.extend(messages)
        return [SENT for _ in messages]

    def close(self) -> None:
        pass
