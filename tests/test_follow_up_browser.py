"""The follow-up's answer page in chromium against `ecourse serve`, on a phone and on a
desktop: a clicked score pre-selected, the choice made with the keyboard, the sentence
counted as it is typed, the thank-you page, and a garbled link; axe checks every page."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from ecourse.core import links
from tests.browserkit import look
from tests.factories import enrolled, the_course
from tests.test_follow_up import write_follow_up

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture
def follow_up_files(course_files):
    write_follow_up(course_files)
    return course_files


@pytest.mark.clock
@pytest.mark.parametrize("size", VIEWPORTS)
def test_answering_the_follow_up(follow_up_files, server, browser, size):
    subscriber = enrolled(f"vraag-{size}@example.org", datetime.now(UTC))
    path = urlsplit(links.follow_up_url(subscriber, the_course())).path
    context = browser.new_context(
        viewport=VIEWPORTS[size], locale="nl-NL", timezone_id="Europe/Amsterdam"
    )
    page = context.new_page()
    page.goto(server + path + "?score=4")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hoeveel had je aan de cursus?")
    group = page.get_by_role("group", name="Je cijfer")
    expect(group.get_by_role("radio", name="4")).to_be_checked()
    expect(group.get_by_text("helemaal niet", exact=True)).to_be_visible()
    expect(group.get_by_text("heel erg", exact=True)).to_be_visible()
    look(page, f"{size}/answer", f"follow-up-{size}-01-answer")
    group.get_by_role("radio", name="4").focus()
    page.keyboard.press("ArrowRight")  # radio buttons move with the arrow keys
    expect(group.get_by_role("radio", name="5")).to_be_checked()
    page.get_by_label("Een zin erbij (als je wilt)").fill("Het gaf me rust.")
    expect(page.get_by_text("16 van 1000 tekens")).to_be_visible()
    page.get_by_role("button", name="Verstuur mijn antwoord").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dank je wel")
    expect(page.get_by_text("je gaf een 5")).to_be_visible()
    look(page, f"{size}/thanks", f"follow-up-{size}-02-thanks")
    page.get_by_role("link", name="Mijn antwoord veranderen").click()
    expect(group.get_by_role("radio", name="5")).to_be_checked()
    expect(page.get_by_label("Een zin erbij (als je wilt)")).to_have_value("Het gaf me rust.")
    page.goto(server + path[:-4] + "abcd")
    expect(page.get_by_role("heading", level=1)).to_have_text("Deze link werkt niet")
    look(page, f"{size}/link-invalid", f"follow-up-{size}-03-link-invalid")
