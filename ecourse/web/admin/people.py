"""Subscribers: search and filter, one learner's page with the timeline, actions, CSV."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from ecourse.core.clock import utcnow
from ecourse.core.db import db
from ecourse.core.models import Delivery, Enrollment, Event, LessonChange, ProviderEvent, Subscriber
from ecourse.core.statuses import UNDER_WAY, EnrollmentStatus, LessonStatus, SubscriberStatus
from ecourse.journey import journal
from ecourse.learners import timeline
from ecourse.web.admin import actions, activity, csvfiles
from ecourse.web.admin.forms import ConfirmActionForm
from ecourse.web.admin.routes import bp

STATES = {
    SubscriberStatus.PENDING: "wacht op bevestiging",
    SubscriberStatus.ACTIVE: "actief",
    EnrollmentStatus.PAUSED: "gepauzeerd",
    EnrollmentStatus.COMPLETED: "afgerond",
    EnrollmentStatus.STOPPED: "gestopt",
    SubscriberStatus.UNSUBSCRIBED: "afgemeld",
    SubscriberStatus.BOUNCED: "gebounced",
    SubscriberStatus.ERASED: "gewist",
}
EVENT_KINDS = {
    "hard bounce": "harde bounce",
    "soft bounce": "zachte bounce",
    "complaint": "klacht (als spam gemarkeerd)",
}
PER_PAGE = 25


def _filtered(query: str, state: str):
    # Each row shows its course's state: load the enrollments with the page, not per row.
    statement = (
        select(Subscriber)
        .options(selectinload(Subscriber.enrollments))
        .order_by(Subscriber.created_at.desc(), Subscriber.id.desc())
    )
    if query:
        escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        statement = statement.where(
            or_(
                Subscriber.email.ilike(pattern, escape="\\"),
                Subscriber.first_name.ilike(pattern, escape="\\"),
            )
        )
    if state in (*UNDER_WAY, EnrollmentStatus.STOPPED):
        enrolled = exists().where(
            Enrollment.subscriber_id == Subscriber.id, Enrollment.status == state
        )
        statement = statement.where(Subscriber.status == SubscriberStatus.ACTIVE, enrolled)
    elif state in STATES:
        statement = statement.where(Subscriber.status == state)
    return statement


def state_of(subscriber: Subscriber) -> str:
    """One word for the list: the subscriber's status, or their course's when active."""
    if subscriber.status != SubscriberStatus.ACTIVE or not subscriber.enrollments:
        return subscriber.status
    return subscriber.enrollments[0].status


def page_number(text: str) -> int:
    """The page asked for: 1 for anything odd, and no further than any list could go."""
    number = int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else 1
    return min(max(1, number), 10_000_000)


@bp.get("/deelnemers")
def subscribers():
    query = request.args.get("q", "").strip()[:200]
    state = request.args.get("status", "")
    number = page_number(request.args.get("pagina", ""))
    page = db.paginate(_filtered(query, state), page=number, per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/subscribers.html",
        page=page,
        query=query,
        state=state,
        states=STATES,
        state_of=state_of,
        columns=activity.for_page(subscriber.id for subscriber in page.items),
        styles=csvfiles.STYLES,
        section="people",
    )


@bp.get("/deelnemers/export.csv")
def export_subscribers():
    query = request.args.get("q", "").strip()[:200]
    style = csvfiles.style_named(request.args.get("formaat", ""))
    chosen = f"{_export_filters()}, formaat ‘{style.name}’"
    journal.record_admin_action(current_user.email, "people_export", chosen, utcnow())
    db.session.commit()  # kept before the rows go out: a download is an action too
    rows = (
        _export_row(subscriber, style)
        for subscriber in db.session.scalars(_filtered(query, request.args.get("status", "")))
    )
    return csvfiles.export(rows, style), 200, csv_headers("deelnemers.csv")


def csv_headers(filename: str) -> dict[str, str]:
    """A CSV download (the name: letters, digits, dashes and dots only)."""
    return {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{filename}"',
    }


def _export_filters() -> str:
    """What the export held, for the audit page: never the search term itself, which is
    often an address and would outlive that learner's erasure in the journal."""
    state = request.args.get("status", "")
    searched = "met zoekterm" if request.args.get("q", "").strip() else "zonder zoekterm"
    return f"{searched}, status: {STATES.get(state, 'alle')}"


def _export_row(subscriber: Subscriber, style: csvfiles.Style) -> dict:
    return {
        "email": subscriber.email,
        "first_name": subscriber.first_name,
        "status": style.word(subscriber.status),
        "course_state": style.word(state_of(subscriber)),
        "signed_up": style.moment(subscriber.created_at),
        "confirmed": style.moment(subscriber.confirmed_at),
    }


def _subscriber_or_404(public_id: str) -> Subscriber:
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.public_id == public_id))
    if subscriber is None:
        abort(404)
    return subscriber


@bp.get("/deelnemers/<public_id>")
def subscriber(public_id: str):
    subscriber = _subscriber_or_404(public_id)
    now = utcnow()
    courses = [
        (enrollment, timeline.for_enrollment(enrollment, now), _rules(enrollment))
        for enrollment in subscriber.enrollments
    ]
    deliveries = db.session.scalars(
        select(Delivery).where(Delivery.subscriber_id == subscriber.id).order_by(Delivery.id)
    )
    events = db.session.scalars(
        select(Event).where(Event.subscriber_id == subscriber.id).order_by(Event.id)
    )
    return render_template(
        "admin/subscriber.html",
        subscriber=subscriber,
        courses=courses,
        deliveries=list(deliveries),
        events=list(events),
        provider_events=_provider_events(subscriber),
        event_kinds=EVENT_KINDS,
        form=ConfirmActionForm(),
        state=state_of(subscriber),
        states=STATES,
        section="people",
    )


def _provider_events(subscriber: Subscriber) -> list[ProviderEvent]:
    """Bounces and complaints the provider reported for this address, newest first.

    They are matched by address because a provider knows nothing of our ids; their text
    comes from outside, so the template shows it escaped like everything else.
    """
    return list(
        db.session.scalars(
            select(ProviderEvent)
            .where(func.lower(ProviderEvent.email) == subscriber.email.lower())
            .order_by(ProviderEvent.id.desc())
        )
    )


def _rules(enrollment: Enrollment) -> dict[int, LessonChange]:
    """Per lesson, the latest change that set its rule for learners past it."""
    changes = db.session.scalars(
        select(LessonChange)
        .where(LessonChange.lesson_id.in_([lesson.id for lesson in enrollment.course.lessons]))
        .order_by(LessonChange.id)
    )
    return {change.lesson_id: change for change in changes}


ACTIONS = {
    "pauzeren": "pause",
    "hervatten": "resume",
    "opnieuw-sturen": "resend",
    "verplaatsen": "move",
    "afmelden": "unsubscribe",
    "wissen": "erase",
}


@bp.post("/deelnemers/<public_id>/<action>")
def act(public_id: str, action: str):
    subscriber = _subscriber_or_404(public_id)
    if action not in ACTIONS:
        abort(404)
    form = ConfirmActionForm()
    if not form.validate_on_submit():
        abort(400)
    back = redirect(url_for("admin.subscriber", public_id=public_id))
    if not form.confirm.data:
        flash("Niets gedaan: vink 'Ik weet het zeker' aan om te bevestigen.")
        return back
    try:
        message = _perform(ACTIONS[action], subscriber)
    except actions.ActionRefused as refused:
        db.session.rollback()
        flash(str(refused))
        return back
    flash(message)
    return back


def _perform(action: str, subscriber: Subscriber) -> str:
    admin, now = current_user.email, utcnow()
    if action == "unsubscribe":
        actions.unsubscribe(subscriber, admin, now)
        return "Afgemeld: er gaat geen mail meer naar deze deelnemer."
    if action == "erase":
        actions.erase(subscriber, admin, now)
        return "Gewist: de persoonsgegevens zijn verwijderd; de tellingen blijven."
    enrollment = _enrollment_from_form(subscriber)
    if action == "pause":
        actions.pause(enrollment, admin, now)
        return "Gepauzeerd tot je op hervatten klikt."
    if action == "resume":
        actions.resume(enrollment, admin, now)
        return "Hervat: de rest van de cursus schuift op met de pauze."
    lesson = _lesson_from_form(enrollment)
    if action == "resend":
        actions.resend(enrollment, lesson, admin, now)
        return f"'{lesson.title}' gaat bij de volgende ronde opnieuw weg."
    actions.move_to(enrollment, lesson, admin, now)
    return f"Verplaatst: '{lesson.title}' is de volgende les, op het eerstvolgende verzendmoment."


def _enrollment_from_form(subscriber: Subscriber) -> Enrollment:
    wanted = request.form.get("enrollment", type=int)
    found = next((e for e in subscriber.enrollments if e.id == wanted), None)
    if found is None:
        raise actions.ActionRefused("Kies een cursus van deze deelnemer.")
    return found


def _lesson_from_form(enrollment: Enrollment):
    wanted = request.form.get("lesson", type=int)
    found = next((each for each in enrollment.course.lessons if each.id == wanted), None)
    if found is None or found.status != LessonStatus.PUBLISHED:
        raise actions.ActionRefused("Kies een gepubliceerde les.")
    return found
