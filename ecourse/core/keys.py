"""The delivery ledger's keys, built here and nowhere else.

A key is unique in the ledger, so queueing the same email twice does nothing. Each kind of
email has one shape; a lesson in a later round (the learner started over or was moved) gets
a fresh key, so it can be sent again.
"""

from __future__ import annotations


def confirmation(sign_up_id: int) -> str:
    """The confirmation of one sign-up (a repeated sign-up is a sign-up of its own)."""
    return f"confirm:c{sign_up_id}"


def reminder(sign_up_id: int) -> str:
    """The one reminder to confirm a sign-up."""
    return f"remind:c{sign_up_id}"


def lesson(enrollment_id: int, lesson_id: int, round: int = 1) -> str:
    suffix = f":r{round}" if round > 1 else ""
    return f"lesson:{enrollment_id}:{lesson_id}{suffix}"


def resend(enrollment_id: int, lesson_id: int, number: int) -> str:
    """An admin's resend of a lesson: a new email, numbered per enrollment."""
    return f"{resends_of(enrollment_id)}{lesson_id}:{number}"


def resends_of(enrollment_id: int) -> str:
    """The prefix every resend of this enrollment's lessons shares (to count them)."""
    return f"resend:{enrollment_id}:"


def goodbye(subscriber_id: int) -> str:
    """The one email after "delete me"."""
    return f"goodbye:{subscriber_id}"


def access(subscriber_id: int, moment: int) -> str:
    """A fresh link asked for at `moment` (a Unix time): each request is an email of its own."""
    return f"access:{subscriber_id}:{moment}"


def follow_up(enrollment_id: int, last_lesson_id: int, round: int = 1) -> str:
    """The one follow-up after a course's last lesson. A lesson added later (or a new round)
    makes another last lesson, and so the follow-up after it a new email."""
    suffix = f":r{round}" if round > 1 else ""
    return f"follow_up:{enrollment_id}:{last_lesson_id}{suffix}"


def follow_ups_of(enrollment_id: int) -> str:
    """The prefix every follow-up of this enrollment shares."""
    return f"follow_up:{enrollment_id}:"
