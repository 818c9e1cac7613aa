"""The `ecourse` command line, run as a user would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from ecourse.cli.main import main
from tests.factories import CourseWriter


@pytest.fixture
def env(settings, monkeypatch) -> dict:
    """The test's settings as ECOURSE_* variables, as an operator would set them."""
    for name, value in settings.items():
        monkeypatch.setenv(f"ECOURSE_{name}", str(value))
    return {f"ECOURSE_{name}": str(value) for name, value in settings.items()}


def run(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


def test_help_lists_every_command():
    result = run("--help")
    for command in ("init", "serve", "worker", "tick", "lessons", "timeline"):
        assert command in result.output
    assert "--now" in run("tick", "--help").output
    assert "--port" in run("serve", "--help").output


def _command_paths(group: click.Group, path: tuple[str, ...] = ()):
    """Every command under `group`, as the words a user types after `ecourse`."""
    for name, command in sorted(group.commands.items()):
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from _command_paths(command, (*path, name))


COMMAND_PATHS = [(), *_command_paths(main)]


def test_the_help_walk_reaches_nested_commands():
    assert {("lessons", "import"), ("lessons", "preview"), ("admin", "create")} <= set(
        COMMAND_PATHS
    )


@pytest.mark.parametrize("words", COMMAND_PATHS, ids=lambda words: " ".join(words) or "ecourse")
def test_every_command_has_a_help_with_a_description(words):
    result = run(*words, "--help")
    assert result.exit_code == 0, result.output
    usage, description = result.output.split("\n\n")[:2]
    assert usage.startswith("Usage: ")
    assert description.strip() and not description.lstrip().startswith("Options:")


def test_init_is_safe_to_run_again(env):
    first = run("init")
    assert first.exit_code == 0, first.output
    assert "created: course testcursus" in first.output
    second = run("init")
    assert second.exit_code == 0 and "unchanged: 3 lesson(s)" in second.output
    assert "created" not in second.output


@pytest.mark.clock
def test_lessons_import_dry_run_shows_the_reach_and_the_rule_is_kept(env, course_files, app):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from ecourse.core.db import db
    from ecourse.core.models import Lesson, LessonChange
    from tests.factories import enrolled, run_until

    now = datetime.now(UTC)
    enrolled("ver@example.org", now - timedelta(days=5))
    run_until(now - timedelta(days=5), now)  # past day 2 and 4: past a new day-1 lesson
    course_files.lesson("01b-nieuw", title="Nieuw", day=1)
    dry = run("lessons", "import", "--dry-run", str(course_files.root))
    assert dry.exit_code == 0, dry.output
    assert "created: testcursus/01b-nieuw (reaches 0 learner(s); 1 already past it: skip)" in (
        dry.output
    )
    assert "dry run: nothing was changed" in dry.output
    db.session.expire_all()
    assert db.session.scalar(select(Lesson).where(Lesson.slug == "01b-nieuw")) is None
    done = run("lessons", "import", "--late-rule", "send", str(course_files.root))
    assert "1 already past it: send" in done.output
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "01b-nieuw"))
    change = db.session.scalar(select(LessonChange).where(LessonChange.lesson_id == lesson.id))
    assert (lesson.late_rule, change.late_rule, change.already_past) == ("send", "send", 1)
    assert change.admin_email == "bestanden (ecourse lessons import)"


def test_lessons_import_refuses_a_broken_folder_and_says_why(env, course_files):
    run("init")
    course_files.lesson("09-kapot", title="", day=1)
    result = run("lessons", "import", str(course_files.root))
    assert result.exit_code == 1
    assert "09-kapot.md: title is missing" in result.output
    assert "nothing was imported" in result.output


@pytest.mark.clock
def test_tick_with_now_runs_a_course_without_waiting(env):
    run("init")
    from ecourse import create_app
    from ecourse.core.clock import utcnow
    from ecourse.engine import health
    from tests.factories import enrolled

    app = create_app()
    with app.app_context():
        enrolled("cli@example.org", utcnow())
        before = health.last_pass()
    result = run("tick", "--now", "2030-01-01T07:30:00+01:00")
    assert result.exit_code == 0
    assert "pass at 2030-01-01T06:30:00+00:00" in result.output
    assert "planned: 1 lesson(s) queued" in result.output
    assert "sent: 1," in result.output
    with app.app_context():  # a pretend pass is no sign of a live scheduler for /healthz
        assert health.last_pass() == before


def test_tick_warns_which_base_url_links_use_when_it_is_not_set(env, monkeypatch):
    run("init")
    monkeypatch.delenv("ECOURSE_BASE_URL")
    result = run("tick")
    assert result.exit_code == 0, result.output
    assert (
        "warning: ECOURSE_BASE_URL is not set, so links in emails use http://localhost:8000"
        in result.stderr
    )
    assert "ECOURSE_BASE_URL=https://" in result.stderr  # and how to set it
    assert "warning" not in result.stdout


def test_tick_with_a_base_url_and_no_real_mail_warns_about_nothing(env):
    run("init")
    result = run("tick")
    assert result.exit_code == 0 and result.stderr == ""


@pytest.mark.parametrize("backend", ["smtp", "postmark"])
def test_tick_warns_when_real_mail_would_carry_http_links(env, monkeypatch, backend):
    run("init")
    monkeypatch.setenv("ECOURSE_MAIL_BACKEND", backend)
    result = run("tick")
    assert result.exit_code == 0, result.output
    assert f"warning: mail goes out through {backend}, but links in emails use" in result.stderr
    assert (
        "http://ecourse.test; List-Unsubscribe should be an https URL (RFC 8058)" in result.stderr
    )
    monkeypatch.setenv("ECOURSE_BASE_URL", "https://cursus.example.org")
    assert run("tick").stderr == ""


def test_tick_rejects_a_time_without_offset(env):
    result = run("tick", "--now", "2030-01-01T07:30")
    assert result.exit_code == 2 and "UTC offset" in result.output


@pytest.mark.clock
def test_timeline_shows_sent_scheduled_and_skipped(env, course_files):
    run("init")
    from ecourse import create_app
    from ecourse.core.clock import utcnow
    from ecourse.worker.passes import run_pass
    from tests.factories import enrolled

    app = create_app()
    with app.app_context():
        now = utcnow()
        enrolled("tijd@example.org", now)
        run_pass(now)
    course_files.lesson("00-extra", title="Extra aan het begin", day=0)
    run("lessons", "import")
    result = run("timeline", "tijd@example.org")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "tijd@example.org: active"
    sent = next(line for line in lines if "Les nummer 1" in line)
    assert "sent" in sent and "@academie.test>" in sent
    scheduled = next(line for line in lines if "Les nummer 2" in line)
    assert "scheduled" in scheduled and "07:30 (Europe/Amsterdam)" in scheduled
    skipped = next(line for line in lines if "Extra aan het begin" in line)
    assert "skipped" in skipped and "passed its place" in skipped


def test_timeline_of_an_unknown_address_is_a_clear_error(env):
    run("init")
    result = run("timeline", "niemand@example.org")
    assert result.exit_code == 1 and "no subscriber with address" in result.output


def _drop_timezone(course_yml: Path) -> None:
    data = yaml.safe_load(course_yml.read_text(encoding="utf-8"))
    del data["timezone"]
    course_yml.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.clock
def test_timezone_setting_is_the_default_for_a_course_that_names_none(
    env, course_files, monkeypatch
):
    _drop_timezone(course_files.root / "course.yml")
    own = CourseWriter(course_files.root.parent / "eigen-zone")
    own.course(timezone="Asia/Tokyo")
    own.lesson("01-begin", title="Begin", day=0)
    monkeypatch.setenv("ECOURSE_TIMEZONE", "America/New_York")
    assert run("init").exit_code == 0
    from ecourse import create_app
    from ecourse.core.clock import utcnow
    from ecourse.worker.passes import run_pass
    from tests.factories import enrolled, the_course

    app = create_app()
    with app.app_context():
        assert the_course().timezone == "America/New_York"
        assert the_course("eigen-zone").timezone == "Asia/Tokyo"  # only a default
        now = utcnow()
        enrolled("zone@example.org", now)
        run_pass(now)
    result = run("timeline", "zone@example.org")
    scheduled = next(line for line in result.output.splitlines() if "Les nummer 2" in line)
    assert "07:30 (America/New_York)" in scheduled


def test_bad_setting_is_a_clear_usage_error(env, monkeypatch):
    monkeypatch.setenv("ECOURSE_SMTP_PORT", "vijf")
    result = run("tick")
    assert result.exit_code == 2 and "ECOURSE_SMTP_PORT" in result.output


def test_the_installed_console_script_runs(env):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "ecourse"), "--version"],
        capture_output=True,
        text=True,
        env=os.environ | env,
    )
    assert result.returncode == 0 and "version" in result.stdout


def test_init_after_an_upgrade_keeps_lessons_edited_in_the_web(env, admin_client, course_files):
    from tests.factories import the_course
    from tests.test_admin_lessons import lesson_fields, post_lesson

    url = "/admin/cursussen/testcursus/lessen/02-les-2"
    fields = lesson_fields(title="Les twee, herschreven", day="2", slug="02-les-2")
    saved = post_lesson(admin_client, url, step="save", **fields)
    assert saved.status_code == 302, saved.text
    again = run("init")
    assert again.exit_code == 0 and "unchanged: 3 lesson(s)" in again.output
    assert "Les twee, herschreven" in _titles(the_course())
    course_files.lesson("02-les-2", title="Les twee uit het bestand", day=2)  # the file changes
    changed = run("init")
    assert "edited: testcursus/02-les-2" in changed.output
    from ecourse.core.db import db

    db.session.expire_all()
    assert "Les twee uit het bestand" in _titles(the_course())


def _titles(course) -> list[str]:
    return [lesson.title for lesson in course.lessons]
