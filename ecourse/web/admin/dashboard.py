"""The dashboard: sign-ups and confirmations, the course funnel, and sending health.

Every chart here is a table with bars beside its numbers: the numbers are always there as
text (no hovering), and a phone shows them at the page's own font size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import current_app, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import select

from ecourse.content import courses, readiness
from ecourse.core.clock import utcnow
from ecourse.core.db import db
from ecourse.core.models import Course
from ecourse.core.statuses import EnrollmentStatus
from ecourse.engine import health
from ecourse.web import charts
from ecourse.web.admin import numbers, periods
from ecourse.web.admin.feedback import feedback
from ecourse.web.admin.funnel import Funnel, LessonFunnel, Reach, course_funnel
from ecourse.web.admin.lessons import course_or_404
from ecourse.web.admin.routes import bp


@dataclass(frozen=True)
class Row:
    """One bar of a chart: its name, its number, its share of the chart's scale, and words
    for what happened to the rest (a real loss, or people still waiting)."""

    label: str
    count: int
    share: str
    bar: Markup
    notes: tuple[tuple[str, str], ...] = ()  # (kind, text): kind "waiting" or "loss"


@dataclass(frozen=True)
class SignupRow:
    label: str
    signed_up: int
    confirmed: int
    bar: Markup


@bp.get("/")
def dashboard():
    all_courses = list(db.session.scalars(select(Course).order_by(Course.id)))
    course = courses.default_course()
    if request.args.get("cursus"):
        course = course_or_404(request.args["cursus"])
    if course is None:
        return render_template("admin/dashboard.html", course=None, section="dashboard")
    period = periods.chosen(request.args.get("periode"))
    now = utcnow()
    zone = ZoneInfo(course.timezone)
    days = numbers.signups_per_day(course.id, periods.start(period, now, zone), period.days, zone)
    funnel = course_funnel(course)
    return render_template(
        "admin/dashboard.html",
        course=course,
        section="dashboard",
        period=period,
        course_links=[
            (_link(each, period), each.title, each.id == course.id) for each in all_courses
        ],
        period_links=[
            (_link(course, each), each.label, each == period) for each in periods.PERIODS
        ],
        period_unknown="periode" in request.args and request.args["periode"] != period.key,
        totals=_totals(days, numbers.enrollment_totals(course.id)),
        signups=_signup_rows(days, periods.rows(period, now, zone)),
        funnel=funnel,
        top_rows=_top_rows(funnel),
        lessons=[(lesson, _lesson_rows(lesson)) for lesson in funnel.lessons],
        feedback=feedback(course, periods.start(period, now, zone)),
        health=numbers.sending_health(),
        paused=health.paused_until(now),
        invitation_missing=readiness.invitation_missing(course),
        reply_missing=readiness.reply_address_missing(
            course, current_app.config["ECOURSE"]["REPLY_TO"]
        ),
    )


def _link(course: Course, period: periods.Period) -> str:
    return url_for("admin.dashboard", cursus=course.slug, periode=period.key)


def _totals(days, enrollments: dict[str, int]) -> dict[str, object]:
    signed_up = sum(signed for _, signed, _ in days)
    confirmed = sum(confirmed for _, _, confirmed in days)
    return {
        "signed_up": signed_up,
        "confirmed": confirmed,
        "rate": charts.percent(confirmed, signed_up),
        "active": enrollments.get(EnrollmentStatus.ACTIVE, 0),
        "paused": enrollments.get(EnrollmentStatus.PAUSED, 0),
        "completed": enrollments.get(EnrollmentStatus.COMPLETED, 0),
    }


def _signup_rows(days, rows: list[tuple[date, date]]) -> list[SignupRow]:
    """The days summed into the period's rows; each bar shows the confirmed part of a row's
    sign-ups solid, the rest light, on one scale from 0 to the busiest row."""
    by_day = {day: (signed, confirmed) for day, signed, confirmed in days}
    totals = []
    for first, last in rows:
        span = [
            by_day.get(first + timedelta(days=n), (0, 0)) for n in range((last - first).days + 1)
        ]
        totals.append((first, last, sum(s for s, _ in span), sum(c for _, c in span)))
    scale = max((signed for _, _, signed, _ in totals), default=0)
    return [
        SignupRow(
            _day_label(first, last),
            signed,
            confirmed,
            charts.bar([(confirmed, "solid"), (signed - confirmed, "light")], scale),
        )
        for first, last, signed, confirmed in totals
    ]


def _day_label(first, last) -> str:
    """A day as "di 3 nov"; a week as "3–9 nov", or "29 sep – 5 okt" across two months."""
    if first == last:
        return format_date(first, "EEE d MMM", locale="nl")
    if first.month == last.month:
        return f"{first.day}–{format_date(last, 'd MMM', locale='nl')}"
    return f"{format_date(first, 'd MMM', locale='nl')} – {format_date(last, 'd MMM', locale='nl')}"


def _row(label: str, count: int, scale: int, notes=(), waiting: int = 0) -> Row:
    """A step as a share of `scale`; `waiting` people drawn in grey right after it."""
    bar = charts.bar([(count, "solid"), (waiting, "waiting")], scale)
    return Row(label, count, charts.percent(count, scale), bar, tuple(notes))


def _loss(count: int, words: str) -> tuple[tuple[str, str], ...]:
    """Words for people who did not take a step, in the neutral note colour; none for 0."""
    return (("loss", f"{count} {words}"),) if count else ()


def _top_rows(funnel: Funnel) -> list[Row]:
    """Signed up, then confirmed: the second is part of the first."""
    unconfirmed = funnel.signed_up - funnel.confirmed
    return [
        _row("Aangemeld", funnel.signed_up, funnel.signed_up),
        _row("Bevestigd", funnel.confirmed, funnel.signed_up, _loss(unconfirmed, "niet bevestigd")),
    ]


def _lesson_rows(lesson: LessonFunnel) -> list[Row]:
    """Received, opened, done, each of everyone who confirmed; the waiting part in grey."""
    cohort = lesson.cohort
    waiting = (("waiting", f"{lesson.waiting} nog niet aan de beurt"),) if lesson.waiting else ()
    received = waiting + (("loss", _not_received(lesson)),) if lesson.not_received else waiting
    unopened, undone = lesson.received - lesson.opened, lesson.opened - lesson.done
    return [
        _row("Ontvangen", lesson.received, cohort, received, waiting=lesson.waiting),
        _row("Geopend", lesson.opened, cohort, _loss(unopened, "nog niet geopend")),
        _row("Oefening gedaan", lesson.done, cohort, _loss(undone, "oefening nog niet gedaan")),
    ]


NOT_RECEIVED = (
    (Reach.LEFT, "gestopt vóór deze les"),
    (Reach.SKIPPED, "overgeslagen"),
    (Reach.FAILED, "niet bezorgd"),
)


def _not_received(lesson: LessonFunnel) -> str:
    """Why some never got the lesson, e.g. "2 niet ontvangen: gestopt vóór deze les", with a
    count per reason when there is more than one."""
    why = [(lesson.counts[reach], words) for reach, words in NOT_RECEIVED if lesson.counts[reach]]
    if len(why) == 1:
        return f"{lesson.not_received} niet ontvangen: {why[0][1]}"
    return f"{lesson.not_received} niet ontvangen: " + ", ".join(f"{n} {w}" for n, w in why)
