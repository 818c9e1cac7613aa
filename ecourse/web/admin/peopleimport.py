"""The CSV import page: check the whole file, show every rejected row, then apply.

Addresses already known are skipped and counted, never an error. After an error the page
comes back with the admin's choices kept; only the file must be chosen again, because no
browser lets a page fill in a file field.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ecourse.core.clock import utcnow
from ecourse.core.db import db
from ecourse.core.models import Course
from ecourse.journey import journal
from ecourse.web.admin import csvfiles
from ecourse.web.admin.forms import SubscriberImportForm
from ecourse.web.admin.routes import bp
from ecourse.web.security import allows_upload

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# The request may be a little bigger than the file: the form's other fields come with it.
UPLOAD_REQUEST_BYTES = MAX_UPLOAD_BYTES + 64 * 1024


@bp.route("/deelnemers/import", methods=["GET", "POST"])
@allows_upload(UPLOAD_REQUEST_BYTES)
def import_subscribers():
    form = SubscriberImportForm()
    courses = list(db.session.scalars(select(Course).order_by(Course.id)))
    form.course.choices = [SelectChoice(course.id, course.title) for course in courses]
    checked = None
    if form.validate_on_submit():
        data = form.file.data.read(MAX_UPLOAD_BYTES + 1)
        checked = csvfiles.Checked(problem="Het bestand is groter dan 5 MB.")
        if len(data) <= MAX_UPLOAD_BYTES:
            checked = csvfiles.check(data)
        if _may_apply(checked, form.skip_bad_rows.data):
            return _apply(checked, form)
    posted = request.method == "POST"
    status = 400 if posted else 200  # a POST that comes back here was refused
    page = render_template(
        "admin/subscriber_import.html",
        form=form,
        checked=checked,
        choose_again=posted,
        section="people",
    )
    return page, status


def _may_apply(checked: csvfiles.Checked, skip_bad_rows: bool) -> bool:
    if checked.problem or not (checked.good or checked.existing):
        return False
    return not checked.rejected or skip_bad_rows


def _apply(checked: csvfiles.Checked, form: SubscriberImportForm):
    course, now = db.session.get(Course, form.course.data), utcnow()
    choices = csvfiles.Choices(
        course,
        form.source.data,
        form.send_confirmations.data,
        form.update_names.data,
        current_user.email,
    )
    applied = csvfiles.apply(checked, choices, now)
    known = len(checked.existing)
    detail = (
        f"{course.slug}: {applied.active} actief, {applied.pending} wachtend, "
        f"{known} al aanwezig ({applied.renamed} voornaam bijgewerkt)"
    )
    journal.record_admin_action(current_user.email, "people_import", detail, now)
    db.session.commit()
    renamed = f" (van {applied.renamed} de voornaam bijgewerkt)" if form.update_names.data else ""
    flash(
        f"Geïmporteerd: {applied.active} actief (met toestemming), {applied.pending} "
        f"wachten op bevestiging, {applied.confirmations} bevestigingsmails in de wachtrij. "
        f"Al aanwezig: {known}, overgeslagen{renamed}. "
        f"Foute regels overgeslagen: {len(checked.rejected)}."
    )
    return redirect(url_for("admin.subscribers"))
