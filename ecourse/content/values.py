"""The values a course file holds that are more than text: send time and weekdays."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_weekdays(names: Iterable[str]) -> frozenset[int]:
    """Turn weekday names (`saturday`, `sun`) into Python weekday numbers."""
    numbers = set()
    for name in names:
        text = name.strip().lower()
        matches = [i for i, day in enumerate(WEEKDAYS) if text and day.startswith(text[:3])]
        if len(text) < 3 or not matches:
            raise ValueError(f"unknown weekday {name!r}; use monday … sunday")
        numbers.add(matches[0])
    return frozenset(numbers)


def parse_send_time(text: str) -> time:
    """Read `HH:MM` (24-hour clock)."""
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"send time must look like 07:30, got {text!r}") from None
