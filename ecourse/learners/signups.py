"""Registering a sign-up and confirming it; no Flask request in here, `now` passed in."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ecourse.content import description
from ecourse.core import keys, tokens, zones
from ecourse.core import languages as i18n
from ecourse.core.db import db
from ecourse.core.models import Consent, Course, Delivery, Enrollment, Subscriber
from ecourse.core.statuses import DeliveryKind, DeliveryStatus, EnrollmentStatus, SubscriberStatus
from ecourse.engine import drip, ledger, policy
from ecourse.journey import lifecycle
from ecourse.learners import current


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
    language = language or i18n.language_for(course)
    count = len(course.published_lessons)
    text = i18n.translations(language).ngettext(
        "Ja, stuur mij de gratis e-cursus ‘%(title)s’: %(num)s les via e-mail, "
        "en de e-mails die daarbij horen. "
        "Afmelden kan altijd, met één klik onderaan elke e-mail.",
        "Ja, stuur mij de gratis e-cursus ‘%(title)s’: %(num)s lessen via e-mail, "
        "één les om de paar dagen, en de e-mails die daarbij horen. "
        "Afmelden kan altijd, met één klik onderaan elke e-mail.",
        count,
    )
    # In words up to twelve ("zeven lessen"), as the course's description says it.
    return text % {"title": course.title, "num": description.in_words(count, language)}


def register(
    course: Course, email: str, first_name: str, timezone: str, origin: Origin, now: datetime
) -> str:
    """Record a sign-up for `course` and queue its confirmation; the same outcome whoever
    signs up, and nothing about an existing person changes until it is confirmed. Returns
    the address as stored and mailed, for the "check your email" page to name."""
    address = normalise_address(email)
    for attempt in (1, 2):  # a second try covers two sign-ups of a new address at once
        try:
            _register(course, address, clean_name(first_name), timezone, origin, now)
            db.session.commit()
            return address
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise


def _register(course, address, first_name, timezone, origin, now) -> None:
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == address))
    zone = timezone if timezone in zones.KNOWN else None
    someone_new = subscriber is None
    if someone_new:  # what they gave is all there is to know about them
        subscriber = Subscriber(
            email=address,
            first_name=first_name,
            timezone=zone,
            created_at=now,
            status=SubscriberStatus.PENDING,
        )
        db.session.add(subscriber)
    enrollment = lifecycle.open_for(subscriber, course, now)
    if enrollment.status in policy.UNDER_WAY:
        return  # already on this course; say nothing different to the visitor
    text = consent_text(course, i18n.language_for(course, browser=origin.language))
    sign_up = record_consent(subscriber, course, text, origin, now)
    sign_up.enrollment = enrollment
    sign_up.first_name = first_name
    sign_up.timezone = zone
    if course.language == i18n.ANY and origin.language in i18n.LANGUAGES:
        sign_up.language = origin.language
        if someone_new:  # they speak the page's language from the start
            subscriber.language = origin.language
    schedule_follow_up(sign_up, now)
    db.session.flush()
    queue_confirmation(sign_up, now)


def schedule_follow_up(sign_up: Consent, now: datetime) -> None:
    """Set when this sign-up gets its one reminder, and when it is forgotten.

    One reminder per course in a round of signing up: signing up again for a course while
    an earlier sign-up for it is open moves a reminder not yet sent to a day after the new
    one, but never brings back one already sent. An unconfirmed sign-up is forgotten the set
    period after it was made (`hygiene`): the whole person if they never confirmed anything.
    """
    settings = current_app.config["ECOURSE"]
    hours = settings["CONFIRM_REMINDER_HOURS"]
    earlier = _open_sign_ups(sign_up)
    already_reminded = _reminded(earlier)
    for each in earlier:
        each.remind_at = None
    sign_up.remind_at = now + timedelta(hours=hours) if hours > 0 and not already_reminded else None
    sign_up.forget_at = now + timedelta(days=settings["FORGET_UNCONFIRMED_DAYS"])


def _open_sign_ups(sign_up: Consent) -> list[Consent]:
    """The other unconfirmed sign-ups for the same course in this round of signing up."""
    enrollment = sign_up.enrollment
    since = enrollment.stopped_at if enrollment.status in lifecycle.ENDED else None
    return [
        each
        for each in db.session.scalars(
            select(Consent).where(
                Consent.enrollment_id == enrollment.id, Consent.confirmed_at.is_(None)
            )
        )
        if each is not sign_up and (since is None or each.created_at > since)
    ]


def _reminded(sign_ups: list[Consent]) -> bool:
    ids = [each.id for each in sign_ups]
    if not ids:
        return False
    reminders = select(Delivery.id).where(
        Delivery.consent_id.in_(ids), Delivery.kind == DeliveryKind.REMINDER
    )
    return db.session.scalar(reminders.limit(1)) is not None


def page_only(url: str) -> str:
    """The page a sign-up came from, without its query string or fragment: a newsletter's
    link may carry `?email=…&naam=…`, and the page alone is all the record needs."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL after all: keep what comes before any "?" or "#"
        return url.split("?", 1)[0].split("#", 1)[0]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def record_consent(
    subscriber: Subscriber, course: Course, text: str, origin: Origin, now: datetime
) -> Consent:
    """Keep what the person agreed to, word for word, with where and when."""
    consent = Consent(
        subscriber=subscriber,
        course_id=course.id,
        text=text,
        text_hash=hashlib.sha256(text.encode()).hexdigest(),
        source_url=page_only(origin.source_url)[:500],
        ip_address=origin.ip_address[:64],
        user_agent=origin.user_agent[:500],
        created_at=now,
    )
    db.session.add(consent)
    return consent


def queue_confirmation(sign_up: Consent, now: datetime) -> bool:
    """Queue this sign-up's confirmation email, unless one for the same course went out
    within the resend interval (in this round: not counting those before a stop)."""
    minutes = current_app.config["ECOURSE"]["CONFIRM_RESEND_MINUTES"]
    enrollment = sign_up.enrollment
    since = enrollment.stopped_at if enrollment.status in lifecycle.ENDED else None
    recent = db.session.scalar(
        select(func.max(Delivery.created_at)).where(
            Delivery.enrollment_id == enrollment.id,
            Delivery.kind == DeliveryKind.CONFIRM,
            Delivery.created_at > max(filter(None, [since, now - timedelta(minutes=minutes)])),
        )
    )
    if recent is not None:
        return False
    return ledger.queue(
        key=keys.confirmation(sign_up.id),
        kind=DeliveryKind.CONFIRM,
        subscriber_id=sign_up.subscriber_id,
        course_id=sign_up.course_id,
        consent_id=sign_up.id,
        enrollment_id=enrollment.id,
        now=now,
        send_after=now,
        settings=current.settings(),
    )


def sign_up_for_confirmation(token: str) -> Consent:
    """The sign-up a confirmation link names; raises `tokens.TokenError`.

    Links sent before sign-ups had their own id name the person: they stand for that
    person's newest open sign-up, as they did then.
    """
    max_age = current_app.config["ECOURSE"]["CONFIRM_MAX_AGE_DAYS"] * 86400
    found = _sign_up_named(tokens.read("confirm", token, max_age_seconds=max_age))
    if found is None or found.enrollment is None:
        raise tokens.TokenError()
    return found


def sign_up_of_expired(error: tokens.TokenError) -> Consent | None:
    """The sign-up an expired confirmation link names (its signature is good, only old): to
    tell the person in the language of their course that the link is old, nothing more."""
    return _sign_up_named(error.payload) if error.expired else None


def _sign_up_named(payload) -> Consent | None:
    if isinstance(payload, list) and len(payload) == 2 and payload[0] == "signup":
        return db.session.scalar(select(Consent).where(Consent.public_id == str(payload[1])))
    if isinstance(payload, str):
        return _newest_sign_up_of(payload)
    return None


def _newest_sign_up_of(subscriber_public_id: str) -> Consent | None:
    subscriber = db.session.scalar(
        select(Subscriber).where(Subscriber.public_id == subscriber_public_id)
    )
    if subscriber is None or not subscriber.consents:
        return None
    open_ones = [each for each in subscriber.consents if each.confirmed_at is None]
    return (open_ones or subscriber.consents)[-1]


def confirm(sign_up: Consent, now: datetime) -> Enrollment | None:
    """Confirm one sign-up and start (or go on with) exactly its course. Harmless when
    repeated; returns the enrollment that started, if one did."""
    enrollment = confirm_without_commit(sign_up, now)
    db.session.commit()
    return enrollment


def confirm_without_commit(sign_up: Consent, now: datetime) -> Enrollment | None:
    """`confirm`, as part of a larger transaction (an import)."""
    if sign_up.confirmed_at is not None or sign_up.subscriber.status == SubscriberStatus.ERASED:
        return None  # a link used again, or a person forgotten meanwhile: nothing changes
    started = lifecycle.confirm(sign_up, now)
    if started is None:
        return None
    enrollment, before = started
    if before == EnrollmentStatus.PENDING:
        enrollment.started_at, enrollment.last_sent_at = now, None
    else:
        _resume_where_left(enrollment, now)
    enrollment.next_due_at = now
    return enrollment


def _resume_where_left(enrollment: Enrollment, now: datetime) -> None:
    """A returning learner continues with their next lesson now, at the usual pace after."""
    from ecourse.engine.planner import lesson_statuses, rhythm_for

    # A lesson that bounced or was given up is tried again, now the address works.
    db.session.execute(
        update(Delivery)
        .where(Delivery.enrollment_id == enrollment.id, Delivery.status == DeliveryStatus.FAILED)
        .values(status=DeliveryStatus.CANCELLED, last_error="sent again after signing up again")
    )
    lesson = drip.next_lesson(enrollment.course.lessons, set(lesson_statuses(enrollment.id)))
    back = timedelta(days=lesson.day if lesson else 0)
    enrollment.started_at = drip.shift_local(
        now, -back, rhythm_for(enrollment, current.settings()).tz
    )
    enrollment.last_sent_at = None
