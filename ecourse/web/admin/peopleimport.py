"""The CSV import page: check the whole file, show every rejected row, then apply."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
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
            course = db.session.get(Course, form.course.data)
            now = utcnow()
            applied = csvfiles.apply(
                checked.good, course, form.source.data, form.send_confirmations.data, now
            )
            detail = f"{course.slug}: {applied.active} actief, {applied.pending} wachtend"
            journal.record_admin_action(current_user.email, "people_import", detail, now)
            db.session.commit()
            flash(
                f"Geïmporteerd: {applied.active} actief (met toestemming), {applied.pending} "
                f"wachten op bevestiging, {applied.confirmations} bevestigingsmails in de "
                f"wachtrij, {len(checked.rejected)} regels overgeslagen."
            )
            return redirect(url_for("admin.subscribers"))
    refused = checked is not None and bool(checked.problem or checked.rejected or not checked.good)
    status = 400 if form.errors or refused else 200
    page = render_template(
        "admin/subscriber_import.html", form=form, checked=checked, section="people"
    )
    return page, status


def _may_apply(checked: csvfiles.Checked, skip_bad_rows: bool) -> bool:
    if checked.problem or not checked.good:
        return False
    return not checked.rejected or skip_bad_rows
