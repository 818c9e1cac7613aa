"""The one clock. Every rule takes `now` as a parameter; the edges (a request, a command, the
scheduler) read it here, once, and pass it on."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
