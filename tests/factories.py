"""Test data: courses written as lesson files, and subscribers taken through sign-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from ecourse.content.courses import course_by_slug
from ecourse.core.models import Course, Subscriber
from ecourse.learners import signups as service


@dataclass
class CourseWriter:
    root: Path

    def course(self, **overrides) -> Path:
        data = {
            "title": "Testcursus",
            "description": "Een cursus om mee te testen.\n\nTweede alinea.",
            "language": "nl",
            "send_time": "07:30",
            "timezone": "Europe/Amsterdam",
            "skip_weekdays": [],
            "sender_name": "Academie Test",
            "call_to_action": {"url": "https://academie.test/weekend", "text": "Kom kennismaken"},
        } | overrides
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / "course.yml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    def lesson(
        self,
        slug: str,
        *,
        title: str,
        day: int,
        status: str = "published",
        body: str | None = None,
        front: dict | None = None,
    ) -> Path:
        meta = {
            "title": title,
            "day": day,
            "summary": f"Samenvatting van {title}.",
            "status": status,
            "exercise": {"title": f"Oefening bij {title}", "minutes": 5},
        } | (front or {})
        text = body or (
            f"Eerste alinea van {title}.\n\nTweede alinea.\n\n"
            "## Oefening\n\n1. Voeten op de grond.\n2. Adem uit.\n\n"
            "## Reflectie\n\n- Wat merkte je?\n"
        )
        path = self.root / f"{slug}.md"
        path.write_text(
            f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\n{text}", encoding="utf-8"
        )
        return path


def the_course(slug: str = "testcursus") -> Course:
    return course_by_slug(slug)


def sign_up(
    email: str,
    now: datetime,
    first_name: str = "",
    timezone: str = "",
    course: Course | None = None,
) -> Subscriber:
    """Register through the same service the form uses; returns the pending subscriber."""
    from sqlalchemy import select

    from ecourse.core.db import db

    service.register(course or the_course(), email, first_name, timezone, service.Origin(), now)
    return db.session.scalar(select(Subscriber).where(Subscriber.email == email.lower()))


def enrolled(email: str, now: datetime, **kwargs) -> Subscriber:
    """Sign up, receive the confirmation email, and confirm, all at `now`."""
    from ecourse.worker.passes import run_pass

    subscriber = sign_up(email, now, **kwargs)
    run_pass(now)
    confirm(subscriber, now)
    return subscriber


def confirm(subscriber: Subscriber, now: datetime, course: Course | None = None):
    """Confirm the subscriber's newest open sign-up (for `course`, when given), as its link
    would; returns the enrollment that started, if one did."""
    from ecourse.core.db import db

    db.session.refresh(subscriber)
    open_ones = [
        each
        for each in subscriber.consents
        if each.confirmed_at is None and (course is None or each.course_id == course.id)
    ]
    return service.confirm(open_ones[-1], now)


def run_until(start: datetime, end: datetime) -> int:
    """Run passes at exactly the moments something is due, as a punctual scheduler would."""
    from sqlalchemy import func, select

    from ecourse.core.db import db
    from ecourse.core.models import Delivery, Enrollment
    from ecourse.worker.passes import run_pass

    moment, passes = start, 0
    while moment <= end:
        run_pass(moment)
        passes += 1
        upcoming = [
            db.session.scalar(
                select(func.min(Enrollment.next_due_at)).where(
                    Enrollment.status.in_(["active", "paused"])  # a pause ends at its due time
                )
            ),
            db.session.scalar(
                select(func.min(Delivery.send_after)).where(Delivery.status == "queued")
            ),
        ]
        upcoming = [_aware(value) for value in upcoming if value is not None]
        if not upcoming:
            return passes
        moment = max(min(upcoming), moment + timedelta(seconds=1))
    return passes


def _aware(value):
    """Aggregates skip the column type: SQLite returns naive UTC (or text)."""
    from datetime import UTC

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def process_environment(settings: dict, **extra) -> dict:
    """The environment for an `ecourse` process under test: these settings as ECOURSE_*
    variables, and none of the caller's own ECOURSE_* values."""
    import os

    base = {key: value for key, value in os.environ.items() if not key.startswith("ECOURSE_")}
    return base | {f"ECOURSE_{name}": str(value) for name, value in (settings | extra).items()}


def self_signed_certificate(folder) -> tuple[str, str]:
    """A certificate and key for 127.0.0.1, made with openssl, in `folder`."""
    import subprocess

    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)
