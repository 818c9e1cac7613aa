"""The `Messenger` protocol and the registry of backends by name."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ecourse.mail.message import Message


@dataclass(frozen=True)
class Outcome:
    """What happened to one message: sent, failed for now, or failed for good.

    `bounced` says the address itself does not work (an SMTP 5xx, a provider's inactive
    recipient); the subscriber is then suppressed. A permanent failure that is not a bounce
    (a message the provider refused to process) fails the message but keeps the address.
    """

    ok: bool
    permanent: bool = False
    detail: str = ""
    bounced: bool = False


SENT = Outcome(ok=True, detail="accepted")


class Messenger(Protocol):
    name: str
    concurrency: int  # how many `send` calls may run at once, from different threads
    batch_size: int  # how many messages one `send` call takes

    def send(self, messages: Sequence[Message]) -> list[Outcome]:
        """Send a batch; one outcome per message, in order. Never raises for one bad message."""

    def close(self) -> None:
        """Release connections; the messenger may be used again afterwards."""


BACKENDS: dict[str, Callable[[Mapping[str, Any]], Messenger]] = {}


def register(name: str):
    def decorator(factory):
        BACKENDS[name] = factory
        return factory

    return decorator


def create(name: str, settings: Mapping[str, Any]) -> Messenger:
    if name not in BACKENDS:
        raise ValueError(f"unknown mail backend {name!r}; choose from {', '.join(BACKENDS)}")
    return BACKENDS[name](settings)
