"""Plain-text reports for the command line."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from ecourse.core.clock import utcnow
from ecourse.core.dates import format_local
from ecourse.core.db import db
from ecourse.core.models import Event, Subscriber
from ecourse.learners import timeline
from ecourse.learners.signups import InvalidAddress, normalise_address
from ecourse.learners.timeline import State


def print_timeline(email: str, echo: Callable[[str], None]) -> bool:
    """Print one subscriber's timeline; False if there is no such subscriber."""
    try:
        address = normalise_address(email)
    except InvalidAddress:
        address = email.strip().lower()
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == address))
    if subscriber is None:
        return False
    echo(f"{subscriber.email}: {subscriber.status}")
    if not subscriber.enrollments:
        echo("  not enrolled in any course (the sign-up is not confirmed)")
    now = utcnow()
    for enrollment in subscriber.enrollments:
        zone = enrollment.zone
        started = format_local(enrollment.started_at, zone, with_time=True, with_year=True)
        echo(f"course {enrollment.course.slug}: {enrollment.status}, started {started} ({zone})")
        for entry in timeline.for_enrollment(enrollment, now):
            echo("  " + _entry_line(entry, zone))
    _print_changes(subscriber, echo)
    return True


def _print_changes(subscriber: Subscriber, echo: Callable[[str], None]) -> None:
    """Changes to the course made by the learner, an admin or the system, oldest first."""
    events = db.session.scalars(
        select(Event).where(Event.subscriber_id == subscriber.id).order_by(Event.at, Event.id)
    ).all()
    if not events:
        return
    courses = [enrollment.course for enrollment in subscriber.enrollments]
    zone = subscriber.timezone or (courses[0].timezone if courses else "UTC")
    echo("changes:")
    for event in events:
        when = format_local(event.at, zone, with_time=True, with_year=True)
        who = event.admin_email if event.actor == "admin" else event.actor
        echo(f"  {when}  {event.action:<11} by {who}: {event.detail}")


def _entry_line(entry: timeline.Entry, zone: str) -> str:
    lesson = entry.lesson
    head = f"day {lesson.day:>3}  {lesson.title[:40]:<40}  {entry.state:<13}"
    when = format_local(entry.at, zone, with_time=True, with_year=True)
    if entry.state == State.SENT:
        return f"{head} {when}  {entry.message_id}"
    if entry.state == State.SCHEDULED:
        return f"{head} {when} ({zone})"
    if entry.state in {State.QUEUED, State.SENDING}:
        detail = f" last reply: {entry.detail}" if entry.detail else ""
        return f"{head} attempts {entry.attempts}, next {when}{detail}"
    return f"{head} {entry.detail}"
