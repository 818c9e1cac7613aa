"""Signing up fast (autofill and a tap) and the "check your email" page, in chromium on a
phone and a desktop, against `ecourse serve` with the time trap on and a real SMTP server."""

from __future__ import annotations

import time
from email.utils import parseaddr

import pytest
from playwright.sync_api import expect

from tests.accessibility import assert_accessible
from tests.browserkit import ARTIFACTS, shoot

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
# Long enough that a browser on a loaded machine (the clock sweep) still fills and sends the
# form "at once", short enough for the tests that then wait like a person.
MIN_SECONDS = 6
SEND = "Stuur mij de eerste les"


@pytest.fixture
def settings(settings):
    return settings | {"SIGNUP_MIN_SECONDS": str(MIN_SECONDS)}


def look(page, size: str, name: str) -> None:
    """Check the page as it is now: accessible, no sideways scrolling, and a screenshot."""
    assert_accessible(page, f"{size}/{name}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{name} scrolls sideways on the {size}"
    shoot(page, ARTIFACTS / f"signup-{size}-{name}.png", full_page=True)


def a_person_reads_and_clicks(page, shown: float) -> None:
    """The time trap counts from when the form was first shown (`shown`, taken once the page
    had come, so after its stamp): a person's pause, of which reading the page is a part."""
    rest = shown + MIN_SECONDS + 0.3 - time.monotonic()
    if rest > 0:
        page.wait_for_timeout(rest * 1000)
    page.get_by_role("button", name=SEND).click()


@pytest.mark.clock
@pytest.mark.parametrize("size", VIEWPORTS)
def test_a_fast_sign_up_is_kept_and_a_wrong_address_corrected(size, server, smtp_server, browser):
    page = browser.new_page(viewport=VIEWPORTS[size], locale="nl-NL")
    page.goto(server)
    shown = time.monotonic()
    typo = f"noor.{size}@exmaple.org"
    page.get_by_label("Je e-mailadres").fill(typo)  # autofill, then a tap at once
    page.get_by_label("Je voornaam").fill("Noor")
    page.locator("#consent").check()
    page.get_by_role("button", name=SEND).click()

    notice = page.locator("#nog-een-stap")
    expect(notice).to_contain_text("Nog één stap.")
    expect(notice).to_be_focused()
    expect(notice).to_be_in_viewport()  # on a phone too, below the course's text
    expect(page.get_by_label("Je e-mailadres")).to_have_value(typo)
    expect(page.get_by_label("Je voornaam")).to_have_value("Noor")
    expect(page.locator("#consent")).to_be_checked()
    look(page, size, "fast-submit-one-click-more")
    a_person_reads_and_clicks(page, shown)  # the form shown again keeps its first stamp

    page.wait_for_url("**/aangemeld")
    (first,) = smtp_server.wait_for(1)
    sender_name, sender_address = parseaddr(first.message["From"])
    assert first.message["To"] == typo and sender_name
    expect(page.locator("#sent-to")).to_have_text(typo)
    expect(page.locator("#sent-by")).to_have_text(sender_name)
    expect(page.get_by_text(sender_address)).to_be_visible()
    look(page, size, "check-your-email")

    page.get_by_role("link", name="Verkeerd adres? Pas het aan").click()
    field = page.get_by_label("Je e-mailadres")
    expect(field).to_have_value(typo)
    shown = time.monotonic()
    expect(field).to_be_focused()
    expect(page.get_by_label("Je voornaam")).to_have_value("Noor")
    look(page, size, "wrong-address-form")
    right = f"noor.{size}@example.org"
    field.fill(right)
    page.locator("#consent").check()
    a_person_reads_and_clicks(page, shown)

    page.wait_for_url("**/aangemeld")
    expect(page.locator("#sent-to")).to_have_text(right)
    look(page, size, "check-your-email-corrected")
    assert smtp_server.wait_for(2)[1].message["To"] == right
