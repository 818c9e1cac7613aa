"""The `ecourse` command line, run as a user would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ecourse.cli import main


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


def test_init_is_safe_to_run_again(env):
    first = run("init")
    assert first.exit_code == 0, first.output
    assert "created: course testcursus" in first.output
    second = run("init")
    assert second.exit_code == 0 and "unchanged: 3 lesson(s)" in second.output
    assert "created" not in second.output


def test_lessons_import_refuses_a_broken_folder_and_says_why(env, course_files):
    run("init")
    course_files.lesson("09-kapot", title="", day=1)
    result = run("lessons", "import", str(course_files.root))
    assert result.exit_code == 1
    assert "09-kapot.md: title is missing" in result.output
    assert "nothing was imported" in result.output


def test_tick_with_now_runs_a_course_without_waiting(env):
    run("init")
    from ecourse import create_app
    from ecourse.passes import utcnow
    from tests.factories import enrolled

    app = create_app()
    with app.app_context():
        enrolled("cli@example.org", utcnow())
    result = run("tick", "--now", "2030-01-01T07:30:00+01:00")
    assert result.exit_code == 0
    assert "pass at 2030-01-01T06:30:00+00:00" in result.output
    assert "planned: 1 lesson(s) queued" in result.output
    assert "sent: 1," in result.output


def test_tick_rejects_a_time_without_offset(env):
    result = run("tick", "--now", "2030-01-01T07:30")
    assert result.exit_code == 2 and "UTC offset" in result.output


def test_timeline_shows_sent_scheduled_and_skipped(env, course_files):
    run("init")
    from ecourse import create_app
    from ecourse.passes import run_pass, utcnow
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
