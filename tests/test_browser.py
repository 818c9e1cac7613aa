"""The learner's path in a real browser: Debian's chromium driven by Playwright, against
`ecourse serve` in its own process, with mail caught by a real SMTP server."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browserkit import ARTIFACTS, shoot
from tests.web import link_in

pytestmark = pytest.mark.browser


@pytest.mark.clock
def test_sign_up_confirm_from_email_and_open_the_lesson(server, smtp_server, browser):
    page = browser.new_page(
        viewport={"width": 390, "height": 844}, locale="nl-NL", timezone_id="Europe/Amsterdam"
    )
    page.goto(server)
    assert page.locator("h1").inner_text() == "Testcursus"
    page.get_by_label("Je e-mailadres").fill("browser@example.org")
    page.get_by_label("Je voornaam").fill("Bram")
    page.locator("#consent").check()
    shoot(page, ARTIFACTS / "signup.png", full_page=True)
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
    expect(page.get_by_role("heading", name="Oefening: Oefening bij Les nummer 1")).to_be_visible()
    shoot(page, ARTIFACTS / "lesson.png", full_page=True)
    subscriber_zone = page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    assert subscriber_zone == "Europe/Amsterdam"
