"""The consent ledger for an auditor: every sign-up for one course in a period, as CSV.

Each row is one `Consent` as it was given: when (the academy's local time and UTC), from
which IP address and page or import, which version of the consent text (numbered per
course in the order the versions first appeared, with the text's SHA-256 and the text
itself), when it was confirmed, and the person's status now. An erased person's row stays,
without their address or IP. The period is in local dates; a date that cannot be read
falls back to a default with a message, so the page never fails on what was typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ecourse.core.clock import utcnow
from ecourse.core.db import db
from ecourse.core.models import Consent, Course
from ecourse.core.statuses import SubscriberStatus
from ecourse.journey import journal
from ecourse.web.admin import csvfiles
from ecourse.web.admin.people import csv_headers
from ecourse.web.admin.routes import bp
from ecourse.web.admin.transfer import safe_name

DEFAULT_DAYS = 30  # the period shown first: the last 30 days, today included
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
DUTCH_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")
COLUMNS = (
    ("given_local", "Gegeven (Nederlandse tijd)"),
    ("given_utc", "Gegeven (UTC)"),
    ("email", "E-mailadres"),
    ("ip_address", "IP-adres"),
    ("source", "Pagina of bron"),
    ("text_version", "Versie van de tekst"),
    ("text_sha256", "SHA-256 van de tekst"),
    ("text", "Tekst waarmee ingestemd is"),
    ("confirmed_local", "Bevestigd (Nederlandse tijd)"),
    ("confirmed_utc", "Bevestigd (UTC)"),
    ("status_now", "Status nu"),
)


@dataclass
class Period:
    """Local dates, both included, and what was wrong with the dates as typed."""

    first: date
    last: date
    problems: list[str] = field(default_factory=list)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), csvfiles.ZONE)

    @property
    def end(self) -> datetime:  # exclusive: the start of the day after `last`
        return datetime.combine(self.last + timedelta(days=1), time(0), csvfiles.ZONE)


@bp.get("/deelnemers/toestemmingen")
def consent_ledger():
    courses = list(db.session.scalars(select(Course).order_by(Course.id)))
    course = _chosen_course(courses, request.args.get("cursus", ""))
    period = period_from(request.args.get("van", ""), request.args.get("tot", ""), utcnow())
    style = csvfiles.style_named(request.args.get("formaat", ""))
    if course is not None and request.args.get("download") and not period.problems:
        return _download(course, period, style)
    page = render_template(
        "admin/consents.html",
        courses=courses,
        course=course,
        period=period,
        style=style,
        styles=csvfiles.STYLES,
        count=_count(course, period) if course else 0,
        section="people",
    )
    return page, 400 if period.problems else 200


def _chosen_course(courses: list[Course], slug: str) -> Course | None:
    return next((each for each in courses if each.slug == slug), courses[0] if courses else None)


def period_from(first_text: str, last_text: str, now: datetime) -> Period:
    """The period asked for, or the default for each date that cannot be read."""
    today = now.astimezone(csvfiles.ZONE).date()
    problems: list[str] = []
    last = _day(last_text, today, "einddatum", problems)
    first = _day(first_text, last - timedelta(days=DEFAULT_DAYS - 1), "begindatum", problems)
    if first > last:
        first, last = last, first
        problems.append("De begindatum lag na de einddatum; we hebben ze omgedraaid.")
    return Period(first, last, problems)


def _day(text: str, default: date, name: str, problems: list[str]) -> date:
    text = text.strip()[:40]
    if not text:
        return default
    found = _parse(text)
    if found is None or not EARLIEST <= found <= LATEST:
        problems.append(
            f"De {name} ‘{text}’ is geen datum die we kunnen gebruiken (zoals 31-12-2026, "
            f"tussen 2000 en 2100); we nemen {default:%d-%m-%Y}."
        )
        return default
    return found


def _parse(text: str) -> date | None:
    """A date as a date field sends it (2026-12-31) or as typed in Dutch (31-12-2026)."""
    dutch = DUTCH_DATE.fullmatch(text)
    try:
        if dutch:
            day, month, year = (int(part) for part in dutch.groups())
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        return None


def _given_in(course: Course, period: Period) -> tuple:
    return (
        Consent.course_id == course.id,
        Consent.created_at >= period.start,
        Consent.created_at < period.end,
    )


def _count(course: Course, period: Period) -> int:
    return db.session.scalar(select(func.count(Consent.id)).where(*_given_in(course, period)))


def _download(course: Course, period: Period, style: csvfiles.Style):
    consents = list(
        db.session.scalars(
            select(Consent)
            .options(joinedload(Consent.subscriber), joinedload(Consent.enrollment))
            .where(*_given_in(course, period))
            .order_by(Consent.created_at, Consent.id)
        )
    )
    detail = (
        f"{course.slug}: {period.first:%d-%m-%Y} t/m {period.last:%d-%m-%Y}, "
        f"{len(consents)} toestemming(en), {style.name}"
    )
    journal.record_admin_action(current_user.email, "consent_export", detail, utcnow())
    db.session.commit()  # kept before the rows go out: a download is an action too
    versions = text_versions(course)
    rows = (_row(consent, versions, style) for consent in consents)
    name = f"toestemmingen-{safe_name(course.slug)}-{period.first}-tot-en-met-{period.last}.csv"
    return csvfiles.export(rows, style, COLUMNS), 200, csv_headers(name)


def text_versions(course: Course) -> dict[str, int]:
    """Each consent text of the course (by its hash), numbered in the order it first
    appeared: version 1 is the oldest text anyone agreed to."""
    first_seen = func.min(Consent.created_at)
    hashes = db.session.scalars(
        select(Consent.text_hash)
        .where(Consent.course_id == course.id)
        .group_by(Consent.text_hash)
        .order_by(first_seen, Consent.text_hash)
    )
    return {text_hash: number for number, text_hash in enumerate(hashes, start=1)}


def _row(consent: Consent, versions: dict[str, int], style: csvfiles.Style) -> dict:
    given_local, given_utc = _times(consent.created_at, style)
    confirmed_local, confirmed_utc = _times(consent.confirmed_at, style)
    return {
        "given_local": given_local,
        "given_utc": given_utc,
        "email": _address(consent),
        "ip_address": consent.ip_address,
        "source": consent.source_url,
        "text_version": f"v{versions.get(consent.text_hash, 0)}",
        "text_sha256": consent.text_hash,
        "text": consent.text,
        "confirmed_local": confirmed_local,
        "confirmed_utc": confirmed_utc,
        "status_now": style.word(_status_now(consent)),
    }


def _address(consent: Consent) -> str:
    """The person's address; for an erased person not even the placeholder (it carries an
    identifier of theirs)."""
    erased = consent.subscriber.status == SubscriberStatus.ERASED
    return "(gewist)" if erased else consent.subscriber.email


def _times(moment: datetime | None, style: csvfiles.Style) -> tuple[str, str]:
    """A moment in the academy's local time (as the style writes dates) and in UTC."""
    if moment is None:
        return "", ""
    local = moment.astimezone(csvfiles.ZONE)
    shown = (
        local.strftime("%d-%m-%Y %H:%M:%S") if style.dutch else local.isoformat(timespec="seconds")
    )
    return shown, moment.astimezone(UTC).isoformat(timespec="seconds")


def _status_now(consent: Consent) -> str:
    """The person's status, or while they may get mail, their status in this course."""
    person = consent.subscriber
    if person.status == SubscriberStatus.ACTIVE and consent.enrollment is not None:
        return consent.enrollment.status
    return person.status
