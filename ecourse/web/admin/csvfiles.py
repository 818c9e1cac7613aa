"""CSV out and in for subscribers.

Out: in one of two `Style`s. Dutch Excel reads a CSV by the list separator of its locale
(a semicolon) and as UTF-8 only with a byte-order mark, so "Excel (Nederlands)" writes both,
with Dutch words and local times; "CSV (standaard)" is for other programs (commas, codes,
UTC). Every cell that a spreadsheet would run as a formula (starting with =, +, -, @, tab
or carriage return) is neutralised with a leading apostrophe (OWASP's advice on CSV
injection), in both.

In: the whole file is checked first and every rejected row comes back with its line and
reason; `apply` then writes all good rows in one transaction, or nothing. A row becomes an
active learner only when it says the person gave consent (through the source the admin
states); otherwise it stays pending, with a confirmation email if the admin asks for one.
An address already known is skipped, not an error: an import never changes anyone's
consent, status or courses. At most their first name is updated, when the admin asks.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ecourse.core import zones
from ecourse.core.db import db
from ecourse.core.models import IMPORTED, Consent, Course, Subscriber
from ecourse.core.statuses import SubscriberStatus
from ecourse.journey import journal, lifecycle
from ecourse.learners import signups as service
from ecourse.web.admin import wording

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ZONE = ZoneInfo("Europe/Amsterdam")  # the academy's own clock, as on the admin pages
# A column: its code (the standard file's header, and what the import reads) and the
# header a Dutch spreadsheet shows.
EXPORT_COLUMNS = (
    ("email", "E-mailadres"),
    ("first_name", "Voornaam"),
    ("status", "Status"),
    ("course_state", "Cursusstatus"),
    ("signed_up", "Aangemeld"),
    ("confirmed", "Bevestigd"),
)
# The Dutch headers the import understands too, so the Excel export can come back in.
HEADER_CODES = {
    "e-mailadres": "email",
    "voornaam": "first_name",
    "tijdzone": "timezone",
    "toestemming": "consent",
}
# Who may get a first name from an import: people still in touch (not gone or erased).
RENAMEABLE = (SubscriberStatus.ACTIVE, SubscriberStatus.PENDING)
RENAME_BATCH = 500  # addresses per query: well under any database's limit on parameters
YES = {"ja", "yes", "y", "j", "1", "true", "waar"}
NO = {"", "nee", "no", "n", "0", "false", "onwaar"}
MAX_ROWS = 20_000


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class Style:
    """How a CSV file is written: for a Dutch spreadsheet, or for any other program."""

    name: str  # as the admin picks it
    about: str
    delimiter: str
    dutch: bool  # a byte-order mark, Dutch headers and words, local times

    def moment(self, value: datetime | None) -> str:
        if value is None:
            return ""
        if self.dutch:
            return value.astimezone(ZONE).strftime("%d-%m-%Y %H:%M")
        return value.isoformat(timespec="seconds")

    def word(self, code: object) -> str:
        return wording.in_dutch(code) if self.dutch else str(code)


STYLES = {
    "excel": Style("Excel (Nederlands)", "puntkomma's, Nederlandse woorden en tijden", ";", True),
    "standaard": Style("CSV (standaard)", "komma's, codes en tijden in UTC", ",", False),
}


def style_named(name: str) -> Style:
    """The style asked for; Dutch Excel, the office's own, for anything else."""
    return STYLES.get(name, STYLES["excel"])


def export(rows: Iterable[dict], style: Style, columns=EXPORT_COLUMNS) -> str:
    """`rows` (dicts by column code, already in the style's words) as one CSV file."""
    buffer = io.StringIO()
    buffer.write("\ufeff" if style.dutch else "")
    writer = csv.writer(buffer, delimiter=style.delimiter, lineterminator="\r\n")
    writer.writerow([dutch if style.dutch else code for code, dutch in columns])
    for row in rows:
        writer.writerow([neutralise(row.get(code)) for code, _dutch in columns])
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
    existing: list[ImportRow] = field(default_factory=list)  # known addresses: skipped
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
        checked.existing.clear()
        checked.rejected.clear()
        checked.problem = f"Dit bestand is geen CSV die we kunnen lezen ({error})."
    return checked


def _check_rows(reader: csv.DictReader, checked: Checked) -> None:
    headers = [_code(name) for name in reader.fieldnames or []]
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
        row, reason = _row(line, raw, seen)
        if row is None:
            checked.rejected.append((line, reason))
        else:
            (checked.existing if row.email in existing else checked.good).append(row)


def _code(header: str) -> str:
    name = header.strip().lower()
    return HEADER_CODES.get(name, name)


def _dialect(text: str):
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _existing_addresses() -> set[str]:
    return set(db.session.scalars(select(func.lower(Subscriber.email))))


def _row(line: int, raw: dict, seen: set[str]):
    value = {key: (text or "").strip() for key, text in raw.items() if key}
    try:
        email = service.normalise_address(value.get("email", ""))
    except service.InvalidAddress:
        return None, f"ongeldig e-mailadres {value.get('email', '')!r}"
    if email in seen:
        return None, f"{email} staat al eerder in dit bestand"
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
class Choices:
    """What the admin chose on the import page, and who they are."""

    course: Course
    source: str
    send_confirmations: bool
    update_names: bool
    admin: str


@dataclass(frozen=True)
class Applied:
    active: int
    pending: int
    confirmations: int
    renamed: int = 0


def apply(checked: Checked, choices: Choices, now: datetime) -> Applied:
    """Create the new subscribers (and, when chosen, update the first names of known ones)
    in one transaction; a failure leaves nothing behind."""
    course, source, send_confirmations = choices.course, choices.source, choices.send_confirmations
    active = pending = confirmations = renamed = 0
    try:
        for row in checked.good:
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
        if choices.update_names:
            renamed = _rename(checked.existing, choices.admin, now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return Applied(active, pending, confirmations, renamed)


def _rename(rows: list[ImportRow], admin: str, now: datetime) -> int:
    """Give known people the first name their row gives: only a name (never an empty one),
    only to people still in touch, each change on their timeline."""
    names = {row.email: row.first_name for row in rows if row.first_name}
    addresses, renamed = list(names), 0
    for start in range(0, len(addresses), RENAME_BATCH):
        wanted = addresses[start : start + RENAME_BATCH]
        people = db.session.scalars(
            select(Subscriber).where(
                func.lower(Subscriber.email).in_(wanted), Subscriber.status.in_(RENAMEABLE)
            )
        )
        for person in people:
            name = names[person.email.lower()]
            if person.first_name != name:
                person.first_name = name
                journal.record(person, "rename", "uit een CSV-import", journal.admin(admin), now)
                renamed += 1
    return renamed


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
    origin = service.Origin(f"{IMPORTED}{source}")
    sign_up = service.record_consent(subscriber, course, text, origin, now)
    sign_up.enrollment = lifecycle.open_for(subscriber, course, now)
    # Like any unconfirmed sign-up: one reminder, and forgotten if never confirmed.
    service.schedule_follow_up(sign_up, now)
    db.session.flush()
    return sign_up
