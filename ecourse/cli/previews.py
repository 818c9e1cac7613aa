"""Render every lesson email to files, as a subscriber would get it, for reading and review."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ecourse.core.models import Course, Subscriber
from ecourse.core.statuses import DeliveryKind, SubscriberStatus
from ecourse.engine import emails
from ecourse.learners import current

SAMPLE = {"email": "voorbeeld@example.org", "first_name": "Sanne", "public_id": "voorbeeld"}


def render_course(course: Course, folder: Path, now: datetime) -> list[Path]:
    """Write `NN-slug.txt` and `NN-slug.html` (plus the subject) for each published lesson."""
    folder.mkdir(parents=True, exist_ok=True)
    reader = Subscriber(status=SubscriberStatus.ACTIVE, **SAMPLE)  # never added to the session
    renderer, written = emails.Renderer(current.settings()), []
    for number, lesson in enumerate(course.published_lessons, start=1):
        message = emails.build(
            DeliveryKind.LESSON, reader, course, lesson, "<preview@example.org>", now, renderer
        )
        stem = folder / f"{number:02d}-{lesson.slug}"
        preview = emails.preview_text(lesson, reader.first_name)
        header = f"Subject: {message.subject}\nPreview: {preview}\n\n"
        stem.with_suffix(".txt").write_text(header + message.text, encoding="utf-8")
        stem.with_suffix(".html").write_text(message.html or "", encoding="utf-8")
        written += [stem.with_suffix(".txt"), stem.with_suffix(".html")]
    return written
