"""The learner's "where am I?" in chromium against `ecourse serve`, on a phone and on a desktop: the
overview's progress, "Les n van N" with its neighbours, the coming lessons numbered as the
course does, pause and resume from the overview, stopping and going on, the time zones and
the data as a page. axe-core checks every page on the way."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.test_forwarded_browser import sign_up_and_confirm as sign_up
from tests.test_learner_browser import Journey
from tests.web import link_in

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


class Tour(Journey):
    """A learner's tab (`Journey`: axe, no sideways scrolling, a screenshot per page), with
    this test's pages named apart from the learner journey's."""

    def check(self, name: str) -> None:
        super().check(f"whereami-{name}")


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def first_lessons(tour: Tour, smtp_server) -> str:
    """Lesson 1, the overview, and lesson 2 asked for at once; the preferences link."""
    page = tour.page
    lesson_mail = smtp_server.wait_for(2)[1].message
    page.goto(link_in(text_of(lesson_mail), "/l/"))
    expect(page.get_by_text("Les 1 van 3")).to_be_visible()
    expect(page.get_by_text("De volgende les komt op")).to_be_visible()
    expect(page.locator('a[href="tel:113"]')).to_have_count(1)
    tour.check("lesson-1")
    page.get_by_role("link", name="Testcursus").first.click()
    expect(page.get_by_role("heading", name="1 van 3 lessen ontvangen")).to_be_visible()
    tour.check("overview")
    preferences = link_in(text_of(lesson_mail), "/voorkeuren/")
    page.goto(preferences)
    numbers = page.locator("ol.dates li").evaluate_all("items => items.map(i => i.value)")
    assert numbers == [2, 3]
    tour.check("preferences")
    page.locator("#nu").locator("..").get_by_role("button").click()
    page.get_by_role("button", name="Ja, zo opslaan").click()
    second = smtp_server.wait_for(3)[2].message
    page.goto(link_in(text_of(second), "/l/"))
    expect(page.get_by_text("Les 2 van 3")).to_be_visible()
    expect(page.locator('a[rel="prev"]')).to_have_text("← Les 1: Les nummer 1")
    tour.check("lesson-2")
    return preferences


def pause_and_resume(tour: Tour, server_site: str) -> None:
    page = tour.page
    page.goto(server_site + "/voorkeuren/")
    page.get_by_label("Tot ik zelf hervat").check()
    page.locator("#pauze").locator("..").get_by_role("button").click()
    page.get_by_role("button", name="Ja, zo opslaan").click()
    page.goto(server_site + "/cursus/testcursus")
    expect(page.get_by_text("Gepauzeerd tot je hervat.")).to_be_visible()
    tour.check("overview-paused")
    page.get_by_role("button", name="Hervatten").click()
    page.get_by_role("button", name="Ja, zo opslaan").click()
    expect(page.get_by_text("Je cursus gaat weer verder.")).to_be_visible()


def stop_and_go_on(tour: Tour, server_site: str, smtp_server) -> None:
    page = tour.page
    page.locator("#stoppen").locator("..").get_by_role("button").click()
    expect(page.get_by_text("Je krijgt dan geen lessen meer.")).to_be_visible()
    page.get_by_role("button", name="Ja, zo opslaan").click()
    page.goto(server_site + "/cursus/testcursus")
    expect(page.get_by_text("Je bent gestopt met deze cursus.")).to_be_visible()
    tour.check("overview-stopped")
    page.get_by_role("button", name="Stuur me een link").click()
    fresh = smtp_server.wait_for(4)[3].message
    page.goto(link_in(text_of(fresh), "/toegang/"))
    page.get_by_role("button", name="Open mijn pagina").click()
    page.get_by_role("button", name="Verder waar je was").click()
    page.get_by_role("button", name="Ja, zo opslaan").click()
    expect(page.get_by_text("Je gaat verder waar je was.")).to_be_visible()
    zone = page.get_by_label("In welke tijdzone?")
    assert zone.locator("option").first.get_attribute("value") == "Europe/Amsterdam"
    expect(zone.locator('option[value="Factory"]')).to_have_count(0)
    search_places(page, zone)
    tour.check("preferences-going-on")
    page.get_by_role("link", name="Bekijk mijn gegevens").click()
    expect(page.get_by_role("heading", name="Je cursussen en lessen")).to_be_visible()
    tour.check("my-data")


def search_places(page, zone) -> None:
    """The search box narrows the list as you type, says how many places match, and keeps a
    visible place chosen; cleared, every place is back."""
    search = page.get_by_label("Zoek een plaats")
    every = zone.locator("option:not([hidden])").count()
    search.fill("york")
    expect(page.get_by_role("status").filter(has_text="gevonden")).to_have_text(
        "1 plaats gevonden."
    )
    assert zone.input_value() == "America/New_York"
    search.fill("amerika")
    assert zone.locator("option:not([hidden])").count() > 20  # the region's name finds them
    search.fill("xyzzy")
    expect(page.get_by_text("Geen plaats gevonden")).to_be_visible()
    search.fill("")
    assert zone.locator("option:not([hidden])").count() == every
    zone.select_option("Europe/Amsterdam")


@pytest.mark.clock
@pytest.mark.parametrize("size", VIEWPORTS)
def test_a_learner_always_sees_where_they_are(server, smtp_server, browser, size):
    context = browser.new_context(
        viewport=VIEWPORTS[size], locale="nl-NL", timezone_id="Europe/Amsterdam"
    )
    tour = Tour(context.new_page(), size)
    sign_up(tour.page, server, smtp_server, f"waar-{size}@example.org")
    preferences = first_lessons(tour, smtp_server)
    site = preferences.split("/voorkeuren/")[0]
    pause_and_resume(tour, site)
    stop_and_go_on(tour, site, smtp_server)
