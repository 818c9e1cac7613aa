"""The learner's own check-in on a lesson page, and their check-ins over the course.

Tension scores (0 to 10, before and after the exercise) and the reflection note belong to
the learner alone: they are read and written only through the session's own enrollment, and
the admin area sees only how many there are (`ecourse.admin.numbers`).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from ecourse.core.clock import utcnow
from ecourse.core.models import Enrollment
from ecourse.web import charts, sessions
from ecourse.web import learner as service
from ecourse.web.learn.routes import bp, posted_lesson
from ecourse.web.lessonpage import render_lesson

NOTE_MAX_CHARS = 5000
# Form field -> (Progress column, what to say when its value is refused).
TENSIONS = {
    "voor": (
        "tension_before",
        _l("Kies voor je spanning vóór de oefening een heel getal van 0 tot en met 10."),
    ),
    "na": (
        "tension_after",
        _l("Kies voor je spanning na de oefening een heel getal van 0 tot en met 10."),
    ),
}
PARTS = ("voor", "na")


def _tension(values: list[str]) -> int | None:
    """One whole number from 0 to 10, or None for an emptied field; ValueError otherwise."""
    if len(values) != 1:
        raise ValueError("one value expected")
    text = values[0].strip()
    if text == "":
        return None
    if not (text.isascii() and text.isdigit()) or not 0 <= int(text) <= 10:
        raise ValueError(text)
    return int(text)


def parse_checkin(form: MultiDict) -> tuple[dict[str, int | str | None], list[str]]:
    """The columns to change and the reasons to refuse, from one posted check-in form.

    A field the form did not send is left out, so it keeps its saved value. An unchosen radio
    group sends nothing, which is the same as not answering: nothing changes.
    """
    changes: dict[str, int | str | None] = {}
    errors = []
    for field, (column, refused) in TENSIONS.items():
        if field not in form:
            continue
        try:
            changes[column] = _tension(form.getlist(field))
        except ValueError:
            errors.append(str(refused))
    if "notitie" in form:
        note = form["notitie"].replace("\r\n", "\n").strip()
        if len(note) > NOTE_MAX_CHARS:
            errors.append(
                _(
                    "Je notitie is %(length)s tekens lang; er passen er %(most)s in. "
                    "Maak hem wat korter, dan bewaren we hem graag.",
                    length=len(note),
                    most=NOTE_MAX_CHARS,
                )
            )
        else:
            changes["note"] = note
    return changes, errors


@bp.post("/les/<course_slug>/<lesson_slug>/check-in")
def checkin(course_slug: str, lesson_slug: str):
    """Save the learner's own check-in or note; only for a lesson they have received."""
    access = posted_lesson(course_slug, lesson_slug)
    part = request.form.get("deel") if request.form.get("deel") in PARTS else "na"
    changes, errors = parse_checkin(request.form)
    if errors:
        progress = service.progress_for(access.enrollment, access.lesson)
        page = render_lesson(
            access.course,
            access.lesson,
            access.subscriber,
            progress,
            checkin_errors={"part": part, "messages": errors},
        )
        return page, 400
    now = utcnow()
    earlier = service.progress_for(access.enrollment, access.lesson)
    if not sessions.shows(earlier, now):
        sessions.hide(earlier)
        changes = added_to_hidden(changes, earlier)
    saved = service.record_checkin(access.enrollment, access.lesson, changes, now)
    sessions.wrote(saved)
    target = url_for("learn.lesson", course_slug=course_slug, lesson_slug=lesson_slug, bewaard=part)
    return redirect(f"{target}#check-in-{part}")


def added_to_hidden(changes: dict[str, int | str | None], earlier) -> dict[str, int | str | None]:
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


@dataclass(frozen=True)
class CheckinRow:
    number: int
    title: str
    before: int | None
    after: int | None


@dataclass(frozen=True)
class MyCheckins:
    rows: list[CheckinRow]
    chart: Markup | None
    hidden: int  # check-ins this session may not see (`sessions.shows`)


@bp.app_template_global()
def my_checkins(enrollment: Enrollment | None) -> MyCheckins | None:
    """The session learner's own check-ins, as a chart and its rows; None when there are none.

    A template global, so the overview page can show them; it refuses any enrollment but the
    session's own, so no page can ever show one learner's scores to another. Of those, it
    shows the ones this session may see (written in it, or all after a fresh link) and counts
    the rest.
    """
    if enrollment is None or enrollment.subscriber.public_id != session.get(sessions.LEARNER):
        return None
    now = utcnow()
    found = service.checkins(enrollment)
    shown = [(lesson, progress) for lesson, progress in found if sessions.shows(progress, now)]
    if not found:
        return None
    numbers = {lesson.id: n for n, lesson in enumerate(enrollment.course.published_lessons, 1)}
    rows = [
        CheckinRow(numbers.get(lesson.id, 0), lesson.title, each.tension_before, each.tension_after)
        for lesson, each in shown
    ]
    return MyCheckins(rows, _chart(rows) if rows else None, len(found) - len(shown))


def _chart(rows: list[CheckinRow]) -> Markup:
    return charts.before_after_chart(
        [(_("Les %(number)s", number=row.number), row.before, row.after) for row in rows],
        title=_("Jouw spanning per les, vóór en na de oefening"),
        description=_(
            "Per les twee staven op een schaal van 0 (helemaal ontspannen) tot 10 (heel gespannen):"
            " vóór de oefening (effen) en erna (gearceerd). De getallen staan ook in de tabel."
        ),
        legend=(_("Vóór"), _("Na")),
    )
