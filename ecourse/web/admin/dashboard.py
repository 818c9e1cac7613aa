"""The dashboard: sign-ups and confirmations, the course funnel, and sending health."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import render_template, request

from ecourse.content import courses
from ecourse.core.clock import utcnow
from ecourse.core.statuses import EnrollmentStatus
from ecourse.engine import health
from ecourse.web import charts
from ecourse.web.admin import numbers
from ecourse.web.admin.lessons import course_or_404
from ecourse.web.admin.routes import bp

DAYS_SHOWN = 30


@bp.get("/")
def dashboard():
    course = courses.default_course()
    if request.args.get("cursus"):
        course = course_or_404(request.args["cursus"])
    if course is None:
        return render_template("admin/dashboard.html", course=None, section="dashboard")
    now = utcnow()
    zone = ZoneInfo(course.timezone)
    since = (now.astimezone(zone) - timedelta(days=DAYS_SHOWN - 1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    signups, confirmations = numbers.signups_per_day(course.id, since, DAYS_SHOWN, zone)
    steps = numbers.funnel(course.id, course.published_lessons)
    enrollments = numbers.enrollment_totals(course.id)
    return render_template(
        "admin/dashboard.html",
        course=course,
        section="dashboard",
        totals=_totals(signups, confirmations, enrollments),
        daily_chart=_daily_chart(signups, confirmations),
        funnel_chart=charts.funnel_chart(
            steps,
            title=f"Trechter van {course.title}",
            description="Van aanmelding tot oefening gedaan, per les; met het verlies per stap.",
        ),
        steps=steps,
        health=numbers.sending_health(),
        paused=health.paused_until(now),
    )


def _totals(signups, confirmations, enrollments: dict[str, int]) -> dict[str, object]:
    signed_up = sum(count for _, count in signups)
    confirmed = sum(count for _, count in confirmations)
    rate = f"{round(100 * confirmed / signed_up)}%" if signed_up else "–"
    return {
        "signed_up": signed_up,
        "confirmed": confirmed,
        "rate": rate,
        "active": enrollments.get(EnrollmentStatus.ACTIVE, 0),
        "paused": enrollments.get(EnrollmentStatus.PAUSED, 0),
        "completed": enrollments.get(EnrollmentStatus.COMPLETED, 0),
    }


def _daily_chart(signups, confirmations):
    groups = [
        (format_date(day, "d MMM", locale="nl"), signed, confirmed)
        for (day, signed), (_, confirmed) in zip(signups, confirmations, strict=True)
    ]
    return charts.paired_bar_chart(
        groups,
        title=f"Aanmeldingen en bevestigingen per dag, laatste {DAYS_SHOWN} dagen",
        description="Per dag twee staven: aanmeldingen (effen) en bevestigingen (gearceerd).",
        legend=("Aanmeldingen", "Bevestigingen"),
    )
