"""The drip rules, as pure functions: local send times, DST, skipped weekdays, gaps, order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecourse.content import values
from ecourse.engine import drip

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
RHYTHM = drip.Rhythm(tz=AMSTERDAM, send_time=time(7, 30))


def local(moment: datetime) -> datetime:
    return moment.astimezone(AMSTERDAM)


@dataclass(frozen=True)
class L:
    id: int
    day: int
    slug: str
    status: str = "published"
    late_rule: str = "skip"
    available_from: datetime | None = None


def test_day_zero_is_due_the_moment_of_confirmation():
    start = datetime(2026, 11, 25, 21, 14, tzinfo=UTC)
    assert drip.scheduled_at(start, 0, RHYTHM) == start


def test_lesson_due_at_0730_local_on_start_date_plus_day():
    start = datetime(2026, 11, 25, 21, 14, tzinfo=UTC)  # 22:14 in Amsterdam
    due = local(drip.scheduled_at(start, 2, RHYTHM))
    assert (due.date(), due.time()) == (date(2026, 11, 27), time(7, 30))


def test_start_late_in_the_evening_utc_counts_the_local_date():
    start = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)  # already 26 November in Amsterdam
    assert local(drip.scheduled_at(start, 1, RHYTHM)).date() == date(2026, 11, 27)


def test_lesson_due_at_0730_local_after_dst_change_in_spring():
    start = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)  # Friday, CET (UTC+1)
    due = drip.scheduled_at(start, 3, RHYTHM)  # Monday 30 March, CEST (UTC+2)
    assert local(due).time() == time(7, 30)
    assert due == datetime(2026, 3, 30, 5, 30, tzinfo=UTC)


def test_lesson_due_at_0730_local_after_dst_change_in_autumn():
    start = datetime(2026, 10, 23, 8, 0, tzinfo=UTC)  # CEST
    due = drip.scheduled_at(start, 3, RHYTHM)  # Monday 26 October, CET
    assert local(due).time() == time(7, 30)
    assert due == datetime(2026, 10, 26, 6, 30, tzinfo=UTC)


def test_send_time_that_does_not_exist_moves_forward():
    rhythm = drip.Rhythm(tz=AMSTERDAM, send_time=time(2, 30))
    moment = drip.send_slot(date(2026, 3, 29), rhythm)  # clocks jump 02:00 -> 03:00
    assert local(moment).time() == time(3, 30)
    assert moment > datetime(2026, 3, 29, 0, 59, tzinfo=UTC)


def test_repeated_send_time_takes_the_first_occurrence():
    rhythm = drip.Rhythm(tz=AMSTERDAM, send_time=time(2, 30))
    moment = drip.send_slot(date(2026, 10, 25), rhythm)
    assert moment == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST


def test_skipped_weekday_moves_to_next_allowed_day():
    rhythm = drip.Rhythm(tz=AMSTERDAM, send_time=time(7, 30), skip_weekdays=frozenset({5, 6}))
    start = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # Thursday
    due = local(drip.scheduled_at(start, 2, rhythm))  # Saturday -> Monday
    assert due.date() == date(2026, 11, 30)
    assert due.time() == time(7, 30)


def test_gap_pushes_a_lesson_to_the_next_morning_slot():
    start = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # 21:00 local, day 0 sent then
    due = local(drip.due_at(start, 1, last_sent_at=start, rhythm=RHYTHM))
    # 07:30 next day is only 10.5 h later: the gap moves it to the following morning.
    assert (due.date(), due.time()) == (date(2026, 11, 27), time(7, 30))


def test_catch_up_after_downtime_is_one_lesson_per_morning():
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    back_online = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    due = drip.due_at(start, 6, last_sent_at=back_online, rhythm=RHYTHM)
    assert local(due) == datetime(2026, 11, 21, 7, 30, tzinfo=AMSTERDAM)


def test_next_lesson_follows_day_then_slug_order():
    lessons = [L(1, 4, "c"), L(2, 0, "a"), L(3, 2, "b")]
    assert drip.next_lesson(lessons, set()).id == 2
    assert drip.next_lesson(lessons, {2}).id == 3
    assert drip.next_lesson(lessons, {2, 3, 1}) is None


def test_drafts_are_skipped():
    lessons = [L(1, 0, "a"), L(2, 2, "b", status="draft"), L(3, 4, "c")]
    assert drip.next_lesson(lessons, {1}).id == 3
    assert drip.skip_reason(lessons[1], (0, "a")) == "draft: not published"


def test_lesson_added_before_the_position_is_skipped_with_a_reason():
    lessons = [L(1, 0, "a"), L(2, 4, "c"), L(9, 2, "b")]  # 9 was added after 2 was sent
    reached = drip.position(lessons, {1, 2})
    assert drip.next_lesson(lessons, {1, 2}) is None
    assert "passed its place" in drip.skip_reason(lessons[2], reached)


def test_lesson_added_ahead_of_the_position_is_still_sent():
    lessons = [L(1, 0, "a"), L(2, 4, "c"), L(9, 2, "b")]
    assert drip.next_lesson(lessons, {1}).id == 9


def test_late_lesson_the_admin_chose_to_send_comes_first_then_the_course_goes_on():
    lessons = [L(1, 0, "a"), L(2, 4, "c"), L(3, 6, "d"), L(9, 2, "b", late_rule="send")]
    reached = drip.position(lessons, {1, 2})
    assert drip.skip_reason(lessons[3], reached) is None
    assert [lesson.id for lesson in drip.send_order(lessons, {1, 2})] == [9, 3]
    assert drip.next_lesson(lessons, {1, 2, 9}).id == 3


def test_late_lesson_arrives_at_the_next_send_slot_after_the_change():
    start = datetime(2026, 11, 2, 7, 30, tzinfo=UTC)
    changed = datetime(2026, 11, 10, 14, 5, tzinfo=UTC)  # an admin saves in the afternoon
    late = L(9, 2, "b", late_rule="send", available_from=changed)
    due = drip.lesson_due_at(late, start, last_sent_at=start + timedelta(days=6), rhythm=RHYTHM)
    assert local(due) == datetime(2026, 11, 11, 7, 30, tzinfo=AMSTERDAM)


def test_lesson_published_in_the_afternoon_waits_for_the_morning():
    start = datetime(2026, 11, 2, 6, 30, tzinfo=UTC)
    published = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # long after its planned day 14
    lesson = L(9, 14, "z", available_from=published)
    due = drip.lesson_due_at(lesson, start, last_sent_at=None, rhythm=RHYTHM)
    assert local(due) == datetime(2026, 12, 1, 7, 30, tzinfo=AMSTERDAM)
    on_time = L(9, 14, "z", available_from=start)
    assert drip.lesson_due_at(on_time, start, None, RHYTHM) == drip.scheduled_at(start, 14, RHYTHM)


def test_a_learner_who_enrolls_after_a_lesson_was_published_gets_day_0_at_once():
    published = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # a new welcome lesson, at 14:00
    confirmed = published + timedelta(hours=1)
    welcome = L(9, 0, "a", available_from=published)
    assert drip.lesson_due_at(welcome, confirmed, None, RHYTHM) == confirmed
    enrolled_before = published - timedelta(days=3)
    due = drip.lesson_due_at(welcome, enrolled_before, None, RHYTHM)
    assert local(due) == datetime(2026, 12, 1, 7, 30, tzinfo=AMSTERDAM)


def test_weekday_names_are_checked():
    assert values.parse_weekdays(["Saturday", "sun"]) == frozenset({5, 6})
    with pytest.raises(ValueError, match="unknown weekday"):
        values.parse_weekdays(["someday"])


def test_a_course_cannot_skip_every_weekday():
    with pytest.raises(ValueError):
        drip.Rhythm(tz=AMSTERDAM, send_time=time(7, 30), skip_weekdays=frozenset(range(7)))


zones = st.sampled_from(
    ["Europe/Amsterdam", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]
)
moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


@given(
    zone=zones,
    start=moments,
    day=st.integers(1, 60),
    skip=st.frozensets(st.integers(0, 6), max_size=5),
)
def test_every_later_lesson_lands_at_local_send_time_on_an_allowed_day(zone, start, day, skip):
    rhythm = drip.Rhythm(tz=ZoneInfo(zone), send_time=time(7, 30), skip_weekdays=skip)
    due = drip.scheduled_at(start, day, rhythm).astimezone(ZoneInfo(zone))
    assert due.time() == time(7, 30)  # 07:30 exists in every zone here, every day
    assert due.weekday() not in skip
    assert due.date() >= start.astimezone(ZoneInfo(zone)).date() + timedelta(days=day)


@given(
    zone=zones,
    start=moments,
    day=st.integers(0, 30),
    gap=st.integers(0, 36),
    sent=st.integers(0, 2000),
)
def test_due_time_respects_the_gap_and_the_plan(zone, start, day, gap, sent):
    rhythm = drip.Rhythm(tz=ZoneInfo(zone), send_time=time(7, 30), min_gap=timedelta(hours=gap))
    last_sent = start + timedelta(hours=sent)
    due = drip.due_at(start, day, last_sent, rhythm)
    assert due >= last_sent + rhythm.min_gap
    assert due >= drip.scheduled_at(start, day, rhythm)
