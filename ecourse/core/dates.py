"""Dates as people read them: local time, in a language (Dutch unless told).

Dutch: "dinsdag 3 december, 07:30"; English: "Tuesday 3 December, 07:30". Babel's CLDR
data gives the day and month names, so no language needs its own table here.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from ecourse.core.languages import DEFAULT


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def _language(language: str | None) -> str:
    return language or DEFAULT


def format_local(
    moment: datetime | None,
    zone: str,
    with_time: bool = False,
    with_year: bool = False,
    language: str | None = None,
) -> str:
    """A moment in `zone`, as words: weekday, day, month (year, time when asked)."""
    if moment is None:
        return ""
    pattern = "EEEE d MMMM" + (" y" if with_year else "") + (", HH:mm" if with_time else "")
    return format_datetime(local(moment, zone), pattern, locale=_language(language))


def format_day(day: date, language: str | None = None) -> str:
    """A calendar date in words: "dinsdag 3 december"."""
    return format_date(day, "EEEE d MMMM", locale=_language(language))
