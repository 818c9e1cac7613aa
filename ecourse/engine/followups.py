"""The follow-up: one email some days after a course's last lesson, asking how it was.

It is planned when an enrollment completes (`planner.reschedule` finds nothing left to send),
as a queued row whose `send_after` is its moment (`drip.follow_up_due_at`), so a pass needs
no index of its own for it. Its key names the last lesson (`keys.follow_up`): planning again
does nothing, and a lesson added later, which reopens the course and cancels the follow-up
(`lifecycle.reopen`), makes a new one after the new last lesson. Whether it may still go is
the send policy's (`ecourse.engine.policy`), at the claim and at the last moment.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ecourse.content import brand, courseextras, greetings, placeholders
from ecourse.core import keys, links
from ecourse.core.models import Course, Enrollment
from ecourse.core.statuses import DeliveryKind, DeliveryStatus, EnrollmentStatus
from ecourse.engine import drip, ledger
from ecourse.engine.settings import EngineSettings

# A follow-up whose moment passed this long ago (a course finished before the follow-up was
# written, re-planned by an import) would ask about a course long past: it is left out.
TOO_LATE = timedelta(days=7)


def has_follow_up(course: Course) -> bool:
    return courseextras.follow_up(course.follow_up_md) is not None


def last_lesson_sent(enrollment: Enrollment, statuses: dict[int, str]) -> int | None:
    """The id of the furthest lesson (in course order) this round sent, if any."""
    sent = [
        lesson
        for lesson in enrollment.course.lessons
        if statuses.get(lesson.id) == DeliveryStatus.SENT
    ]
    return max(sent, key=drip.order_key).id if sent else None


def due_at(enrollment: Enrollment, rhythm: drip.Rhythm) -> datetime | None:
    """When this completed enrollment's follow-up goes, or None when nothing was sent."""
    if enrollment.last_sent_at is None:
        return None
    return drip.follow_up_due_at(enrollment.last_sent_at, enrollment.course.follow_up_days, rhythm)


def plan(
    enrollment: Enrollment,
    statuses: dict[int, str],
    rhythm: drip.Rhythm,
    now: datetime,
    settings: EngineSettings,
) -> bool:
    """Queue the follow-up of an enrollment that has just completed; say whether it did."""
    if enrollment.status != EnrollmentStatus.COMPLETED or not has_follow_up(enrollment.course):
        return False
    last = last_lesson_sent(enrollment, statuses)
    moment = due_at(enrollment, rhythm)
    if last is None or moment is None or moment < now - TOO_LATE:
        return False
    return ledger.queue(
        key=keys.follow_up(enrollment.id, last, enrollment.round),
        kind=DeliveryKind.FOLLOW_UP,
        subscriber_id=enrollment.subscriber_id,
        course_id=enrollment.course_id,
        enrollment_id=enrollment.id,
        round=enrollment.round,
        now=now,
        send_after=moment,
        settings=settings,
    )


def email_context(course: Course, first_name: str, gettext, academy_url: str = "") -> dict:
    """What the follow-up email says, the same for all its recipients in one language: its
    text, its question, and the invitation with the next dates (or the academy's site)."""
    follow_up = courseextras.follow_up(course.follow_up_md)
    if follow_up is None:
        raise ValueError(f"course {course.id} has no follow-up.md")
    return {
        "follow_up": follow_up,
        "body_html": placeholders.render_markdown(follow_up.body_md, first_name),
        "body_text": placeholders.plain_text(follow_up.body_md, first_name),
        "greet": greetings.email_greets(follow_up.body_md),
        "next_dates": next_dates(course),
        "invitation_text": course.cta_text or gettext("Meer weten"),
        "site_url": brand.academy_url(course, academy_url) or links.external_url("signup.landing"),
        "scores": range(1, 6),
        "preview": placeholders.one_line(follow_up.summary, first_name),
    }


def next_dates(course: Course) -> list[str]:
    """The course's next dates, one per line in `course.yml`."""
    return [line.strip() for line in course.next_dates.splitlines() if line.strip()]
