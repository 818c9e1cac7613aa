"""The academy's name and footer, and the privacy statement, in chromium on a phone and a
desktop against `ecourse serve`: the landing page, "check your email", the privacy page and a
page that does not exist all name the academy and link to its site and privacy statement."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.accessibility import assert_accessible
from tests.browserkit import ARTIFACTS, shoot

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
ACADEMY_SITE = "https://academie.test/"


@pytest.fixture
def settings(settings):
    return settings | {"ACADEMY_URL": ACADEMY_SITE, "FORGET_UNCONFIRMED_DAYS": "21"}


def look(page, size: str, name: str) -> None:
    """The academy in the header and footer, accessible, no sideways scrolling; a screenshot."""
    expect(page.locator("header.site .brand")).to_have_text("Academie Test")
    footer = page.locator("footer.site")
    expect(footer.get_by_role("link", name="Academie Test")).to_have_attribute("href", ACADEMY_SITE)
    expect(footer.get_by_role("link", name="Privacy")).to_have_attribute("href", "/privacy")
    assert "Academie Test" in page.title()
    assert_accessible(page, f"{size}/{name}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{name} scrolls sideways on the {size}"
    shoot(page, ARTIFACTS / f"brand-{size}-{name}.png", full_page=True)


@pytest.mark.clock
@pytest.mark.parametrize("size", VIEWPORTS)
def test_every_page_names_the_academy_and_links_its_privacy_statement(size, server, browser):
    page = browser.new_page(viewport=VIEWPORTS[size], locale="nl-NL")
    page.goto(server)
    look(page, size, "landing")
    page.get_by_label("Je e-mailadres").fill(f"noor.{size}@example.org")
    page.locator("#consent").check()
    page.get_by_role("button", name="Stuur mij de eerste les").click()
    page.wait_for_url("**/aangemeld")
    look(page, size, "check-your-email")
    page.locator("footer.site").get_by_role("link", name="Privacy").click()
    page.wait_for_url("**/privacy")
    expect(page.locator("h1")).to_have_text("Privacy: wat we van je bewaren")
    expect(page.get_by_text("dan wissen we na 21 dagen alles wat je invulde")).to_be_visible()
    look(page, size, "privacy")
    page.goto(f"{server}/bestaat-niet")
    look(page, size, "not-found")
