"""The one send policy: may this email still go? A short reason when not, None when it may.

It works on plain values, so the same rule serves the renderer (from rows in the session)
and the last-moment check before the handoff (from one SQL row, `ecourse.gate`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ecourse.core.statuses import (
    UNDER_WAY,
    DeliveryKind,
    EnrollmentStatus,
    LessonStatus,
    SubscriberStatus,
)

ENDED = (EnrollmentStatus.STOPPED, EnrollmentStatus.BOUNCED, EnrollmentStatus.ERASED)
# A lesson may still go to a course that is active, or completed (an admin's resend).
LESSON_GOES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)
# A fresh link goes to a learner, also one who unsubscribed (their data is still theirs to
# see or erase); never to an address that bounced or was never confirmed.
ACCESS_GOES = (SubscriberStatus.ACTIVE, SubscriberStatus.UNSUBSCRIBED)


@dataclass(frozen=True)
class Facts:
    """What the rule looks at, about one delivery."""

    kind: str
    subscriber: str
    enrollment: str | None = None
    lesson: str | None = None  # the lesson's status, for a lesson
    sign_up_confirmed: bool = False  # for a confirmation or reminder
    sign_up_before_end: bool = False  # made before its course last stopped or bounced
    has_recipient: bool = False  # a goodbye's kept address
    has_follow_up: bool = False  # the course still has a follow-up.md, for a follow-up


def skip_reason(facts: Facts) -> str | None:
    """Why this email must not go now, or None when it may."""
    if facts.kind == DeliveryKind.GOODBYE:  # the one email after "delete me"
        erased = facts.subscriber == SubscriberStatus.ERASED
        return None if erased and facts.has_recipient else "nothing to send to"
    if facts.subscriber == SubscriberStatus.ERASED:
        return "erased"
    if facts.kind == DeliveryKind.ACCESS:  # asked for a moment ago, by the person or for them
        return None if facts.subscriber in ACCESS_GOES else str(facts.subscriber)
    if facts.kind in (DeliveryKind.CONFIRM, DeliveryKind.REMINDER):
        return _sign_up_reason(facts)
    if facts.kind == DeliveryKind.FOLLOW_UP:
        return _follow_up_reason(facts)
    return _lesson_reason(facts)


def _sign_up_reason(facts: Facts) -> str | None:
    """A confirmation or reminder goes while its sign-up is open: even to an address that
    unsubscribed or bounced before it, since the person has just asked again; never for a
    sign-up that an unsubscribe, a stop or a bounce came after."""
    if facts.sign_up_confirmed or facts.enrollment in UNDER_WAY:
        return "already confirmed"
    if facts.enrollment == EnrollmentStatus.ERASED:
        return "erased"
    if facts.sign_up_before_end:
        ended_by_person = (SubscriberStatus.UNSUBSCRIBED, SubscriberStatus.BOUNCED)
        return (
            str(facts.subscriber) if facts.subscriber in ended_by_person else "enrollment stopped"
        )
    return None


def _lesson_reason(facts: Facts) -> str | None:
    if facts.subscriber in (SubscriberStatus.UNSUBSCRIBED, SubscriberStatus.BOUNCED):
        return str(facts.subscriber)
    if facts.subscriber != SubscriberStatus.ACTIVE or facts.enrollment == EnrollmentStatus.PENDING:
        return "not confirmed"
    if facts.enrollment == EnrollmentStatus.PAUSED:
        return "enrollment paused"
    if facts.enrollment not in LESSON_GOES:
        return "enrollment stopped"
    if facts.lesson != LessonStatus.PUBLISHED:
        return "lesson unpublished"
    return None


def _follow_up_reason(facts: Facts) -> str | None:
    """The follow-up goes to a learner who may be mailed, of a course that is still completed
    (not stopped, not reopened by a lesson added later) and still has a follow-up."""
    if facts.subscriber in (SubscriberStatus.UNSUBSCRIBED, SubscriberStatus.BOUNCED):
        return str(facts.subscriber)
    if facts.subscriber != SubscriberStatus.ACTIVE:
        return "not confirmed"
    if facts.enrollment in ENDED:
        return "enrollment stopped"
    if facts.enrollment != EnrollmentStatus.COMPLETED:
        return "course reopened"
    if not facts.has_follow_up:
        return "no follow-up"
    return None
