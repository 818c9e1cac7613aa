"""Export a course as lesson files, and import lesson files: the same code as the CLI."""

from __future__ import annotations

import re
import secrets
import shutil
import zipfile
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath

from flask import current_app, render_template, request
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from ecourse.content import catalog, lessonwriter
from ecourse.core.clock import utcnow
from ecourse.core.statuses import LateRule
from ecourse.learners import lessonchanges as editing
from ecourse.web.admin.forms import ImportApplyForm, ImportForm
from ecourse.web.admin.lessons import course_or_404
from ecourse.web.admin.routes import bp

MAX_FILES = 500
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
# A checked upload waits in a folder named for the moment it came in and a random part,
# `1765000000-<22 characters>`, so clearing old ones reads the product's clock only.
UPLOAD_NAME = re.compile(r"(?P<at>[0-9]{1,12})-[A-Za-z0-9_-]{22}")
UPLOAD_KEPT = timedelta(days=1)  # a checked upload not imported within a day is removed


@bp.get("/cursussen/<slug>/export")
def export_course(slug: str):
    course = course_or_404(slug)
    headers = {
        "Content-Type": "application/zip",
        "Content-Disposition": f'attachment; filename="{course.slug}.zip"',
    }
    return lessonwriter.course_zip(course), 200, headers


@bp.route("/cursussen/<slug>/import", methods=["GET", "POST"])
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
    try:
        report, imported = editing.import_files(
            folder, zone, rule, current_user.email, utcnow(), apply=apply
        )
    except catalog.ImportRefused as refused:
        root = f"{folder}/"
        return [problem.replace(root, "") for problem in refused.problems], None, []
    return [], report, imported


def unpack(upload: FileStorage, folder: Path) -> list[str]:
    """Extract only course files, refusing paths that leave the folder and zip bombs."""
    try:
        archive = zipfile.ZipFile(upload.stream)
    except zipfile.BadZipFile:
        return ["Dit is geen geldig .zip-bestand."]
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > MAX_FILES:
            return [f"Meer dan {MAX_FILES} bestanden; is dit de goede map?"]
        if sum(info.file_size for info in members) > MAX_UNPACKED_BYTES:
            return ["Uitgepakt groter dan 20 MB; dat is geen cursusmap."]
        for info in members:
            path = PurePosixPath(info.filename)
            if path.is_absolute() or ".." in path.parts:
                return [f"{info.filename}: een pad buiten de map is niet toegestaan."]
            if path.suffix not in {".md", ".yml"}:
                continue
            target = folder.joinpath(*path.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
    return []
