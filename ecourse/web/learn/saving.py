"""One save of the exercise form: every field it holds, and "done" when the learner asks.

The lesson page has one form for the whole exercise (the score before, the score after, the
private note), so no button can throw away what was typed: any submit saves all of it. Only
what changed is written, so an empty or repeated save stores nothing and can say so, instead
of "Bewaard".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ecourse.core.models import Enrollment, Lesson, Progress
from ecourse.web import learner as service
from ecourse.web import sessions

Changes = dict[str, int | str | None]
# What a check-in column holds before anything was written to it.
EMPTY: dict[str, int | str | None] = {"tension_before": None, "tension_after": None, "note": ""}


@dataclass(frozen=True)
class Outcome:
    """What one save did, for the message and the page that follow it."""

    wrote: bool  # a score or the note was written
    finished: bool  # this save marked the exercise done
    hidden: bool  # written next to a check-in this session may not see (`sessions.shows`)
    progress: Progress | None


def save(
    enrollment: Enrollment, lesson: Lesson, changes: Changes, finish: bool, now: datetime
) -> Outcome:
    """Write what changed in the learner's check-in, and mark the exercise done if `finish`."""
    earlier = service.progress_for(enrollment, lesson)
    hidden = not sessions.shows(earlier, now)
    to_write = _for_hidden(changes, earlier) if hidden else _changed(changes, earlier)
    progress = earlier
    if to_write is not None:
        if hidden:
            sessions.hide(earlier)
        progress = service.record_checkin(enrollment, lesson, to_write, now)
        sessions.wrote(progress)
    finished = finish and (progress is None or progress.exercise_done_at is None)
    if finished:
        progress = service.record_exercise_done(enrollment, lesson, now)
    return Outcome(to_write is not None, finished, hidden, progress)


def _changed(changes: Changes, earlier: Progress | None) -> Changes | None:
    """The columns whose value differs from the saved one; None when none does."""
    saved = {column: getattr(earlier, column) for column in EMPTY} if earlier else EMPTY
    changed = {column: value for column, value in changes.items() if value != saved[column]}
    return changed or None


def _for_hidden(changes: Changes, earlier: Progress) -> Changes | None:
    """What a session that cannot see the earlier check-in adds to it; None when the form
    was sent empty (it showed empty fields, so an empty one means "no answer", not "erase")."""
    if all(value in (None, "") for value in changes.values()):
        return None
    return added_to_hidden(changes, earlier)


def added_to_hidden(changes: Changes, earlier: Progress) -> Changes:
    """A check-in written to one this session cannot see: nothing of the earlier one is lost.

    The form showed empty fields, so an empty field means "no answer now", not "erase": it
    keeps the earlier value. A new note goes below the earlier one; a score fills in only
    where there was none (the earlier one may be the learner's own, from another day).
    """
    kept = {
        column: value
        for column, value in changes.items()
        if value not in (None, "") and (column == "note" or getattr(earlier, column) is None)
    }
    if kept.get("note") and earlier.note:
        kept["note"] = f"{earlier.note}\n\n{kept['note']}"
    return kept


def shows_anything(shown) -> bool:
    """Whether the page shows a saved score or note (`shown`: what the session may see)."""
    return shown is not None and any(getattr(shown, column) not in (None, "") for column in EMPTY)
