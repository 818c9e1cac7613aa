"""The drip rules: which lesson comes next for an enrollment, and when.

Pure functions of their arguments and `now`: no Flask, no SQL, no mail. Times go in and come
out as aware UTC datetimes; the local calendar (send time, skipped weekdays, daylight saving)
is applied only here.

The rules, in words:
- Day 0 is due the moment the subscriber confirms.
- A lesson with day d is due on the start's local date + d at the course's send time, in the
  subscriber's time zone, moved to the next allowed weekday if that day is skipped.
- A learner who chose a slower pace (`extra_days`) gets each lesson no earlier than the
  course's distance between it and the previous lesson, plus the extra days, after the
  day the previous one was sent (at the send time).
- Two lessons of one enrollment are at least `min_gap` apart; a lesson pushed by the gap
  waits for the next send slot, so a catch-up after downtime arrives at the calm morning
  hour, one lesson per day, never at night and never three at once.
- Lessons follow (day, slug) order. A lesson that sorts before the last one an enrollment
  received (added later, moved, or published later) is "late" for that enrollment: it is
  skipped, unless the admin chose `late_rule = "send"` with the change; then it comes first,
  at the learner's next send slot.
- For an enrollment that started before `available_from` (the moment an admin published
  the lesson), the lesson is never due before the first send slot at or after that moment,
  so publishing in the afternoon still delivers in the morning. Learners who enroll later
  find the lesson already there: their day-0 welcome is never held back by it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from ecourse.core.statuses import LateRule, LessonStatus


@dataclass(frozen=True)
class Rhythm:
    """How one subscriber's lessons are placed in their local calendar."""

    tz: ZoneInfo
    send_time: time
    skip_weekdays: frozenset[int] = frozenset()
    min_gap: timedelta = timedelta(hours=12)
    extra_days: int = 0  # the learner's slower pace

    def __post_init__(self) -> None:
        if len(self.skip_weekdays) >= 7:
            raise ValueError("a course must leave at least one weekday to send on")


class LessonLike(Protocol):
    id: int
    day: int
    slug: str
    status: str
    late_rule: str
    available_from: datetime | None


def order_key(lesson: LessonLike) -> tuple[int, str]:
    return (lesson.day, lesson.slug)


def local_moment(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time; a time the clocks skip is moved forward.

    On the spring-forward night 02:30 does not exist in Europe/Amsterdam; it becomes 03:30,
    the same distance past the jump. On the fall-back night the first 02:30 is taken.
    """
    # PEP 495: with fold=0 a skipped time is read with the offset from before the jump
    # (so it lands after it) and a repeated time is its first occurrence.
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def shift_local(moment: datetime, delta: timedelta, tz: ZoneInfo) -> datetime:
    """`moment` moved by `delta` on the local wall clock.

    Whole days stay whole days across a daylight-saving change: in UTC, a course started at
    23:40 and moved by two weeks over the change in March would start at 00:40 the next day,
    and every lesson would come a day late.
    """
    local = moment.astimezone(tz).replace(tzinfo=None) + delta
    return local.replace(tzinfo=tz).astimezone(UTC)


def send_slot(day: date, rhythm: Rhythm) -> datetime:
    """The first allowed send moment on or after local date `day`."""
    while day.weekday() in rhythm.skip_weekdays:
        day += timedelta(days=1)
    return local_moment(day, rhythm.send_time, rhythm.tz)


def first_slot_at_or_after(moment: datetime, rhythm: Rhythm) -> datetime:
    """The first send slot that is not earlier than `moment`."""
    day = moment.astimezone(rhythm.tz).date()
    slot = send_slot(day, rhythm)
    while slot < moment:
        day += timedelta(days=1)
        slot = send_slot(day, rhythm)
    return slot


def scheduled_at(start: datetime, day_offset: int, rhythm: Rhythm) -> datetime:
    """When a lesson is planned for an enrollment that started at `start`."""
    if day_offset == 0:
        return start
    start_day = start.astimezone(rhythm.tz).date()
    return send_slot(start_day + timedelta(days=day_offset), rhythm)


def due_at(
    start: datetime, day_offset: int, last_sent_at: datetime | None, rhythm: Rhythm
) -> datetime:
    """When a lesson may be sent, taking the gap after the previous lesson into account."""
    planned = scheduled_at(start, day_offset, rhythm)
    if last_sent_at is None:
        return planned
    earliest = last_sent_at + rhythm.min_gap
    if planned >= earliest:
        return planned
    return first_slot_at_or_after(earliest, rhythm)


def position(lessons: Iterable[LessonLike], handled_ids: set[int]) -> tuple[int, str] | None:
    """The order key of the furthest lesson this enrollment already has a delivery for."""
    keys = [order_key(lesson) for lesson in lessons if lesson.id in handled_ids]
    return max(keys, default=None)


def is_late(lesson: LessonLike, reached: tuple[int, str] | None) -> bool:
    """Whether the enrollment is already past this lesson's place in the course."""
    return reached is not None and order_key(lesson) < reached


def send_order(lessons: Iterable[LessonLike], handled_ids: set[int]) -> list[LessonLike]:
    """The lessons this enrollment will still get, in the order they will be sent.

    Late lessons the admin chose to send come first (they are overdue); then the rest in
    course order. The planner asks this for every learner it moves on, so each lesson's
    place is worked out once.
    """
    reached = position(lessons, handled_ids)
    waiting = []
    for lesson in lessons:
        if lesson.id in handled_ids:
            continue
        key = order_key(lesson)
        late = reached is not None and key < reached
        if _skip_reason(lesson, late) is None:
            waiting.append((not late, key, lesson))
    waiting.sort(key=lambda entry: entry[:2])  # (day, slug) is unique within a course
    return [lesson for _, _, lesson in waiting]


def next_lesson(lessons: Sequence[LessonLike], handled_ids: set[int]) -> LessonLike | None:
    """The next lesson to send this enrollment, or None when it is done."""
    return next(iter(send_order(lessons, handled_ids)), None)


def skip_reason(lesson: LessonLike, reached: tuple[int, str] | None) -> str | None:
    """Why an unhandled lesson will not be sent to this enrollment, or None if it will."""
    return _skip_reason(lesson, is_late(lesson, reached))


def _skip_reason(lesson: LessonLike, late: bool) -> str | None:
    if lesson.status != LessonStatus.PUBLISHED:
        return "draft: not published"
    if late and lesson.late_rule != LateRule.SEND:
        return "added after this subscriber had passed its place in the course"
    return None


def paced(
    due: datetime, day: int, last_sent_at: datetime | None, previous_day: int | None, rhythm: Rhythm
) -> datetime:
    """`due`, moved later if the learner's slower pace asks for more days since the last
    lesson: the course's distance from the previous lesson plus `extra_days`."""
    if not rhythm.extra_days or last_sent_at is None or previous_day is None:
        return due
    sent_on = last_sent_at.astimezone(rhythm.tz).date()
    distance = max(day - previous_day, 0) + rhythm.extra_days
    return max(due, send_slot(sent_on + timedelta(days=distance), rhythm))


def lesson_due_at(
    lesson: LessonLike,
    start: datetime,
    last_sent_at: datetime | None,
    rhythm: Rhythm,
    previous_day: int | None = None,
) -> datetime:
    """`due_at` for this lesson, spaced out by the learner's pace after the lesson of
    `previous_day`, and, for learners who were already enrolled when it was published,
    never before the first send slot after that moment.

    A late lesson's planned day is in the past, so this also places it at the next slot.
    """
    due = due_at(start, lesson.day, last_sent_at, rhythm)
    due = paced(due, lesson.day, last_sent_at, previous_day, rhythm)
    published = lesson.available_from
    if published is not None and start < published and due < published:
        return first_slot_at_or_after(published, rhythm)
    return due


def follow_up_due_at(last_sent_at: datetime, days: int, rhythm: Rhythm) -> datetime:
    """When the follow-up goes: `days` after the local day the last lesson was sent, at the
    learner's send slot (a skipped weekday moves it on, as it moves a lesson)."""
    sent_on = last_sent_at.astimezone(rhythm.tz).date()
    return send_slot(sent_on + timedelta(days=days), rhythm)
