"""An exercise's audio guide in the editor: upload one, replace it, take it away.

The file is checked as an import checks one (`ecourse.content.mediafiles.fault`: its name,
its first bytes, its size), and a request bigger than the limit is refused before its body
is read. Each change is journaled for the audit page, like a lesson saved.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app, flash, redirect, url_for
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from ecourse.content import media, mediafiles
from ecourse.core.clock import utcnow
from ecourse.core.db import db
from ecourse.core.statuses import MediaKind
from ecourse.journey import journal
from ecourse.web.admin.forms import AudioForm, AudioRemoveForm, LessonForm
from ecourse.web.admin.lessons import course_or_404, editor_page, lesson_or_404
from ecourse.web.admin.routes import bp
from ecourse.web.security import allows_upload

REQUEST_MARGIN = 64 * 1024  # the form's other fields and the multipart boundaries


def _most_mb() -> int:
    return current_app.config["ECOURSE"]["MAX_AUDIO_MB"]


def _request_bytes() -> int:
    return _most_mb() * 1024 * 1024 + REQUEST_MARGIN


def _too_big() -> str:
    return (
        f"Dit audiobestand is groter dan {_most_mb()} MB en is niet opgeslagen. Maak het "
        "kleiner (mono, 64 kbit/s is genoeg voor een stem) en probeer het opnieuw."
    )


@bp.post("/cursussen/<slug>/lessen/<lesson_slug>/audio")
@allows_upload(_request_bytes, too_big=_too_big)
def upload_audio(slug: str, lesson_slug: str):
    """A new audio guide for the lesson's exercise, or one in place of the one it had."""
    course = course_or_404(slug)
    lesson = lesson_or_404(course, lesson_slug)
    form = AudioForm()
    if form.validate_on_submit():
        checked = _checked(form.audio.data)
        if isinstance(checked, str):
            form.audio.errors = [*form.audio.errors, checked]
    if form.errors:
        lesson_form = LessonForm(formdata=None, obj=lesson)
        return editor_page(course, lesson, lesson_form, unsaved=False, audio_form=form)
    suffix, data = checked
    had = media.audio_facts(lesson.id) is not None
    kind = mediafiles.content_type(MediaKind.AUDIO, f"{lesson.slug}{suffix}")
    row = media.upload_audio(lesson, suffix, kind, data, utcnow())
    what = "vervangen" if had else "toegevoegd"
    _journal(f"{course.slug}/{lesson.slug}: audio {what} ({row.filename}, {_kb(row.size)})")
    flash(f"Audio bij de oefening {what}: {row.filename}.")
    return redirect(url_for("admin.edit_lesson", slug=slug, lesson_slug=lesson_slug))


@bp.post("/cursussen/<slug>/lessen/<lesson_slug>/audio/verwijderen")
def remove_audio(slug: str, lesson_slug: str):
    course = course_or_404(slug)
    lesson = lesson_or_404(course, lesson_slug)
    if not AudioRemoveForm().validate_on_submit():
        flash("Dit formulier was verlopen; probeer het nog eens.", "error")
    elif media.remove_audio(lesson):
        _journal(f"{course.slug}/{lesson.slug}: audio verwijderd")
        flash("De audio bij de oefening is verwijderd. De les werkt gewoon zonder.")
    else:
        flash("Deze les had geen audio.")
    return redirect(url_for("admin.edit_lesson", slug=slug, lesson_slug=lesson_slug))


def _checked(upload: FileStorage) -> tuple[str, bytes] | str:
    """(suffix, bytes) of an acceptable audio file, or why it is not, in Dutch."""
    name = Path(upload.filename or "").name
    stream = upload.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    head = stream.read(mediafiles.HEAD_BYTES)
    most = mediafiles.max_bytes(MediaKind.AUDIO, _most_mb())
    why = mediafiles.fault(MediaKind.AUDIO, name, head, size, most)
    if why is not None:
        return REFUSALS[why].format(name=name or "Dit bestand", most_mb=_most_mb())
    return Path(name).suffix.lower(), head + stream.read()


REFUSALS = {
    mediafiles.WRONG_NAME: "{name} is geen .mp3-, .ogg- of .m4a-bestand. Kies een van die.",
    mediafiles.WRONG_CONTENT: (
        "{name} heet een audiobestand, maar is het niet: de inhoud past niet bij de naam. "
        "Exporteer het opnieuw als .mp3, .ogg of .m4a."
    ),
    mediafiles.TOO_BIG: (
        "{name} is groter dan {most_mb} MB. Maak het kleiner (mono, 64 kbit/s is genoeg "
        "voor een stem) en probeer het opnieuw."
    ),
    mediafiles.EMPTY: "{name} is leeg.",
}


def _journal(detail: str) -> None:
    journal.record_admin_action(current_user.email, "lesson_audio", detail, utcnow())
    db.session.commit()


def _kb(size: int) -> str:
    return f"{max(1, round(size / 1024))} kB"
