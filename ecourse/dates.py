"""Dates as people read them: local time, Dutch words ("dinsdag 3 december, 07:30")."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

DAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def format_local(
    moment: datetime | None, zone: str, with_time: bool = False, with_year: bool = False
) -> str:
    if moment is None:
        return ""
    when = local(moment, zone)
    text = f"{DAYS[when.weekday()]} {when.day} {MONTHS[when.month - 1]}"
    text = f"{text} {when.year}" if with_year else text
    return f"{text}, {when:%H:%M}" if with_time else text


def format_day(day: date) -> str:
    """A calendar date in words: "dinsdag 3 december"."""
    return f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"
