"""The learner's path in a real browser: Debian's chromium driven by Playwright, against
`ecourse serve` in its own process, with mail caught by a real SMTP server."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.factories import process_environment
from tests.smtpserver import free_port
from tests.web import link_in

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = pytest.mark.browser


@pytest.fixture
def server(settings, smtp_server, app):
    """`ecourse serve` on a free port, sharing the test's database and lessons."""
    port = free_port()
    env = process_environment(settings | smtp_server.settings)
    # No ECOURSE_BASE_URL: `serve` must put its own port into emailed links.
    env.pop("ECOURSE_BASE_URL")
    env["ECOURSE_TICK_SECONDS"] = "3600"  # only the wake-up can make mail leave quickly
    process = subprocess.Popen(
        [sys.executable, "-m", "ecourse", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    _wait_until_up(base, process)
    yield base
    process.terminate()
    output = process.communicate(timeout=10)[0]
    assert "Traceback" not in output, output


def _wait_until_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"ecourse serve exited:\n{process.stdout.read()}")
        try:
            requests.get(base, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError("ecourse serve did not start within 30 s")


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    assert shutil.which(CHROMIUM), "Debian's chromium is needed: apt-get install chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def test_sign_up_confirm_from_email_and_open_the_lesson(server, smtp_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(
        viewport={"width": 390, "height": 844}, locale="nl-NL", timezone_id="Europe/Amsterdam"
    )
    page.goto(server)
    assert page.locator("h1").inner_text() == "Testcursus"
    page.get_by_label("Je e-mailadres").fill("browser@example.org")
    page.get_by_label("Je voornaam").fill("Bram")
    page.locator("#consent").check()
    page.screenshot(path=str(ARTIFACTS / "signup.png"), full_page=True)
    page.get_by_role("button", name="Stuur mij de eerste les").click()
    page.wait_for_url("**/aangemeld")
    assert "Kijk in je mailbox" in page.content()

    confirmation = smtp_server.wait_for(1)[0].message  # the wake-up sends it within seconds
    page.goto(link_in(confirmation.get_body(("plain",)).get_content(), "/bevestig/"))
    page.get_by_role("button", name="Ja, ik meld me aan").click()
    assert page.locator("h1").inner_text() == "Welkom!"

    lesson_mail = smtp_server.wait_for(2)[1].message
    assert lesson_mail["Subject"] == "Les 1: Les nummer 1"
    html = lesson_mail.get_body(("html",)).get_content()
    page.goto(link_in(html, "/l/"))
    emailed_base = server.replace("127.0.0.1", "localhost")
    assert page.url == f"{emailed_base}/les/testcursus/01-les-1"  # the token is gone
    assert page.locator("h1").inner_text() == "Les nummer 1"
    assert page.get_by_role("heading", name="Oefening: Oefening bij Les nummer 1").is_visible()
    page.screenshot(path=str(ARTIFACTS / "lesson.png"), full_page=True)
    subscriber_zone = page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    assert subscriber_zone == "Europe/Amsterdam"
