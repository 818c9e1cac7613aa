"""Time zones, looked up once: listing them reads hundreds of files from disk."""

from __future__ import annotations

from zoneinfo import available_timezones

KNOWN: frozenset[str] = frozenset(available_timezones())
