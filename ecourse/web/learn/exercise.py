"""The learner's own check-in on a lesson page, and their check-ins over the course.

The exercise is one form (score before, score after, note): every button saves all of it,
and the main one also marks the exercise done (`saving`). Tension scores (0 to 10, before
and after the exercise) and the reflection note belong to the learner alone: they are read
and written only through the session's own enrollment, and the admin area sees only how
many there are (`ecourse.admin.numbers`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from ecourse.core.clock import utcnow
from ecourse.core.models import Enrollment
from ecourse.web import charts, sessions
from ecourse.web import learner as service
from ecourse.web.learn import saving
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
JSON = "application/json"


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
    """Save everything the exercise form holds; its main button ("klaar") also marks the
    exercise done. Only for a lesson the learner has received."""
    return _save(course_slug, lesson_slug, finish=request.form.get("deel") == "klaar")


@bp.post("/les/<course_slug>/<lesson_slug>/gedaan")
def exercise_done(course_slug: str, lesson_slug: str):
    """Mark the exercise done (the funnel's last step), saving any check-in sent along."""
    return _save(course_slug, lesson_slug, finish=True)


def _save(course_slug: str, lesson_slug: str, finish: bool):
    """One save, answered as JSON to checkin.js (the page stays, and so does a running
    timer) or, without JavaScript, with a redirect to the page and a message on it."""
    access = posted_lesson(course_slug, lesson_slug)
    spot = "voor" if request.form.get("deel") == "voor" else "na"
    changes, errors = parse_checkin(request.form)
    if errors:
        return _refused(access, spot, changes, errors)
    now = utcnow()
    outcome = saving.save(access.enrollment, access.lesson, changes, finish, now)
    if _wants_json():
        return _answer(outcome, now)
    said = {"bewaard": spot} if outcome.wrote else {} if outcome.finished else {"niets": spot}
    target = url_for("learn.lesson", course_slug=course_slug, lesson_slug=lesson_slug, **said)
    return redirect(target + ("#check-in-voor" if spot == "voor" else "#afronden"))


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", JSON]) == JSON


@dataclass(frozen=True)
class Typed:
    """A refused form as the learner sent it, shown again so that nothing typed is lost."""

    tension_before: int | None
    tension_after: int | None
    note: str


def _refused(access, spot: str, changes: dict, errors: list[str]):
    """Nothing is written; the page (or checkin.js) says why, and keeps what was typed."""
    if _wants_json():
        message = " ".join([_("Dit hebben we niet bewaard:"), *errors])
        return jsonify(outcome="refused", message=message, errors=errors), 400
    progress = service.progress_for(access.enrollment, access.lesson)
    note = request.form.get("notitie", "")  # as typed, even when too long: to shorten it
    typed = Typed(changes.get("tension_before"), changes.get("tension_after"), note)
    page = render_lesson(
        access.course,
        access.lesson,
        access.subscriber,
        progress,
        checkin_errors={"part": spot, "messages": errors},
        typed=typed,
    )
    return page, 400


def _answer(outcome: saving.Outcome, now: datetime):
    """The JSON for checkin.js: what happened, what to say, and what the form now shows
    (nothing of a check-in this session may not see)."""
    progress = outcome.progress
    shown = progress if progress is not None and sessions.shows(progress, now) else None
    kind = "bewaard" if outcome.wrote else "gedaan" if outcome.finished else "niets"
    return jsonify(
        outcome={"bewaard": "saved", "gedaan": "done", "niets": "nothing"}[kind],
        message=save_message(kind, outcome.hidden, shown),
        done=bool(progress and progress.exercise_done_at),
        fields={
            "voor": shown.tension_before if shown else None,
            "na": shown.tension_after if shown else None,
            "notitie": shown.note if shown else "",
        },
    )


@bp.app_template_global()
def save_message(kind: str, hidden: bool, shown) -> str:
    """What a save says (`kind`: "bewaard", "gedaan" or "niets"); never "Bewaard" when
    nothing was written. `shown`: the check-in as the page shows it."""
    if kind == "bewaard" and hidden:
        return _("Bewaard, bij wat er al stond. Je ziet het weer na een nieuwe link.")
    if kind == "bewaard":
        return _("Bewaard. Alleen jij ziet dit.")
    if kind == "niets" and saving.shows_anything(shown):
        return _("Er was niets nieuws om te bewaren: wat hier staat, was al bewaard.")
    if kind == "niets":
        return _("Er was nog niets om te bewaren. Kies een getal of schrijf iets op.")
    return ""


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
