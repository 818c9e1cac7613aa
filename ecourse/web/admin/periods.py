"""The dashboard's time range: which local days the sign-up chart covers, in which rows.

Days are the course's local days (a sign-up at 00:30 in Amsterdam counts on that date), and
every row of one range is equally long, so a short first row can never look like a dip.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Period:
    key: str  # its value in the address: ?periode=maand
    label: str  # "30 dagen"
    days: int
    per: int  # days in one row of the chart: 1 (per day) or 7 (per week)

    @property
    def unit(self) -> str:
        return "per dag" if self.per == 1 else "per week"


PERIODS = (
    Period("week", "7 dagen", 7, 1),
    Period("maand", "30 dagen", 30, 1),
    # 13 weeks of 7 days: a "90 days" per week would need one row of 6 days.
    Period("kwartaal", "13 weken", 91, 7),
)
DEFAULT = PERIODS[1]


def chosen(value: object) -> Period:
    """The period the address asks for; anything unknown (or missing) is the default."""
    return next((each for each in PERIODS if each.key == value), DEFAULT)


def first_day(period: Period, now: datetime, zone: ZoneInfo) -> date:
    """The oldest local date shown: the range ends today, in the course's time zone."""
    return now.astimezone(zone).date() - timedelta(days=period.days - 1)


def start(period: Period, now: datetime, zone: ZoneInfo) -> datetime:
    """Local midnight at the start of the first day shown."""
    return datetime.combine(first_day(period, now, zone), time(), tzinfo=zone)


def rows(period: Period, now: datetime, zone: ZoneInfo) -> list[tuple[date, date]]:
    """(first, last) local date of each row, oldest first; the last row ends today."""
    first = first_day(period, now, zone)
    return [
        (first + timedelta(days=n), first + timedelta(days=n + period.per - 1))
        for n in range(0, period.days, period.per)
    ]
