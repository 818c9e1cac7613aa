"""CSV out and in for subscribers.

Out: every cell that a spreadsheet would run as a formula (starting with =, +, -, @, tab or
carriage return) is neutralised with a leading apostrophe (OWASP's advice on CSV injection).

In: the whole file is checked first and every rejected row comes back with its line and
reason; `apply` then writes all good rows in one transaction, or nothing. A row becomes an
active learner only when it says the person gave consent (through the source the admin
states); otherwise it stays pending, with a confirmation email if the admin asks for one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from ecourse.core import zones
from ecourse.core.db import db
from ecourse.core.models import Consent, Course, Subscriber
from ecourse.core.statuses import SubscriberStatus
from ecourse.journey import lifecycle
from ecourse.learners import signups as service

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_COLUMNS = ("email", "first_name", "status", "course_state", "signed_up", "confirmed")
YES = {"ja", "yes", "y", "j", "1", "true", "waar"}
NO = {"", "nee", "no", "n", "0", "false", "onwaar"}
MAX_ROWS = 20_000


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export(rows: Iterable[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([neutralise(row.get(column)) for column in EXPORT_COLUMNS])
    return buffer.getvalue()


@dataclass(frozen=True)
class ImportRow:
    line: int
    email: str
    first_name: str
    timezone: str | None
    consented: bool


@dataclass
class Checked:
    good: list[ImportRow] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    problem: str = ""  # the file as a whole cannot be read


def check(data: bytes) -> Checked:
    """Read and validate every row; nothing is written."""
    checked = Checked()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        checked.problem = "Het bestand is geen UTF-8-tekst. Sla het op als CSV (UTF-8)."
        return checked
    dialect = _dialect(text)
    try:
        _check_rows(csv.DictReader(io.StringIO(text), dialect=dialect), checked)
    except csv.Error as error:  # a field over csv's limit (128 KiB), a stray NUL, …
        checked.good.clear()
        checked.rejected.clear()
        checked.problem = f"Dit bestand is geen CSV die we kunnen lezen ({error})."
    return checked


def _check_rows(reader: csv.DictReader, checked: Checked) -> None:
    headers = [name.strip().lower() for name in reader.fieldnames or []]
    if "email" not in headers:
        checked.problem = "De eerste regel moet kolomnamen hebben, met in elk geval 'email'."
        return
    reader.fieldnames = headers
    seen: set[str] = set()
    existing = _existing_addresses()
    for line, raw in enumerate(reader, start=2):
        if line > MAX_ROWS + 1:
            checked.problem = f"Meer dan {MAX_ROWS} regels; splits het bestand."
            return
        row, reason = _row(line, raw, seen, existing)
        if row is None:
            checked.rejected.append((line, reason))
        else:
            checked.good.append(row)


def _dialect(text: str):
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _existing_addresses() -> set[str]:
    return set(db.session.scalars(select(func.lower(Subscriber.email))))


def _row(line: int, raw: dict, seen: set[str], existing: set[str]):
    value = {key: (text or "").strip() for key, text in raw.items() if key}
    try:
        email = service.normalise_address(value.get("email", ""))
    except service.InvalidAddress:
        return None, f"ongeldig e-mailadres {value.get('email', '')!r}"
    if email in seen:
        return None, f"{email} staat al eerder in dit bestand"
    if email in existing:
        return None, f"{email} is al bekend; bestaande deelnemers worden niet aangepast"
    zone = value.get("timezone") or None
    if zone and zone not in zones.KNOWN:
        return None, f"onbekende tijdzone {zone!r}"
    consent = value.get("consent", "").lower()
    if consent not in YES | NO:
        return None, f"consent moet ja of nee zijn, niet {consent!r}"
    seen.add(email)
    name = service.clean_name(value.get("first_name", ""))
    return ImportRow(line, email, name, zone, consent in YES), ""


@dataclass(frozen=True)
class Applied:
    active: int
    pending: int
    confirmations: int


def apply(
    rows: list[ImportRow], course: Course, source: str, send_confirmations: bool, now: datetime
) -> Applied:
    """Create the subscribers in one transaction; a failure leaves nothing behind."""
    active = pending = confirmations = 0
    try:
        for row in rows:
            sign_up = _create(row, course, source, now)
            if row.consented:
                service.confirm_without_commit(sign_up, now)
                active += 1
            else:
                pending += 1
                if send_confirmations:
                    service.queue_confirmation(sign_up, now)
                    confirmations += 1
                else:  # nothing was asked of them, so nothing to remind them of
                    sign_up.remind_at = None
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return Applied(active, pending, confirmations)


def _create(row: ImportRow, course: Course, source: str, now: datetime) -> Consent:
    """A new person with one sign-up for `course`, as the admin's list gives it."""
    subscriber = Subscriber(
        email=row.email,
        first_name=row.first_name,
        timezone=row.timezone,
        created_at=now,
        status=SubscriberStatus.PENDING,
    )
    db.session.add(subscriber)
    text = f"Geïmporteerd; toestemming volgens: {source}. {service.consent_text(course)}"
    origin = service.Origin(f"import: {source}")
    sign_up = service.record_consent(subscriber, course, text, origin, now)
    sign_up.enrollment = lifecycle.open_for(subscriber, course, now)
    # Like any unconfirmed sign-up: one reminder, and forgotten if never confirmed.
    service.schedule_follow_up(sign_up, now)
    db.session.flush()
    return sign_up
