"""No dead ends, in chromium on a phone and a desktop: the pages a learner meets without their
email's link (preferences, the overview, a garbled lesson link) offer a fresh link and the
way to the landing page, and both work; an English browser gets English error pages where
the course allows English. axe-core checks every page, and each is kept as a screenshot."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import browserkit
from tests.test_i18n import open_course  # noqa: F401  (a fixture: the course `world`)

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
DEAD_ENDS = {
    "preferences-no-session": "/voorkeuren/",
    "overview-no-session": "/cursus/testcursus",
    "lesson-link-garbled": "/l/niet-meer-heel",
}


def look(page, size: str, name: str) -> None:
    browserkit.look(page, f"{size}/{name}", f"dead-end-{size}-{name}")


@pytest.mark.clock
@pytest.mark.parametrize("size", VIEWPORTS)
def test_pages_without_a_link_lead_on_to_a_fresh_link_and_the_landing_page(size, server, browser):
    page = browser.new_page(viewport=VIEWPORTS[size], locale="nl-NL")
    for name, path in DEAD_ENDS.items():
        page.goto(server + path)
        content = page.locator("main")
        expect(content.get_by_role("button", name="Stuur me een nieuwe link")).to_be_visible()
        look(page, size, name)
        content.get_by_role("link", name="Naar de beginpagina").or_(
            content.get_by_role("link", name="Nog niet aangemeld? Naar de aanmeldpagina")
        ).click()
        expect(page.get_by_role("button", name="Stuur mij de eerste les")).to_be_visible()
    page.goto(server + DEAD_ENDS["lesson-link-garbled"])
    page.locator("main").get_by_label("Je e-mailadres").fill(f"noor-{size}@example.org")
    page.get_by_role("button", name="Stuur me een nieuwe link").click()
    page.wait_for_url("**/link/verstuurd")
    expect(page.locator("h1")).to_have_text("Kijk in je mailbox")
    look(page, size, "fresh-link-asked")


@pytest.mark.clock
@pytest.mark.parametrize("size", VIEWPORTS)
@pytest.mark.usefixtures("open_course")
def test_an_english_browser_gets_english_error_pages_where_the_course_allows_it(
    size, server, browser
):
    page = browser.new_page(viewport=VIEWPORTS[size], locale="en-GB")
    page.goto(server + "/c/world")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(server + "/no-such-page")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main")).to_contain_text("This page doesn't exist (any more).")
    look(page, size, "english-404")
    page.goto(server + DEAD_ENDS["lesson-link-garbled"])
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Send me a fresh link")).to_be_visible()
    look(page, size, "english-lesson-link-garbled")
