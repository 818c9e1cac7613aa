"""The dashboard's numbers: a funnel whose steps only go down, lessons not yet due counted
as waiting (never as a loss), sign-ups per local day, and the time range's rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecourse.core.statuses import DeliveryStatus
from ecourse.web import learner as learn_service
from ecourse.web.admin import numbers, periods
from ecourse.web.admin.funnel import LessonFacts, Reach, count, course_funnel, reach
from ecourse.worker.passes import run_pass
from tests.factories import confirm, enrolled, run_until, sign_up, the_course

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SENT, QUEUED = DeliveryStatus.SENT, DeliveryStatus.QUEUED


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (LessonFacts(frozenset({SENT}), opened=True, done=True), Reach.DONE),
        (LessonFacts(frozenset({SENT}), opened=True), Reach.OPENED),
        (LessonFacts(frozenset({SENT})), Reach.RECEIVED),
        # A page visit without the lesson's email counts for nothing here: it cannot make
        # "opened" larger than "received".
        (LessonFacts(opened=True, done=True, live=True), Reach.WAITING),
        (LessonFacts(opened=True, done=True), Reach.LEFT),
        (LessonFacts(frozenset({QUEUED})), Reach.WAITING),
        (LessonFacts(frozenset({DeliveryStatus.SENDING}), live=True), Reach.WAITING),
        (LessonFacts(live=True), Reach.WAITING),
        (LessonFacts(live=True, skip=True), Reach.SKIPPED),
        (LessonFacts(frozenset({DeliveryStatus.SKIPPED}), live=True), Reach.SKIPPED),
        (LessonFacts(frozenset({DeliveryStatus.FAILED}), live=True), Reach.FAILED),
        (LessonFacts(frozenset({DeliveryStatus.FAILED, SENT})), Reach.RECEIVED),  # a resend
        (LessonFacts(), Reach.LEFT),
    ],
)
def test_each_learner_has_one_place_per_lesson(facts, expected):
    assert reach(facts) == expected


class Lesson:
    def __init__(self, id_: int):
        self.id, self.title = id_, f"Les {id_}"


facts_strategy = st.builds(
    LessonFacts,
    statuses=st.frozensets(st.sampled_from(list(DeliveryStatus))),
    skip=st.booleans(),
    live=st.booleans(),
    opened=st.booleans(),
    done=st.booleans(),
)


@given(st.lists(st.dictionaries(st.sampled_from([1, 2, 3]), facts_strategy), max_size=30))
def test_steps_never_go_up_and_everyone_is_counted_once(learners):
    for lesson in count([Lesson(1), Lesson(2), Lesson(3)], learners):
        assert lesson.cohort == len(learners)
        assert lesson.cohort >= lesson.received >= lesson.opened >= lesson.done >= 0
        assert lesson.received + lesson.waiting + lesson.not_received == lesson.cohort


@pytest.mark.clock
def test_funnel_counts_the_same_people_per_lesson_and_the_not_yet_due_as_waiting(app):
    now = datetime.now(UTC)
    start = now - timedelta(days=7)
    course = the_course()
    first, second, third = sorted(course.published_lessons, key=lambda lesson: lesson.day)
    done_all = enrolled("klaar@example.org", start)
    leaves = enrolled("weg@example.org", start)
    run_pass(start)  # lesson 1 for both
    learn_service.unsubscribe(leaves, start + timedelta(hours=1))
    run_until(start, start + timedelta(days=5))  # lessons 2 and 3 for the one who stayed
    newcomer = enrolled("nieuw@example.org", now)
    run_pass(now)  # lesson 1 only: 2 and 3 are not due yet
    sign_up("wacht@example.org", now)  # never confirms
    for lesson in (first, second):
        learn_service.record_opened(done_all.enrollments[0], lesson, now)
    learn_service.record_exercise_done(done_all.enrollments[0], first, now)
    learn_service.record_opened(newcomer.enrollments[0], first, now)

    funnel = course_funnel(course)

    assert (funnel.signed_up, funnel.confirmed) == (4, 3)
    lesson_1, lesson_2, lesson_3 = funnel.lessons
    assert [lesson_1.received, lesson_1.opened, lesson_1.done] == [3, 2, 1]
    assert (lesson_1.waiting, lesson_1.not_received) == (0, 0)
    assert [lesson_2.received, lesson_2.opened, lesson_2.done] == [1, 1, 0]
    assert (lesson_2.waiting, lesson_2.counts[Reach.LEFT]) == (1, 1)
    assert [lesson_3.received, lesson_3.opened, lesson_3.done] == [1, 0, 0]
    assert (lesson_3.waiting, lesson_3.counts[Reach.LEFT]) == (1, 1)
    assert [lesson.title for lesson in funnel.lessons] == [first.title, second.title, third.title]


@pytest.mark.clock
def test_a_course_with_no_one_yet_has_an_empty_funnel(app):
    funnel = course_funnel(the_course())
    assert (funnel.signed_up, funnel.confirmed) == (0, 0)
    assert [(lesson.cohort, lesson.received) for lesson in funnel.lessons] == [(0, 0)] * 3


@pytest.mark.clock
def test_a_sign_up_confirmed_later_counts_on_the_day_it_was_made(app):
    now = datetime.now(UTC)
    made = now - timedelta(days=3)
    late = sign_up("later@example.org", made)
    sign_up("nooit@example.org", made)
    confirm(late, now)
    since = periods.start(periods.chosen("week"), now, AMSTERDAM)
    days = numbers.signups_per_day(the_course().id, since, 7, AMSTERDAM)
    made_on = made.astimezone(AMSTERDAM).date()
    assert [(day, signed, confirmed) for day, signed, confirmed in days if signed] == [
        (made_on, 2, 1)
    ]
    assert [day for day, _, _ in days][-1] == now.astimezone(AMSTERDAM).date()
    assert all(confirmed <= signed for _, signed, confirmed in days)


@pytest.mark.parametrize(
    "value", [None, "", "jaar", "90", "MAAND", " maand", "<script>", "\x00", "x" * 5000, 7]
)
def test_an_unknown_period_falls_back_to_thirty_days(value):
    assert periods.chosen(value) == periods.DEFAULT
    assert periods.DEFAULT.days == 30


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 3, 28, 23, 30, tzinfo=UTC),  # already the 29th in Amsterdam: DST day
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 12, 31, 22, 59, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 0, tzinfo=UTC),
    ],
)
@pytest.mark.parametrize("period", periods.PERIODS)
def test_rows_are_equally_long_and_end_today_in_the_course_zone(period, now):
    rows = periods.rows(period, now, AMSTERDAM)
    today = now.astimezone(AMSTERDAM).date()
    assert rows[-1][1] == today
    assert len(rows) * period.per == period.days
    assert {(last - first).days + 1 for first, last in rows} == {period.per}
    assert all(b[0] - a[1] == timedelta(days=1) for a, b in zip(rows, rows[1:], strict=False))
    start = periods.start(period, now, AMSTERDAM)
    assert (start.astimezone(AMSTERDAM).date(), start.astimezone(AMSTERDAM).hour) == (
        rows[0][0],
        0,
    )


def test_the_quarter_is_thirteen_weeks_of_seven_days():
    rows = periods.rows(periods.chosen("kwartaal"), datetime(2026, 6, 1, 12, tzinfo=UTC), AMSTERDAM)
    assert len(rows) == 13
    assert rows[0][0] == date(2026, 6, 1) - timedelta(days=90)
