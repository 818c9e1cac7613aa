"""Export a course as lesson files, and import lesson files: the same code as the CLI."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from flask import current_app, render_template
from werkzeug.datastructures import FileStorage

from ecourse import catalog, lessonwriter, planner
from ecourse.admin import bp
from ecourse.admin.forms import ImportForm
from ecourse.admin.lessons import course_or_404
from ecourse.passes import utcnow

MAX_FILES = 500
MAX_UNPACKED_BYTES = 20 * 1024 * 1024


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
    course = course_or_404(slug)
    form = ImportForm()
    problems, report = [], None
    if form.validate_on_submit():
        problems, report = _import(form.archive.data)
    status = 400 if problems or form.errors else 200
    page = render_template(
        "admin/import.html",
        course=course,
        form=form,
        problems=problems,
        report=report,
        section="lessons",
    )
    return page, status


def _import(upload: FileStorage) -> tuple[list[str], catalog.ImportReport | None]:
    with tempfile.TemporaryDirectory(prefix="ecourse-import-") as folder:
        problems = unpack(upload, Path(folder))
        if problems:
            return problems, None
        now = utcnow()
        try:
            report = catalog.import_path(
                Path(folder), current_app.config["ECOURSE"]["TIMEZONE"], now
            )
        except catalog.ImportRefused as refused:
            root = f"{folder}/"
            return [problem.replace(root, "") for problem in refused.problems], None
    for course_id in report.courses_changed:
        planner.reschedule_course(course_id, now)
    return [], report


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
