"""Writes each message as an `.eml` file, so a fresh install works with no mail server."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from ecourse.mail.base import Outcome, register
from ecourse.mail.message import Message


@register("outbox")
class OutboxMessenger:
    name = "outbox"
    concurrency = 1
    batch_size = 100

    def __init__(self, settings):
        self.folder = Path(settings["DATA_DIR"]) / "outbox"

    def send(self, messages: Sequence[Message]) -> list[Outcome]:
        self.folder.mkdir(parents=True, exist_ok=True)
        return [self._write(message) for message in messages]

    def _write(self, message: Message) -> Outcome:
        digest = hashlib.sha256(message.message_id.encode()).hexdigest()[:12]
        stamp = message.date.strftime("%Y%m%dT%H%M%S")
        path = self.folder / f"{stamp}-{digest}.eml"
        partial = path.with_suffix(".part")
        try:
            partial.write_bytes(message.as_bytes())
            os.replace(partial, path)  # a reader never sees half a message
        except OSError as error:
            return Outcome(ok=False, detail=f"outbox: {error}")
        return Outcome(ok=True, detail=f"written to {path}")

    def close(self) -> None:
        pass
