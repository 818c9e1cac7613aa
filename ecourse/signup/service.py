"""Registering a sign-up and confirming it; no Flask request in here, `now` passed in."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ecourse import drip, i18n, ledger, tokens
from ecourse.db import db
from ecourse.models import Consent, Course, Delivery, Enrollment, Subscriber


class InvalidAddress(ValueError):
    """The address cannot receive mail; the message says why, in the language of the page
    that shows it (lazy)."""


@dataclass(frozen=True)
class Origin:
    """Where and how a sign-up arrived, kept in the consent record."""

    source_url: str = ""
    ip_address: str = ""
    user_agent: str = ""
    # The language of the page signed up on: a course open to every language keeps it as
    # the learner's own, so the confirmation email speaks it too.
    language: str = ""


def normalise_address(address: str) -> str:
    """The address as stored and mailed: lower case, with an international domain in its
    ASCII form (xn--…). Addresses whose local part needs SMTPUTF8 are refused: many relays
    cannot carry them, and one such address must not stall everyone else's mail."""
    try:
        checked = validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise InvalidAddress(
            _l("Dit e-mailadres klopt niet helemaal. Kijk het nog even na?")
        ) from None
    if checked.ascii_email is None:
        raise InvalidAddress(
            _l(
                "Dit e-mailadres bevat tekens die we helaas niet kunnen versturen. "
                "Heb je een ander adres?"
            )
        )
    return checked.ascii_email.lower()


def clean_name(name: str) -> str:
    """A first name as people write it: no control characters or line breaks, single spaces."""
    kept = "".join(
        char for char in name if unicodedata.category(char)[0] not in {"C", "Z"} or char == " "
    )
    return " ".join(kept.split())[:100]


def consent_version(course: Course, language: str | None = None) -> str:
    """A short fingerprint of the consent text, carried by the embedded form: a form pasted
    before the text changed (a lesson added) is told apart from a current one."""
    return hashlib.sha256(consent_text(course, language).encode()).hexdigest()[:16]


def consent_text(course: Course, language: str | None = None) -> str:
    """What a person agrees to by signing up, word for word, in the language of the course's
    sign-up page: the course's own, or for a course open to every language, this page's.
    Explicit rather than the request's, so the admin's (Dutch) pages show it as visitors do."""
    language = language or i18n.page_language(course)
    count = len(course.published_lessons)
    text = i18n.translations(language).ngettext(
        "Ja, stuur mij de gratis e-cursus ‘%(title)s’: %(num)s les per e-mail, "
        "één les om de paar dagen, en de e-mails die daarbij horen. "
        "Afmelden kan altijd, met één klik onderaan elke e-mail.",
        "Ja, stuur mij de gratis e-cursus ‘%(title)s’: %(num)s lessen per e-mail, "
        "één les om de paar dagen, en de e-mails die daarbij horen. "
        "Afmelden kan altijd, met één klik onderaan elke e-mail.",
        count,
    )
    return text % {"title": course.title, "num": count}


def register(
    course: Course, email: str, first_name: str, timezone: str, origin: Origin, now: datetime
) -> None:
    """Record a sign-up and queue its confirmation; the same outcome whoever signs up."""
    address = normalise_address(email)
    for attempt in (1, 2):  # a second try covers two sign-ups of a new address at once
        try:
            _register(course, address, clean_name(first_name), timezone, origin, now)
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise


def _register(course, address, first_name, timezone, origin, now) -> None:
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == address))
    if subscriber is None:
        subscriber = Subscriber(email=address, created_at=now)
        db.session.add(subscriber)
    elif subscriber.status == "active" and _still_learning(subscriber):
        return  # already receiving the course; say nothing different to the visitor
    schedule_follow_up(subscriber, now)
    subscriber.status = "pending"
    subscriber.first_name = first_name or subscriber.first_name
    subscriber.timezone = timezone if timezone in available_timezones() else subscriber.timezone
    if course.language == i18n.ANY and origin.language in i18n.LANGUAGES:
        subscriber.language = subscriber.language or origin.language
    record_consent(subscriber, course, consent_text(course), origin, now)
    db.session.flush()
    queue_confirmation(subscriber, now)


def _still_learning(subscriber: Subscriber) -> bool:
    """Whether any of the subscriber's courses is still going. One who stopped their course
    (the address stayed active) may sign up again: they confirm, and go on where they were."""
    return any(enrollment.status != "stopped" for enrollment in subscriber.enrollments)


def schedule_follow_up(subscriber: Subscriber, now: datetime) -> None:
    """Set when an unconfirmed sign-up gets its one reminder, and when it is forgotten.

    One reminder per round of signing up: a repeated sign-up while still unconfirmed moves
    a reminder not yet sent to a day after itself, but never brings back one already sent
    (`remind_at` is then None). The personal data of someone who never confirmed is kept for
    the set period after the latest sign-up; a learner who confirmed before (and left, and is
    signed up again) is never forgotten this way: their course history is theirs. Call before
    the status is set to "pending".
    """
    settings = current_app.config["ECOURSE"]
    hours = settings["CONFIRM_REMINDER_HOURS"]
    new_round = subscriber.status != "pending"  # a new row, or back after leaving
    if hours > 0 and (new_round or subscriber.remind_at is not None):
        subscriber.remind_at = now + timedelta(hours=hours)
    elif new_round:
        subscriber.remind_at = None
    days = timedelta(days=settings["FORGET_UNCONFIRMED_DAYS"])
    subscriber.forget_at = now + days if subscriber.confirmed_at is None else None


def record_consent(
    subscriber: Subscriber, course: Course, text: str, origin: Origin, now: datetime
) -> Consent:
    """Keep what the person agreed to, word for word, with where and when."""
    consent = Consent(
        subscriber=subscriber,
        course_id=course.id,
        text=text,
        text_hash=hashlib.sha256(text.encode()).hexdigest(),
        source_url=origin.source_url[:500],
        ip_address=origin.ip_address[:64],
        user_agent=origin.user_agent[:500],
        created_at=now,
    )
    db.session.add(consent)
    return consent


def queue_confirmation(subscriber: Subscriber, now: datetime) -> None:
    """Queue a confirmation email unless one was queued within the resend interval."""
    minutes = current_app.config["ECOURSE"]["CONFIRM_RESEND_MINUTES"]
    earlier = db.session.scalars(
        select(Delivery.created_at).where(
            Delivery.subscriber_id == subscriber.id, Delivery.kind == "confirm"
        )
    ).all()
    # Only confirmations for this round of signing up count (not ones before leaving).
    since = subscriber.unsubscribed_at
    recent = [moment for moment in earlier if since is None or moment > since]
    if recent and max(recent) > now - timedelta(minutes=minutes):
        return
    ledger.queue(
        key=f"confirm:{subscriber.id}:{len(earlier) + 1}",
        kind="confirm",
        subscriber_id=subscriber.id,
        now=now,
        send_after=now,
    )


def subscriber_for_confirmation(token: str) -> Subscriber:
    """The subscriber a confirmation link belongs to; raises `tokens.TokenError`."""
    max_age = current_app.config["ECOURSE"]["CONFIRM_MAX_AGE_DAYS"] * 86400
    public_id = tokens.read("confirm", token, max_age_seconds=max_age)
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.public_id == public_id))
    if subscriber is None:
        raise tokens.TokenError()
    return subscriber


def confirm(subscriber: Subscriber, now: datetime) -> Enrollment | None:
    """Confirm a pending sign-up and start (or resume) its course. Harmless when repeated."""
    enrollment = confirm_without_commit(subscriber, now)
    db.session.commit()
    return enrollment


def confirm_without_commit(subscriber: Subscriber, now: datetime) -> Enrollment | None:
    """`confirm`, as part of a larger transaction (an import)."""
    if subscriber.status != "pending":
        return None
    consent = subscriber.consents[-1]
    subscriber.status, subscriber.confirmed_at = "active", now
    subscriber.unsubscribed_at = subscriber.remind_at = subscriber.forget_at = None
    consent.confirmed_at = now
    return _start_enrollment(subscriber, consent.course_id, now)


def _start_enrollment(subscriber: Subscriber, course_id: int, now: datetime) -> Enrollment:
    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.subscriber_id == subscriber.id, Enrollment.course_id == course_id
        )
    )
    if enrollment is None:
        enrollment = Enrollment(subscriber=subscriber, course_id=course_id, started_at=now)
        db.session.add(enrollment)
        db.session.flush()
    else:
        _resume_where_left(enrollment, now)
    enrollment.status, enrollment.stopped_at, enrollment.next_due_at = "active", None, now
    return enrollment


def _resume_where_left(enrollment: Enrollment, now: datetime) -> None:
    """A returning subscriber continues with their next lesson now, at the usual pace after."""
    from ecourse.planner import lesson_statuses, rhythm_for

    # A lesson that bounced or was given up is tried again, now the address works.
    db.session.execute(
        update(Delivery)
        .where(Delivery.enrollment_id == enrollment.id, Delivery.status == "failed")
        .values(status="cancelled", last_error="sent again after signing up again")
    )
    lesson = drip.next_lesson(enrollment.course.lessons, set(lesson_statuses(enrollment.id)))
    back = timedelta(days=lesson.day if lesson else 0)
    enrollment.started_at = drip.shift_local(now, -back, rhythm_for(enrollment).tz)
    enrollment.last_sent_at = None
