"""The learner's whole path in chromium, on a phone and on a desktop: sign up, confirm from
the email, read a lesson, do the exercise with a check-in, pause and resume, a slower pace,
download the data, and delete everything. axe-core checks every page on the way."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.accessibility import assert_accessible
from tests.browserkit import ARTIFACTS, shoot
from tests.web import link_in

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


class Journey:
    """One learner's browser tab, with a screenshot and an accessibility check per step."""

    def __init__(self, page, size: str):
        self.page, self.size, self.step = page, size, 0

    def check(self, name: str) -> None:
        self.step += 1
        assert_accessible(self.page, f"{self.size}/{name}")
        width = self.page.evaluate("document.documentElement.scrollWidth")
        viewport = self.page.viewport_size["width"]
        assert width <= viewport, f"{name} scrolls sideways on the {self.size} ({width}px)"
        shot = ARTIFACTS / f"learner-{self.size}-{self.step:02d}-{name}.png"
        shoot(self.page, shot, full_page=True)

    def heading(self) -> str:
        return self.page.locator("h1").inner_text()


def sign_up_and_confirm(journey: Journey, server: str, smtp_server, address: str) -> None:
    page = journey.page
    page.goto(server)
    journey.check("landing")
    page.get_by_label("Je e-mailadres").fill(address)
    page.get_by_label("Je voornaam").fill("Noor")
    page.locator("#consent").check()
    page.get_by_role("button", name="Stuur mij de eerste les").click()
    page.wait_for_url("**/aangemeld")
    journey.check("check-your-email")
    confirmation = smtp_server.wait_for(1)[0].message
    page.goto(link_in(confirmation.get_body(("plain",)).get_content(), "/bevestig/"))
    journey.check("confirm")
    page.get_by_role("button", name="Ja, ik meld me aan").click()
    assert journey.heading() == "Welkom!"
    journey.check("confirmed")


def open_lesson_and_do_the_exercise(journey: Journey, smtp_server) -> str:
    page = journey.page
    lesson_mail = smtp_server.wait_for(2)[1].message
    page.goto(link_in(lesson_mail.get_body(("html",)).get_content(), "/l/"))
    assert journey.heading() == "Les nummer 1"
    journey.check("lesson")
    before = page.locator("#check-in-voor")
    before.locator("label.scale-option", has_text="7").click()
    before.get_by_role("button", name="Bewaar mijn check-in vooraf").click()
    page.locator("#check-in-na label.scale-option", has_text="3").click()
    page.get_by_label("Je notitie (als je wilt)").fill("Mijn kaak liet los.")
    page.get_by_role("button", name="Bewaar alles en rond af").click()
    expect(page.locator("#afronden").get_by_text("Bewaard. Alleen jij ziet dit.")).to_be_visible()
    expect(page.get_by_text("Je hebt deze oefening gedaan.")).to_be_visible()
    journey.check("exercise-done")
    page.get_by_role("link", name="Testcursus").first.click()
    expect(page.get_by_role("heading", name="Mijn check-ins")).to_be_visible()
    journey.check("overview")
    return link_in(lesson_mail.get_body(("plain",)).get_content(), "/voorkeuren/")


def change_the_pace(journey: Journey, preferences_link: str) -> None:
    page = journey.page
    page.goto(preferences_link)
    assert journey.heading() == "Tempo, pauze en je gegevens"
    journey.check("preferences")
    page.get_by_label("Eén week").check()
    page.get_by_role("button", name="Bekijk de nieuwe datums").first.click()
    expect(page.get_by_role("heading", name="Pauzeren: zo worden je lessen dan")).to_be_visible()
    journey.check("pause-preview")
    page.get_by_role("button", name="Ja, zo opslaan").click()
    expect(page.get_by_text("Je cursus is gepauzeerd.")).to_be_visible()
    expect(page.get_by_text("Gepauzeerd tot").first).to_be_visible()
    page.get_by_role("button", name="Bekijk de datums als ik nu hervat").click()
    page.get_by_role("button", name="Ja, zo opslaan").click()
    expect(page.get_by_text("Je cursus gaat weer verder.")).to_be_visible()
    page.get_by_label("Extra dagen tussen twee lessen").select_option("2")
    page.locator("#tempo").locator("..").get_by_role("button").click()
    expect(
        page.get_by_role("heading", name="Een rustiger tempo: zo worden je lessen dan")
    ).to_be_visible()
    page.get_by_role("button", name="Ja, zo opslaan").click()
    expect(page.get_by_text("met 2 extra dagen tussen twee lessen")).to_be_visible()
    journey.check("slower")


def open_a_fresh_link(journey: Journey, smtp_server) -> None:
    """The data needs a fresh link: asked for on the page, emailed, opened with one click."""
    page = journey.page
    page.get_by_role("button", name="Stuur me een link").click()
    expect(page.get_by_text("We hebben je een link gestuurd.")).to_be_visible()
    fresh = smtp_server.wait_for(3)[2].message
    assert fresh["Subject"].startswith("Je link")
    page.goto(link_in(fresh.get_body(("plain",)).get_content(), "/toegang/"))
    journey.check("fresh-link")
    page.get_by_role("button", name="Open mijn pagina").click()
    expect(page.get_by_text("Je nieuwe link heeft je gegevens geopend tot")).to_be_visible()


def download_and_delete(journey: Journey, smtp_server, address: str) -> None:
    page = journey.page
    open_a_fresh_link(journey, smtp_server)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download mijn gegevens (JSON)").click()
    data = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert data["profile"]["email"] == address
    notes = [lesson["note"] for lesson in data["enrollments"][0]["lessons"]]
    assert "Mijn kaak liet los." in notes
    actions = [c["action"] for c in data["changes"]]
    assert actions == ["confirm", "pause", "resume", "pace", "access_link"]
    page.get_by_label("Ja, wis al mijn gegevens. Ik krijg daarna geen lessen meer.").check()
    page.get_by_role("button", name="Wis al mijn gegevens").click()
    assert journey.heading() == "Je gegevens zijn gewist"
    journey.check("deleted")
    goodbye = smtp_server.wait_for(4)[3].message
    assert goodbye["To"] == address and goodbye["Subject"] == "Je gegevens zijn gewist"


@pytest.mark.clock
@pytest.mark.parametrize("size", VIEWPORTS)
def test_a_learner_takes_the_course_at_their_own_pace_and_leaves_without_a_trace(
    server, smtp_server, browser, size
):
    page = browser.new_page(
        viewport=VIEWPORTS[size], locale="nl-NL", timezone_id="Europe/Amsterdam"
    )
    journey = Journey(page, size)
    address = f"noor-{size}@example.org"
    sign_up_and_confirm(journey, server, smtp_server, address)
    preferences_link = open_lesson_and_do_the_exercise(journey, smtp_server)
    change_the_pace(journey, preferences_link)
    download_and_delete(journey, smtp_server, address)
    page.goto(server + "/voorkeuren/")
    assert page.locator("h1").inner_text() == "Open de link uit je e-mail"
