"""Lessons per course: the list with its numbers, the editor, and the reach step.

A draft that stays a draft reaches nobody, so the editor's plain "Opslaan" saves it in one
step and the editor stays open. Anything that reaches learners (publishing, changing or
taking back a published lesson) takes two: the editor's "Controleren" shows the reach preview
(who gets the lesson, when, and who is already past its place), and only the button on that
page saves, with the rule the admin chose for learners past it.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ecourse.content import changes, media
from ecourse.content.courses import course_by_slug
from ecourse.core.clock import utcnow
from ecourse.core.db import db
from ecourse.core.models import Course, Lesson, LessonChange
from ecourse.learners import lessonchanges as editing
from ecourse.learners import reach
from ecourse.web.admin.forms import AudioForm, AudioRemoveForm, LessonForm, MoveForm
from ecourse.web.admin.numbers import lesson_counts
from ecourse.web.admin.routes import bp


def course_or_404(slug: str) -> Course:
    course = course_by_slug(slug)
    if course is None:
        abort(404)
    return course


def lesson_or_404(course: Course, slug: str) -> Lesson:
    lesson = next((each for each in course.lessons if each.slug == slug), None)
    if lesson is None:
        abort(404)
    return lesson


@bp.get("/cursussen")
def courses():
    found = list(db.session.scalars(select(Course).order_by(Course.id)))
    if len(found) == 1:
        return redirect(url_for("admin.course", slug=found[0].slug))
    return render_template("admin/courses.html", courses=found, section="lessons")


@bp.get("/cursussen/<slug>")
def course(slug: str):
    course = course_or_404(slug)
    lessons = sorted(course.lessons, key=lambda lesson: lesson.order_key)
    changes = db.session.scalars(
        select(LessonChange)
        .join(Lesson)
        .where(Lesson.course_id == course.id)
        .order_by(LessonChange.id.desc())
        .limit(10)
    )
    return render_template(
        "admin/course.html",
        course=course,
        lessons=lessons,
        counts=lesson_counts(course.id),
        changes=list(changes),
        move_form=MoveForm(),
        section="lessons",
    )


@bp.route("/cursussen/<slug>/lessen/nieuw", methods=["GET", "POST"])
def new_lesson(slug: str):
    course = course_or_404(slug)
    form = LessonForm()
    if request.method == "GET":
        form.day.data = max((lesson.day for lesson in course.lessons), default=-2) + 2
    return _edit(course, None, form)


@bp.route("/cursussen/<slug>/lessen/<lesson_slug>", methods=["GET", "POST"])
def edit_lesson(slug: str, lesson_slug: str):
    course = course_or_404(slug)
    lesson = lesson_or_404(course, lesson_slug)
    form = LessonForm(obj=lesson if request.method == "GET" else None)
    if request.method == "GET":
        # A new lesson starts from "skip"; an existing one from the rule in force, so a
        # plain text edit never silently takes back a lesson promised to those past it.
        form.late_rule.data = lesson.late_rule
    return _edit(course, lesson, form)


def _edit(course: Course, lesson: Lesson | None, form: LessonForm):
    """The editor; then (step "draft") a draft saved at once, or (step "check") the reach
    page, then (step "save") saving."""
    step = request.form.get("step", "edit")
    draft = draft_from_form(course, lesson, form) if form.validate_on_submit() else None
    if draft is None or step not in ("draft", "check", "save"):
        return _editor(course, lesson, form)
    if step == "draft" and changes.reaches_nobody(lesson, draft):
        return _save_draft(course, lesson, draft, form.late_rule.data)
    found = reach.preview(course.id, course.lessons, draft, utcnow())
    if step in ("draft", "check"):
        # A plain "Opslaan" of a lesson that reaches learners shows its reach first, too.
        return render_template(
            "admin/reach.html",
            course=course,
            lesson=lesson,
            form=form,
            draft=draft,
            reach=found,
            asked_plain_save=step == "draft",
            section="lessons",
        )
    change = editing.Change(lesson, draft, form.late_rule.data, found)
    saved = editing.save(course, [change], current_user.email, utcnow())
    flash(f"Les opgeslagen: {saved.change.detail}.")
    return redirect(url_for("admin.course", slug=course.slug))


def _save_draft(course: Course, lesson: Lesson | None, draft: reach.LessonDraft, rule: str):
    """Save a draft in one step (nobody receives a draft), then back to its editor."""
    change = editing.Change(lesson, draft, rule or "skip", reach.Reach())
    saved = editing.save(course, [change], current_user.email, utcnow())
    flash("Concept opgeslagen. Niemand krijgt deze les tot je hem publiceert.")
    return redirect(url_for("admin.edit_lesson", slug=course.slug, lesson_slug=saved.lesson.slug))


def _editor(course: Course, lesson: Lesson | None, form: LessonForm):
    """The editor. Shown again after a POST (a form with problems, "Terug naar bewerken"),
    it holds text that was never saved: the page then warns before it is left."""
    return editor_page(course, lesson, form, unsaved=request.method == "POST")


def editor_page(course, lesson, form: LessonForm, unsaved: bool, audio_form=None):
    """The editor page, with its lesson's audio guide (`audio`) and the form to upload one
    (`audio_form`, holding the refusal of an upload that was not kept)."""
    audio_form = audio_form or AudioForm()
    status = 400 if form.errors or audio_form.errors else 200
    page = render_template(
        "admin/lesson_edit.html",
        course=course,
        lesson=lesson,
        form=form,
        unsaved=unsaved,
        plain_save=changes.reaches_nobody(lesson, SimpleNamespace(status=form.status.data)),
        audio=media.audio_facts(lesson.id) if lesson else None,
        audio_form=audio_form,
        remove_form=AudioRemoveForm(),
        max_audio_mb=current_app.config["ECOURSE"]["MAX_AUDIO_MB"],
        section="lessons",
    )
    return page, status


def draft_from_form(
    course: Course, lesson: Lesson | None, form: LessonForm
) -> reach.LessonDraft | None:
    values = {name: getattr(form, name).data for name in reach.LESSON_FIELDS if name != "slug"}
    values["exercise_minutes"] = values["exercise_minutes"] or 5
    if lesson is not None:
        return reach.LessonDraft.of(lesson, **values)
    slug = form.slug.data or _slug_for(course, form.day.data, form.title.data)
    if any(each.slug == slug for each in course.lessons):
        form.slug.errors = [*form.slug.errors, f"Deze cursus heeft al een les {slug}."]
        return None
    return reach.LessonDraft.of(None, slug=slug, **values)


def _slug_for(course: Course, day: int, title: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "les"
    number = len([each for each in course.lessons if each.day <= day]) + 1
    return f"{number:02d}-{words}"


@bp.post("/cursussen/<slug>/lessen/<lesson_slug>/verplaats")
def move_lesson(slug: str, lesson_slug: str):
    """Move a lesson one place up or down: it exchanges days with its neighbour."""
    course = course_or_404(slug)
    lesson = lesson_or_404(course, lesson_slug)
    form = MoveForm()
    if not form.validate_on_submit() or form.direction.data not in ("up", "down"):
        abort(400)
    neighbour = _neighbour(course, lesson, form.direction.data)
    if neighbour is None:
        flash("Deze les staat al helemaal bovenaan of onderaan.")
        return redirect(url_for("admin.course", slug=slug))
    earlier, later = (lesson, neighbour) if form.direction.data == "up" else (neighbour, lesson)
    if earlier.day == later.day:
        flash("Deze lessen hebben dezelfde dag; pas de dag aan in de les zelf.")
        return redirect(url_for("admin.course", slug=slug))
    moving_up, moving_down = editing.swap_days(earlier, later)
    now = utcnow()
    up_reach = reach.preview(course.id, course.lessons, moving_up, now)
    down_reach = reach.preview(course.id, course.lessons, moving_down, now)
    if form.confirmed.data != "yes":
        form.confirmed.data = "yes"
        return render_template(
            "admin/move.html",
            course=course,
            form=form,
            lesson=lesson,
            up=moving_up,
            down=moving_down,
            reach=up_reach,
            down_reach=down_reach,
            section="lessons",
        )
    changes = [
        editing.Change(earlier, moving_up, form.late_rule.data, up_reach),
        editing.Change(later, moving_down, later.late_rule, down_reach),
    ]
    editing.save(course, changes, current_user.email, now)
    flash(f"Verplaatst: {earlier.title} komt nu op dag {moving_up.day}.")
    return redirect(url_for("admin.course", slug=slug))


def _neighbour(course: Course, lesson: Lesson, direction: str) -> Lesson | None:
    ordered = sorted(course.lessons, key=lambda each: each.order_key)
    index = ordered.index(lesson) + (-1 if direction == "up" else 1)
    return ordered[index] if 0 <= index < len(ordered) else None
