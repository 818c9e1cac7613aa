"""The preferences page, and the changes a learner makes to their own course.

Each change posts twice: first `step=preview`, which applies the change inside a
transaction, reads the new dates of the coming lessons, and rolls everything back; then
`step=save`, which applies it for real. The page in between shows what will happen.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh

from ecourse.content import courses
from ecourse.core import tokens
from ecourse.core.clock import utcnow
from ecourse.core.db import db
from ecourse.core.models import Enrollment
from ecourse.core.statuses import EnrollmentStatus, SubscriberStatus
from ecourse.journey import journal, lifecycle
from ecourse.learners import current, pacing
from ecourse.web import learner as learners
from ecourse.web import locale as i18n
from ecourse.web import sessions
from ecourse.web.preferences import forms
from ecourse.worker.wakeup import wake

bp = Blueprint("preferences", __name__, url_prefix="/voorkeuren")


@bp.route("/link/<token>", methods=["GET", "POST"])
def enter(token: str):
    """The signed link from an email: remember the learner, then a clean URL."""
    try:
        public_id = tokens.read("preferences", token, sessions.link_max_age())
    except tokens.TokenError as error:
        return sessions.link_refused(expired=error.expired, payload=error.payload)
    subscriber = learners.learner(public_id if isinstance(public_id, str) else None)
    if subscriber is None:
        return sessions.link_refused(status=404)
    return sessions.open_link(subscriber, url_for("preferences.page"), utcnow())


@bp.get("/")
def page():
    subscriber = learners.current_learner()
    if subscriber is None:
        return render_template("preferences/need_link.html"), 403
    return _page(subscriber)


def _page(subscriber, proposal=None, status: int = 200):
    now = utcnow()
    courses = [(e, pacing.outlook(e, now)) for e in _live(subscriber.enrollments)]
    rhythm = forms.RhythmForm(
        keep=subscriber.timezone,
        send_time=subscriber.send_time or _course_send_time(subscriber),
        timezone=subscriber.timezone or _course_zone(subscriber),
    )
    pace = forms.PaceForm()
    if courses:  # show the pace in force (one course per learner, as a rule)
        pace.extra_days.data = str(courses[0][0].extra_days or 0)
    return render_template(
        "preferences/page.html",
        subscriber=subscriber,
        courses=courses,
        course=courses[0][0].course if courses else None,
        stopped=[e for e in subscriber.enrollments if e.status == EnrollmentStatus.STOPPED],
        all_mail_stopped=subscriber.status != SubscriberStatus.ACTIVE,
        pause_form=forms.PauseForm(),
        pace_form=pace,
        change_form=forms.ChangeForm(),
        rhythm_form=rhythm,
        delete_form=forms.DeleteForm(),
        language_form=_language_form(subscriber),
        proposal=proposal,
        zone=subscriber.timezone or _course_zone(subscriber),
        checked_until=sessions.checked_until(now),
    ), status


def _chooses_language(subscriber) -> bool:
    """Whether a course of theirs leaves the language to them (a Dutch or English course
    speaks its own, whatever they would choose)."""
    return any(e.course.language == i18n.ANY for e in _live(subscriber.enrollments))


def _language_form(subscriber) -> forms.LanguageForm | None:
    if not _chooses_language(subscriber):
        return None
    return forms.LanguageForm(language=i18n.current_language())


def _live(enrollments) -> list[Enrollment]:
    return [each for each in enrollments if each.status != EnrollmentStatus.STOPPED]


def _course_zone(subscriber) -> str:
    enrollment = next(iter(subscriber.enrollments), None)
    return enrollment.course.timezone if enrollment else "Europe/Amsterdam"


def _course_send_time(subscriber) -> str:
    enrollment = next(iter(subscriber.enrollments), None)
    return enrollment.course.send_time if enrollment else "07:30"


def _pause(enrollment, form, now):
    pacing.pause(enrollment, int(form.days.data) or None, journal.LEARNER, now)


def _resume(enrollment, form, now):
    pacing.resume(enrollment, journal.LEARNER, now)


def _pace(enrollment, form, now):
    pacing.set_pace(enrollment, form.extra(), journal.LEARNER, now)


def _next_now(enrollment, form, now):
    pacing.send_next_now(enrollment, journal.LEARNER, now)


def _restart(enrollment, form, now):
    if enrollment.status == EnrollmentStatus.STOPPED:  # starting over undoes the stop too
        _rejoin(enrollment, form, now)
    pacing.restart(enrollment, journal.LEARNER, now)


def _stop(enrollment, form, now):
    lifecycle.stop(enrollment, journal.LEARNER, now)


def _rejoin(enrollment, form, now):
    if not sessions.is_checked(now):  # a forwarded lesson link must not undo a stop
        raise pacing.NotPossible(_l("Verder gaan na een stop kan met een nieuwe link (hieronder)."))
    pacing.rejoin(enrollment, journal.LEARNER, now)


# Each change of one course: its form and what it does.
CHANGES = {
    "pauzeren": (forms.PauseForm, _pause),
    "hervatten": (forms.ChangeForm, _resume),
    "tempo": (forms.PaceForm, _pace),
    "nu": (forms.ChangeForm, _next_now),
    "opnieuw": (forms.ChangeForm, _restart),
    "stoppen": (forms.ChangeForm, _stop),
    "verder": (forms.ChangeForm, _rejoin),
}
TITLES = {
    "pauzeren": _l("Pauzeren"),
    "hervatten": _l("Hervatten"),
    "tempo": _l("Een rustiger tempo"),
    "nu": _l("De volgende les nu"),
    "opnieuw": _l("Opnieuw beginnen"),
    "stoppen": _l("Stoppen met deze cursus"),
    "verder": _l("Verder waar je was"),
    "tijd": _l("Tijdstip en tijdzone"),
}
# What the page says once a change is saved: a whole sentence for each.
SAVED = {
    "pauzeren": _l("Je cursus is gepauzeerd. Je nieuwe datums staan hieronder."),
    "hervatten": _l("Je cursus gaat weer verder. Je nieuwe datums staan hieronder."),
    "tempo": _l("Je nieuwe tempo is opgeslagen. Je nieuwe datums staan hieronder."),
    "nu": _l("De volgende les is onderweg; de lessen daarna houden dezelfde afstand."),
    "opnieuw": _l("Je begint opnieuw bij les 1, op het eerstvolgende verzendmoment."),
    "stoppen": _l("Je bent gestopt met deze cursus. Je krijgt er geen lessen meer van."),
    "verder": _l("Je gaat verder waar je was. Je nieuwe datums staan hieronder."),
    "tijd": _l("Je nieuwe tijdstip en tijdzone zijn opgeslagen."),
}


@bp.post("/<course_slug>/<change>")
def change_course(course_slug: str, change: str):
    subscriber = learners.current_learner()
    if subscriber is None:
        return render_template("preferences/need_link.html"), 403
    if change not in CHANGES:
        abort(404)
    enrollment = _enrollment(subscriber, course_slug)
    form_class, apply = CHANGES[change]
    form = form_class()
    if not form.validate_on_submit():
        flash(first_error(form), "error")
        return _page(subscriber, status=400)
    return _preview_or_save(subscriber, change, form, lambda now: apply(enrollment, form, now))


@bp.post("/tijd")
def change_rhythm():
    subscriber = learners.current_learner()
    if subscriber is None:
        return render_template("preferences/need_link.html"), 403
    form = forms.RhythmForm(keep=subscriber.timezone)
    if not form.validate_on_submit():
        flash(first_error(form), "error")
        return _page(subscriber, status=400)
    send_time, zone = form.send_time.data, form.timezone.data

    def apply(now):
        pacing.set_rhythm(subscriber, send_time, zone, journal.LEARNER, now)

    return _preview_or_save(subscriber, "tijd", form, apply)


def _enrollment(subscriber, course_slug: str) -> Enrollment:
    course = courses.course_by_slug(course_slug)
    found = next((e for e in subscriber.enrollments if course and e.course_id == course.id), None)
    if found is None:
        abort(404)
    return found


def _preview_or_save(subscriber, change: str, form, apply):
    now = utcnow()
    try:
        apply(now)
    except pacing.NotPossible as refused:
        db.session.rollback()
        flash(str(refused), "error")  # the session keeps text, not a lazy string
        return _page(subscriber, status=400)
    if form.step.data != "save":
        proposal = _proposal(subscriber, change, form, now)
        db.session.rollback()
        return _page(subscriber, proposal=proposal)
    db.session.commit()
    current.engine().settle()  # a pause holds from the moment it is saved
    wake()  # "next lesson now" should leave within seconds
    flash(str(SAVED[change]), "done")
    return redirect(url_for("preferences.page") + "#je-lessen")


def _proposal(subscriber, change: str, form, now) -> dict:
    """What the page shows before saving: the new dates, and the form to save them."""
    coming = [pacing.outlook(e, now) for e in _live(subscriber.enrollments)]
    fields = {
        name: field.data
        for name, field in form._fields.items()
        if name not in ("csrf_token", "step")
    }
    action = request.path
    return {"title": TITLES[change], "coming": coming, "fields": fields, "action": action}


def first_error(form) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return _("Dit formulier kon niet worden verwerkt.")


@bp.post("/taal")
def change_language():
    """The learner's own language, for courses that leave it to them; saved at once, since
    no date changes."""
    subscriber = learners.current_learner()
    if subscriber is None:
        return render_template("preferences/need_link.html"), 403
    if not _chooses_language(subscriber):
        abort(404)
    form = forms.LanguageForm()
    if not form.validate_on_submit():
        flash(first_error(form), "error")
        return _page(subscriber, status=400)
    now = utcnow()
    subscriber.language = form.language.data
    journal.record(subscriber, "language", form.language.data, journal.LEARNER, now)
    db.session.commit()
    refresh()  # the confirmation below already speaks the new language
    flash(_("Je taal is opgeslagen."), "done")
    return redirect(url_for("preferences.page") + "#taal")
