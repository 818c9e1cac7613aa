"""`ecourse worker` as a real process, and the wheel a non-editable install gets."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from ecourse.passes import utcnow
from tests.factories import process_environment, sign_up

ROOT = Path(__file__).resolve().parent.parent


def test_worker_process_sends_what_is_queued(settings, smtp_server, app):
    sign_up("worker@example.org", utcnow())
    env = process_environment(settings | smtp_server.settings)
    worker = subprocess.Popen(
        [sys.executable, "-m", "ecourse", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        (received,) = smtp_server.wait_for(1, timeout=30)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=10)[0]
    assert received.rcpt_tos == ["worker@example.org"], output
    assert "worker: a pass every 60 s" in output


def test_wheel_carries_lessons_templates_and_migrations(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
    )
    (wheel,) = tmp_path.glob("ecourse-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "ecourse/_bundled/lessons/README.md",
        "ecourse/_bundled/email_templates/lesson/body.html",
        "ecourse/_bundled/email_templates/base.txt",
        "ecourse/_bundled/migrations/env.py",
        "ecourse/_bundled/migrations/versions/0001_initial_schema.py",
        "ecourse/templates/learn/lesson.html",
        "ecourse/static/style.css",
    }
    assert expected <= names, expected - names
    assert any(
        name.startswith("ecourse/_bundled/lessons/") and name.endswith("course.yml")
        for name in names
    )
