"""The pasted snippet in a real browser: the academy's page on one origin, `ecourse serve`
on another, Debian's chromium in between, and mail caught by a real SMTP server."""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from ecourse.core.db import db
from ecourse.core.models import Consent, Subscriber
from ecourse.web.snippet import snippet_for
from tests.browserkit import ARTIFACTS, shoot
from tests.factories import the_course
from tests.smtpserver import free_port

pytestmark = pytest.mark.browser
MIN_SECONDS = 2


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (the standard library's name)
        pass


@pytest.fixture
def academy_port() -> int:
    return free_port()


@pytest.fixture
def settings(settings, academy_port):
    return settings | {
        "EMBED_ORIGINS": f"http://127.0.0.1:{academy_port}",
        "SIGNUP_MIN_SECONDS": str(MIN_SECONDS),
    }


@pytest.fixture
def academy(app, server, academy_port, tmp_path):
    """The academy's own site: one static page with the snippet pasted into it."""
    app.config["ECOURSE"]["BASE_URL"] = server  # the snippet posts to the running server
    site = tmp_path / "academie"
    site.mkdir()
    (site / "index.html").write_text(
        '<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Academie</title>'
        f"</head><body><h1>De academie</h1>{snippet_for(the_course())}</body></html>",
        encoding="utf-8",
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", academy_port), partial(QuietHandler, directory=site))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{academy_port}/"
    httpd.shutdown()
    httpd.server_close()


def fill_in(page, email: str) -> None:
    page.get_by_label("Je e-mailadres").fill(email)
    page.get_by_label("Je voornaam").fill("Fenna")
    page.get_by_label("Ja, stuur mij de gratis e-cursus").check()


def subscribers() -> int:
    db.session.rollback()  # see what the server process committed
    return db.session.scalar(select(func.count()).select_from(Subscriber))


@pytest.mark.clock
def test_a_visitor_signs_up_on_the_academys_page(academy, smtp_server, browser):
    page = browser.new_page(locale="nl-NL", timezone_id="Europe/Brussels")
    page.goto(academy)
    fill_in(page, "fenna@example.org")
    page.wait_for_timeout(MIN_SECONDS * 1000 + 300)  # a person takes a moment
    shoot(page, ARTIFACTS / "embed-snippet.png", full_page=True)
    page.get_by_role("button", name="Stuur mij de eerste les").click()
    page.wait_for_url("**/aangemeld")
    assert page.locator("h1").inner_text() == "Kijk in je mailbox"
    (received,) = smtp_server.wait_for(1)
    assert received.message["To"] == "fenna@example.org"
    db.session.rollback()  # see what the server process committed
    subscriber = db.session.scalar(select(Subscriber))
    assert (subscriber.first_name, subscriber.timezone) == ("Fenna", "Europe/Brussels")
    assert db.session.scalar(select(Consent.source_url)) == academy  # the page, from Referer


@pytest.mark.clock
def test_a_visitor_who_sends_at_once_finishes_on_our_own_page(academy, smtp_server, browser):
    page = browser.new_page()
    page.goto(academy)
    fill_in(page, "haast@example.org")
    page.get_by_role("button", name="Stuur mij de eerste les").click()  # autofill and a tap
    page.wait_for_url("**/aanmelden/testcursus")
    expect(page.locator("#nog-een-stap")).to_be_focused()
    assert page.get_by_label("Je e-mailadres").input_value() == "haast@example.org"
    expect(page.locator("#consent")).to_be_checked()
    assert subscribers() == 0  # nothing yet, but nothing lost: one click more
    shoot(page, ARTIFACTS / "embed-fast-submit-one-click-more.png", full_page=True)
    page.wait_for_timeout(MIN_SECONDS * 1000 + 300)  # a person's look before the click
    page.get_by_role("button", name="Stuur mij de eerste les").click()
    page.wait_for_url("**/aangemeld")
    expect(page.locator("#sent-to")).to_have_text("haast@example.org")
    (received,) = smtp_server.wait_for(1)
    assert received.message["To"] == "haast@example.org"


@pytest.mark.clock
def test_without_javascript_the_visitor_finishes_on_our_own_page(academy, smtp_server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(academy)
    fill_in(page, "zonderjs@example.org")
    page.get_by_role("button", name="Stuur mij de eerste les").click()
    page.wait_for_url("**/aanmelden/testcursus")
    assert "Nog één stap" in page.content()
    assert page.get_by_label("Je e-mailadres").input_value() == "zonderjs@example.org"
    expect(page.locator("#consent")).to_be_checked()
    shoot(page, ARTIFACTS / "embed-finish-here.png", full_page=True)
    page.wait_for_timeout(MIN_SECONDS * 1000 + 300)
    page.get_by_role("button", name="Stuur mij de eerste les").click()
    page.wait_for_url("**/aangemeld")
    (received,) = smtp_server.wait_for(1)
    assert received.message["To"] == "zonderjs@example.org"
    context.close()


@pytest.mark.clock
def test_the_academys_own_script_can_call_the_api(academy, server, smtp_server, browser):
    page = browser.new_page()
    page.goto(academy)
    status, answer = page.evaluate(
        """async (url) => {
            const response = await fetch(url, {
                method: "POST",
                headers: {"Content-Type": "application/json"},
                body: JSON.stringify({email: "script@example.org", consent: true, elapsed_ms: 4000}),
            });
            return [response.status, await response.json()];
        }""",
        f"{server}/api/v1/signups",
    )
    assert (status, answer) == (202, {"status": "check_your_email"})
    (received,) = smtp_server.wait_for(1)
    assert received.message["To"] == "script@example.org"
