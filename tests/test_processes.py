"""`ecourse serve` and `ecourse worker` as real processes, and what a non-editable install
gets from the wheel."""

from __future__ import annotations

import html
import sqlite3
import subprocess
import sys
import time
import zipfile
from contextlib import closing
from pathlib import Path

import pytest
import requests
import yaml

from ecourse.content import lessonfiles
from ecourse.core.clock import utcnow
from tests.factories import process_environment, sign_up
from tests.smtpserver import free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.clock
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


class Started:
    """An `ecourse` command running in its own process, its output going to files.

    Files rather than pipes, so a test can wait for a line with a deadline instead of
    blocking on a read that may never return.
    """

    def __init__(self, args: list[str], env: dict, folder: Path, cwd: Path | None = None):
        self.stdout_path, self.stderr_path = folder / "stdout.txt", folder / "stderr.txt"
        with self.stdout_path.open("w") as out, self.stderr_path.open("w") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ecourse", *args], env=env, cwd=cwd, stdout=out, stderr=err
            )

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text()

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def wait_for_output(self, text: str, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while text not in self.stdout:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"no {text!r}:\n{self.stdout}\n{self.stderr}")
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def test_worker_warns_when_links_would_use_the_default_base_url(settings, tmp_path):
    env = process_environment(settings, MAIL_BACKEND="outbox")
    env.pop("ECOURSE_BASE_URL")
    worker = Started(["worker"], env, tmp_path)
    try:
        worker.wait_for_output("worker: a pass every")
    finally:
        worker.stop()
    assert (
        "warning: ECOURSE_BASE_URL is not set, so links in emails use http://localhost:8000"
        in worker.stderr
    )


@pytest.mark.parametrize(
    "command",
    [["worker"], ["serve", "--host", "0.0.0.0"], ["serve", "--host", "127.0.0.1", "proxy"]],
    ids=["worker", "serve-for-everyone", "serve-behind-a-proxy"],
)
def test_real_mail_without_a_base_url_is_refused_in_one_line(settings, tmp_path, command):
    # `serve` on loopback may (links to localhost work there), unless a proxy is in front.
    proxy = {"TRUST_PROXY": "true"} if "proxy" in command else {}
    env = process_environment(settings, MAIL_BACKEND="smtp", SMTP_PORT=free_port(), **proxy)
    env.pop("ECOURSE_BASE_URL")
    args = [part for part in command if part != "proxy"]
    args += ["--port", str(free_port())] if args[0] == "serve" else []
    done = subprocess.run(
        [sys.executable, "-m", "ecourse", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "Error: mail goes out through smtp, but ECOURSE_BASE_URL is not set, so emailed links "
        "would not reach learners; set it to the site's address, like "
        "ECOURSE_BASE_URL=https://cursus.example.org"
    ]
    assert "ecourse on" not in done.stdout and "worker:" not in done.stdout


def test_serve_warns_when_real_mail_would_carry_http_links(settings, tmp_path):
    port = free_port()
    env = process_environment(
        settings, MAIL_BACKEND="smtp", SMTP_PORT=free_port(), BASE_URL=f"http://localhost:{port}"
    )
    serve = Started(["serve", "--port", str(port)], env, tmp_path)
    try:
        serve.wait_for_output("ecourse on http://")
    finally:
        serve.stop()
    assert f"links in emails use http://localhost:{port}; List-Unsubscribe" in serve.stderr


def _get_when_up(url: str, started: Started) -> requests.Response:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if started.process.poll() is not None:
            raise AssertionError(f"ecourse serve exited:\n{started.stdout}\n{started.stderr}")
        try:
            return requests.get(url, timeout=5)
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError("ecourse serve did not start within 30 s")


def test_serve_on_an_empty_data_folder_creates_the_database_and_imports_lessons(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    port = free_port()
    # Only the data folder: the fresh machine of the README, on every default.
    serve = Started(
        ["serve", "--port", str(port)],
        process_environment({}, DATA_DIR=data),
        tmp_path,
        cwd=tmp_path,
    )
    try:
        page = _get_when_up(f"http://127.0.0.1:{port}/", serve)
    finally:
        serve.stop()
    course = yaml.safe_load((ROOT / "lessons/lichaam-en-hechting/course.yml").read_text())
    assert page.status_code == 200
    assert html.escape(course["title"]) in page.text
    assert (data / "ecourse.sqlite3").is_file() and (data / "secret_key").is_file()
    assert "created: course lichaam-en-hechting" in serve.stdout
    assert "Traceback" not in serve.stderr and "warning:" not in serve.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The project built as a wheel, once for the tests that look inside or install it."""
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(ROOT)],
        check=True,
    )
    (built,) = folder.glob("ecourse-*.whl")
    return built


def test_wheel_carries_lessons_templates_and_migrations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "ecourse/_bundled/lessons/README.md",
        "ecourse/_bundled/email_templates/lesson/body.html",
        "ecourse/_bundled/email_templates/base.txt",
        "ecourse/_bundled/migrations/env.py",
        "ecourse/_bundled/migrations/versions/0001_initial_schema.py",
        "ecourse/templates/learn/lesson.html",
        "ecourse/static/style.css",
        "ecourse/translations/en/LC_MESSAGES/messages.mo",  # compiled and committed
    }
    assert expected <= names, expected - names
    assert any(
        name.startswith("ecourse/_bundled/lessons/") and name.endswith("course.yml")
        for name in names
    )


def _run_installed(site: Path, cwd: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    """Python with only `site` in front of the virtualenv: the checkout is out of reach."""
    result = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env | {"PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.mark.slow
def test_a_non_editable_install_initialises_from_its_own_copies(wheel, tmp_path):
    site, elsewhere, data = tmp_path / "site", tmp_path / "elsewhere", tmp_path / "data"
    install = ["install", "-q", "--no-deps", "--target", str(site), str(wheel)]
    subprocess.run([sys.executable, "-m", "pip", *install], check=True)
    elsewhere.mkdir()
    env = process_environment({}, DATA_DIR=data)
    _run_installed(site, elsewhere, env, "-m", "ecourse", "init")
    where = _run_installed(
        site,
        elsewhere,
        env,
        "-c",
        "import ecourse, ecourse.core.resources as r; print(ecourse.__file__); print(r.bundled('lessons'))",
    )
    package_file, lessons = where.stdout.split()
    assert Path(package_file) == site / "ecourse" / "__init__.py"
    assert Path(lessons) == site / "ecourse" / "_bundled" / "lessons"
    with closing(sqlite3.connect(data / "ecourse.sqlite3")) as connection:
        slugs = sorted(row[0] for row in connection.execute("SELECT slug FROM lesson"))
    lesson_files = ROOT.glob("lessons/*/*.md")
    assert slugs == sorted(p.stem for p in lesson_files if p.name not in lessonfiles.NOT_LESSONS)
    assert len(slugs) == 7
