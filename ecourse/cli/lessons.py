"""`ecourse lessons …`: import lessons from files (with their reach), preview their emails."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

from ecourse.cli.app import with_app
from ecourse.core.clock import utcnow
from ecourse.core.statuses import LateRule

WHO = "bestanden (ecourse lessons import)"


@click.group("lessons")
def lessons_group() -> None:
    """Manage lessons kept as files."""


@lessons_group.command("import")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--late-rule",
    type=click.Choice([rule.value for rule in LateRule]),
    default=LateRule.SKIP.value,
    show_default=True,
    help="For learners already past the place of a new, published or moved lesson: "
    "skip it, or send it at their next send time.",
)
@click.option("--dry-run", is_flag=True, help="Check and show the reach; change nothing.")
@with_app
def import_command(app: Flask, path: Path | None, late_rule: str, dry_run: bool) -> None:
    """Import or update lessons from PATH (a lessons folder or one course folder).

    Default: ECOURSE_LESSONS_DIR, or the project's lessons/. Idempotent: unchanged lessons
    are left alone. A folder with any broken file is refused whole. Every change is
    recorded with who it reaches, like a change saved in the admin's editor.
    """
    import_and_report(path, late_rule, apply=not dry_run)
    warn_about_readiness()
    if dry_run:
        click.echo("dry run: nothing was changed")


@lessons_group.command("preview")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--course", "slug", help="Course slug (default: the first course).")
@with_app
def preview_command(app: Flask, folder: Path, slug: str | None) -> None:
    """Render every lesson email (text and HTML) into FOLDER, to read before sending."""
    from ecourse.cli.previews import render_course
    from ecourse.content.courses import course_by_slug, default_course

    course = course_by_slug(slug) if slug else default_course()
    if course is None:
        raise click.ClickException("no such course; run `ecourse init` first")
    for path in render_course(course, folder, utcnow()):
        click.echo(f"wrote {path}")


def import_and_report(
    path: Path | None, late_rule: str = LateRule.SKIP, apply: bool = True
) -> None:
    """Import the lessons (the default folder when `path` is None) and say what changed."""
    from ecourse.content.catalog import ImportRefused
    from ecourse.learners.lessonchanges import import_files

    folder = path or lessons_folder()
    zone = current_app.config["ECOURSE"]["TIMEZONE"]
    most = current_app.config["ECOURSE"]["MAX_AUDIO_MB"]
    try:
        report, imported = import_files(
            folder, zone, late_rule, WHO, utcnow(), apply=apply, max_audio_mb=most
        )
    except ImportRefused as refused:
        for problem in refused.problems:
            click.echo(f"problem: {problem}", err=True)
        raise click.ClickException("nothing was imported; fix the problems above") from None
    for change in imported:
        reach = f"reaches {change.will_reach} learner(s)"
        if change.already_past:
            reach += f"; {change.already_past} already past it: {change.rule}"
        click.echo(f"{change.action}: {change.name} ({reach})")
    for label, names in (("created", report.created), ("updated", report.updated)):
        for name in names:
            if name.startswith("course "):
                click.echo(f"{label}: {name}")
    for name in report.media:
        click.echo(f"media added or replaced: {name}")
    click.echo(f"unchanged: {len(report.unchanged)} lesson(s)")
    for name in report.not_in_files:
        click.echo(f"left alone (in the database, not in the files): {name}")


def warn_about_readiness() -> None:
    """A warning on stderr (never an error) for each course not ready for real learners:
    an invitation link that is empty or a placeholder, or lessons that ask for a reply
    with nowhere for it to go (`ecourse.content.readiness`)."""
    from sqlalchemy import select

    from ecourse.content import readiness
    from ecourse.core.db import db
    from ecourse.core.models import Course

    fallback = current_app.config["ECOURSE"]["REPLY_TO"]
    for course in db.session.scalars(select(Course).order_by(Course.id)):
        if readiness.invitation_missing(course):
            shown = course.cta_url or "empty"
            _warn(
                f"course {course.slug}: the invitation link (call_to_action.url in course.yml) "
                f"is a placeholder ({shown}); set the academy's real page before real people "
                "reach the last lesson"
            )
        if readiness.reply_address_missing(course, fallback):
            _warn(
                f"course {course.slug}: its lessons ask for an answer, but replies have no "
                "address: set reply_to in course.yml or ECOURSE_REPLY_TO"
            )


def _warn(text: str) -> None:
    click.echo(f"warning: {text}", err=True)


def lessons_folder() -> Path:
    from ecourse.core.resources import bundled

    configured = current_app.config["ECOURSE"]["LESSONS_DIR"]
    return Path(configured) if configured else bundled("lessons")
