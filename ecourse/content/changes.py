"""What a lesson goes through when it is saved or imported: the kind of change, for the
record, and whether it enters learners' plans anew (so its publish moment and late rule
apply)."""

from __future__ import annotations

from ecourse.core.statuses import LessonStatus


def change_kind(before: object | None, after) -> str:
    """What kind of change a lesson goes through, for the record: created, published, …"""
    if before is None:
        return "created"
    if before.status != after.status:
        return "published" if after.status == LessonStatus.PUBLISHED else "unpublished"
    if before.day != after.day:
        return "moved"
    return "edited"


def enters_plans_anew(before: object | None, after) -> bool:
    """Whether a change puts the lesson into learners' plans now (new, published, moved).

    Such a lesson gets `available_from = now`, and the rule chosen for learners already past
    its place; a plain edit of its text changes neither.
    """
    if after.status != LessonStatus.PUBLISHED:
        return False
    return before is None or before.status != LessonStatus.PUBLISHED or before.day != after.day


def reaches_nobody(before: object | None, after) -> bool:
    """Whether saving this change reaches no learner: a draft that stays a draft (or a new
    lesson saved as one). The editor saves it in one step; anything that publishes, changes
    or takes back a published lesson shows its reach first."""
    unpublished = before is None or before.status != LessonStatus.PUBLISHED
    return unpublished and after.status != LessonStatus.PUBLISHED
