"""Export a course as lesson files, and import lesson files: the same code as the CLI."""

from __future__ import annotations

import re
import secrets
import shutil
import zipfile
import zlib
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath

from flask import current_app, render_template, request
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from ecourse.content import catalog, lessonwriter, mediafiles
from ecourse.core.clock import utcnow
from ecourse.core.statuses import LateRule
from ecourse.learners import lessonchanges as editing
from ecourse.web.admin.forms import ImportApplyForm, ImportForm
from ecourse.web.admin.lessons import course_or_404
from ecourse.web.admin.routes import bp
from ecourse.web.security import allows_upload

MAX_FILES = 500
# Room for a course's audio guides (a few MB a lesson); text alone never comes near it.
MAX_UNPACKED_BYTES = 250 * 1024 * 1024
UPLOAD_REQUEST_BYTES = MAX_UNPACKED_BYTES + 64 * 1024
# What a course folder holds: its text files and its media (`ecourse.content.mediafiles`).
COURSE_SUFFIXES = {".md", ".yml", *mediafiles.AUDIO_TYPES, *mediafiles.PHOTO_TYPES}
# A checked upload waits in a folder named for the moment it came in and a random part,
# `1765000000-<22 characters>`, so clearing old ones reads the product's clock only.
UPLOAD_NAME = re.compile(r"(?P<at>[0-9]{1,12})-[A-Za-z0-9_-]{22}")
UPLOAD_KEPT = timedelta(days=1)  # a checked upload not imported within a day is removed


def safe_name(slug: str) -> str:
    """A course's slug as a file name in a header: only letters, digits and dashes."""
    return re.sub(r"[^a-z0-9-]", "-", slug.lower())[:80] or "cursus"


@bp.get("/cursussen/<slug>/export")
def export_course(slug: str):
    course = course_or_404(slug)
    headers = {
        "Content-Type": "application/zip",
        "Content-Disposition": f'attachment; filename="{safe_name(course.slug)}.zip"',
    }
    return lessonwriter.course_zip(course), 200, headers


@bp.route("/cursussen/<slug>/import", methods=["GET", "POST"])
@allows_upload(UPLOAD_REQUEST_BYTES)
def import_course(slug: str):
    """Two steps, like saving a lesson: upload and check (who each change reaches), then
    import with the rule chosen for learners already past a new or moved lesson."""
    course = course_or_404(slug)
    form, apply_form = ImportForm(), ImportApplyForm()
    problems, report, imported = [], None, []
    if request.form.get("step") == "apply":
        if apply_form.validate_on_submit():
            problems, report, imported = _apply_upload(apply_form)
    elif form.validate_on_submit():
        problems, report, imported = _check_upload(form.archive.data, apply_form)
    status = 400 if problems or form.errors else 200
    page = render_template(
        "admin/import.html",
        course=course,
        form=form,
        apply_form=apply_form,
        problems=problems,
        report=report,
        imported=imported,
        applied=request.form.get("step") == "apply" and not problems,
        section="lessons",
    )
    return page, status


def _uploads(now: datetime) -> Path:
    """The folder of checked uploads, without those older than a day (or not ours)."""
    folder = Path(current_app.config["ECOURSE"]["DATA_DIR"]) / "imports"
    folder.mkdir(exist_ok=True)
    cutoff = (now - UPLOAD_KEPT).timestamp()
    for old in folder.iterdir():
        named = UPLOAD_NAME.fullmatch(old.name)
        if not named or int(named["at"]) < cutoff:
            shutil.rmtree(old, ignore_errors=True)
    return folder


def _check_upload(upload: FileStorage, apply_form: ImportApplyForm):
    """Keep the upload for the second step and show what importing it would do."""
    now = utcnow()
    name = f"{int(now.timestamp())}-{secrets.token_urlsafe(16)}"
    folder = _uploads(now) / name
    folder.mkdir()
    problems = unpack(upload, folder)
    if problems:
        shutil.rmtree(folder, ignore_errors=True)
        return problems, None, []
    apply_form.upload.data = name
    problems, report, imported = _run(folder, LateRule.SKIP, apply=False)
    if problems:
        shutil.rmtree(folder, ignore_errors=True)
    return problems, report, imported


def _apply_upload(apply_form: ImportApplyForm):
    name = apply_form.upload.data or ""
    folder = _uploads(utcnow()) / name
    if not UPLOAD_NAME.fullmatch(name) or not folder.is_dir():
        return ["Deze upload is verlopen of al geïmporteerd. Upload het bestand opnieuw."], None, []
    try:
        return _run(folder, apply_form.late_rule.data, apply=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(folder: Path, rule: str, apply: bool):
    zone = current_app.config["ECOURSE"]["TIMEZONE"]
    most = current_app.config["ECOURSE"]["MAX_AUDIO_MB"]
    try:
        report, imported = editing.import_files(
            folder, zone, rule, current_user.email, utcnow(), apply=apply, max_audio_mb=most
        )
    except catalog.ImportRefused as refused:
        # Say which file, never where it waits on the server.
        return [_without(folder, problem) for problem in refused.problems], None, []
    return [], report, imported


def _without(folder: Path, problem: str) -> str:
    return problem.replace(f"{folder}/", "").replace(str(folder), "het bestand")


def unpack(upload: FileStorage, folder: Path) -> list[str]:
    """Extract only course files, refusing paths that leave the folder and zip bombs.

    A damaged or odd archive (a bad checksum, sizes that lie, encryption, an unknown
    compression method, a file where a folder should be) is refused with one plain message.
    """
    try:
        archive = zipfile.ZipFile(upload.stream)
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        return ["Dit is geen geldig .zip-bestand."]
    with archive:
        try:
            return _extract(archive, folder)
        except UNREADABLE as error:
            return [f"Dit .zip-bestand kunnen we niet uitpakken ({_why(error)})."]


# What reading a damaged or unusual member can raise: zipfile's own errors, zlib's and
# bz2's, "encrypted" (RuntimeError), an unknown method (NotImplementedError), a member
# whose name is a folder of another (OSError).
UNREADABLE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    RuntimeError,
    NotImplementedError,
    OSError,
    EOFError,
    ValueError,
)


def _why(error: Exception) -> str:
    if isinstance(error, RuntimeError) and "encrypted" in str(error):
        return "het is versleuteld"
    if isinstance(error, NotImplementedError):
        return "een onbekende manier van inpakken"
    if isinstance(error, OSError):
        return "een bestand en een map met dezelfde naam"
    return "het is beschadigd"


def _extract(archive: zipfile.ZipFile, folder: Path) -> list[str]:
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) > MAX_FILES:
        return [f"Meer dan {MAX_FILES} bestanden; is dit de goede map?"]
    if sum(info.file_size for info in members) > MAX_UNPACKED_BYTES:
        return [TOO_BIG]
    left = MAX_UNPACKED_BYTES
    for info in members:
        path = PurePosixPath(info.filename)
        if path.is_absolute() or ".." in path.parts:
            return [f"{info.filename}: een pad buiten de map is niet toegestaan."]
        if path.suffix.lower() not in COURSE_SUFFIXES:
            continue
        with archive.open(info) as source:  # the header's size may lie: count as we read
            data = source.read(left + 1)
        left -= len(data)
        if left < 0:
            return [TOO_BIG]
        target = folder.joinpath(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return []


TOO_BIG = "Uitgepakt groter dan 250 MB; dat is geen cursusmap."
