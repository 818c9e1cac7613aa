"""The learner's data: download all of it as JSON, or have all of it erased at once."""

from __future__ import annotations

import json

from flask import flash, redirect, render_template, session, url_for
from sqlalchemy import select

from ecourse.core import keys
from ecourse.core.clock import utcnow
from ecourse.core.db import db
from ecourse.core.models import Delivery, Event, Lesson, Progress, Subscriber
from ecourse.core.statuses import DeliveryKind
from ecourse.engine import ledger
from ecourse.journey import journal
from ecourse.learners import answers, current, privacy
from ecourse.web import locale as i18n
from ecourse.web import sessions
from ecourse.web.learner import current_learner
from ecourse.web.preferences import forms
from ecourse.web.preferences.routes import bp, first_error
from ecourse.worker.wakeup import wake


def checked_learner():
    """The session's learner if a fresh link opened their data (`ecourse.web.sessions`);
    otherwise the page to answer with instead."""
    subscriber = current_learner()
    if subscriber is None:
        return None, (render_template("preferences/need_link.html"), 403)
    if not sessions.is_checked(utcnow()):
        return None, (render_template("preferences/need_fresh_link.html"), 403)
    return subscriber, None


@bp.get("/mijn-gegevens.json")
def download():
    subscriber, refusal = checked_learner()
    if refusal:
        return refusal
    body = json.dumps(export(subscriber), ensure_ascii=False, indent=2)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Disposition": 'attachment; filename="mijn-gegevens.json"',
        "Cache-Control": "no-store",
    }
    return body, 200, headers


@bp.get("/mijn-gegevens")
def my_data():
    """The same data as the download, as a page to read, in the learner's language and zone."""
    subscriber, refusal = checked_learner()
    if refusal:
        return refusal
    data = export(subscriber, when=_as_is)
    page = render_template("preferences/data.html", data=data, zone=_zone(subscriber))
    return page, 200, {"Cache-Control": "no-store"}


def _zone(subscriber: Subscriber) -> str:
    first = next(iter(subscriber.enrollments), None)
    return subscriber.timezone or (first.course.timezone if first else "Europe/Amsterdam")


def _as_is(moment):
    return moment


def _when(moment) -> str | None:
    return moment.isoformat() if moment else None


def export(subscriber: Subscriber, when=_when) -> dict:
    """Everything ecourse keeps about one person, in plain words and ISO times (for the
    page, `when` keeps the moments as they are, to be shown in the learner's zone)."""
    return {
        "exported_at": when(utcnow()),
        "profile": {
            "email": subscriber.email,
            "first_name": subscriber.first_name,
            "status": subscriber.status,
            "timezone": subscriber.timezone,
            "send_time": subscriber.send_time,
            "language": subscriber.language,
            "signed_up_at": when(subscriber.created_at),
            "confirmed_at": when(subscriber.confirmed_at),
            "unsubscribed_at": when(subscriber.unsubscribed_at),
        },
        "consents": [_consent(consent, when) for consent in subscriber.consents],
        "enrollments": [_enrollment(enrollment, when) for enrollment in subscriber.enrollments],
        "emails": [_delivery(d, when) for d in _deliveries(subscriber)],
        "changes": [_event(event, when) for event in _events(subscriber)],
    }


def _consent(consent, when) -> dict:
    return {
        "text": consent.text,
        "text_sha256": consent.text_hash,
        "page": consent.source_url,
        "ip_address": consent.ip_address,
        "user_agent": consent.user_agent,
        "course": consent.course.title,
        "first_name_given": consent.first_name,
        "timezone_given": consent.timezone,
        "given_at": when(consent.created_at),
        "confirmed_at": when(consent.confirmed_at),
    }


def _enrollment(enrollment, when) -> dict:
    progress = db.session.scalars(
        select(Progress).where(Progress.enrollment_id == enrollment.id).order_by(Progress.id)
    )
    return {
        "course": enrollment.course.title,
        "status": enrollment.status,
        "started_at": when(enrollment.started_at),
        "paused_until": when(enrollment.paused_until),
        "extra_days_between_lessons": enrollment.extra_days,
        "completed_at": when(enrollment.completed_at),
        "stopped_at": when(enrollment.stopped_at),
        "lessons": [_progress(each, when) for each in progress],
        "follow_up_answer": _answer(answers.answer_of(enrollment), when),
    }


def _answer(answer, when) -> dict | None:
    """Their answer to the follow-up's question, if they gave one."""
    if answer is None:
        return None
    return {
        "score": answer.score,
        "comment": answer.comment,
        "answered_at": when(answer.answered_at),
    }


def _progress(progress: Progress, when) -> dict:
    lesson = db.session.get(Lesson, progress.lesson_id)
    return {
        "lesson": lesson.title if lesson else None,
        "opened_at": when(progress.opened_at),
        "exercise_done_at": when(progress.exercise_done_at),
        "tension_before": progress.tension_before,
        "tension_after": progress.tension_after,
        "note": progress.note,
    }


def _deliveries(subscriber: Subscriber) -> list[Delivery]:
    query = select(Delivery).where(Delivery.subscriber_id == subscriber.id).order_by(Delivery.id)
    return list(db.session.scalars(query))


def _delivery(delivery: Delivery, when) -> dict:
    return {
        "kind": delivery.kind,
        "lesson": delivery.lesson.title if delivery.lesson else None,
        "status": delivery.status,
        "sent_at": when(delivery.sent_at),
        "message_id": delivery.message_id,
    }


def _events(subscriber: Subscriber) -> list[Event]:
    query = select(Event).where(Event.subscriber_id == subscriber.id)
    return list(db.session.scalars(query.order_by(Event.id)))


def _event(event: Event, when) -> dict:
    by = {"admin": "the academy", "learner": "you", "system": "automatically"}
    return {
        "at": when(event.at),
        "by": by.get(event.actor, event.actor),
        "action": event.action,
        "detail": event.detail,
    }


@bp.post("/wissen")
def delete_me():
    """Erase everything personal at once; one last email says that nothing more will come."""
    subscriber, refusal = checked_learner()
    if refusal:
        return refusal
    form = forms.DeleteForm()
    if not form.validate_on_submit():
        flash(first_error(form), "error")
        return redirect(url_for("preferences.page") + "#wissen")
    # Decided while the learner is still known: once erased, nothing says they read English.
    language = i18n.current_language()
    erase_on_request(subscriber, utcnow())
    session.clear()
    wake()
    with i18n.speaking(language):
        return render_template("preferences/deleted.html")


def erase_on_request(subscriber: Subscriber, now) -> None:
    address = subscriber.email
    # The goodbye signs with the course they followed last, whose sender they know.
    last = max(subscriber.enrollments, key=lambda each: each.id, default=None)
    privacy.erase(subscriber, "erased at the learner's own request", now)
    journal.record(subscriber, "delete_me", "", journal.LEARNER, now)
    ledger.queue(
        key=keys.goodbye(subscriber.id),
        kind=DeliveryKind.GOODBYE,
        subscriber_id=subscriber.id,
        course_id=last.course_id if last else None,
        now=now,
        send_after=now,
        recipient=address,
        settings=current.settings(),
    )
    db.session.commit()
    current.engine().settle()
