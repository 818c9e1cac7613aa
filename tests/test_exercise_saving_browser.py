"""Saving the exercise in chromium against `ecourse serve`, on a phone and a desktop: one button
keeps the scores and the note and marks the exercise done, while a running timer runs on; an
empty save says nothing was saved; leaving with something unsaved asks first, after saving it
does not; and without JavaScript the same form posts and comes back with its message."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from ecourse.worker.passes import run_pass
from tests.accessibility import assert_accessible
from tests.browserkit import ARTIFACTS, shoot
from tests.conftest import BASE_URL
from tests.factories import enrolled
from tests.test_exercise import progress_of
from tests.web import link_in

pytestmark = [pytest.mark.browser, pytest.mark.clock]

NOTE = "Bij de derde uitademing zakten mijn schouders, voor het eerst deze week."
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
SAVED = "Bewaard. Alleen jij ziet dit."
DONE = "Je hebt deze oefening gedaan. Fijn dat je er tijd voor nam."
NOTHING = "Er was nog niets om te bewaren. Kies een getal of schrijf iets op."
SECONDS_LEFT = """() => {
  const [minutes, seconds] = document.querySelector('[data-timer-clock]').textContent.split(':');
  return Number(minutes) * 60 + Number(seconds);
}"""
# The same reading, true once fewer than `limit` seconds are left (a function, not a string
# to evaluate: the page's CSP allows no eval).
BELOW = """(limit) => {
  const [minutes, seconds] = document.querySelector('[data-timer-clock]').textContent.split(':');
  return Number(minutes) * 60 + Number(seconds) < limit;
}"""


@pytest.fixture
def tess(app, outbox):
    """Tess and the path of lesson 1's link from her email, made before `ecourse serve`
    starts (so it sends nothing itself)."""
    now = datetime.now(UTC)
    subscriber = enrolled("tess@example.org", now, first_name="Tess")
    run_pass(now)
    message = next(m for m in outbox if m.subject.startswith("Les 1"))
    return subscriber, link_in(message.text, "/l/").replace(BASE_URL, "")


def open_lesson(browser, server: str, link: str, size: str, **context):
    page = browser.new_context(
        viewport=SIZES[size], locale="nl-NL", timezone_id="Europe/Amsterdam", **context
    ).new_page()
    page.goto(server + link)
    page.wait_for_url("**/les/testcursus/01-les-1")
    return page


def look(page, where: str, shot: str) -> None:
    """An accessibility check, no sideways scrolling, and a picture of the exercise."""
    assert_accessible(page, where)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{where} scrolls sideways ({width}px)"
    shoot(page.locator("section.exercise"), ARTIFACTS / f"exercise-save-{shot}.png")


def look_without_javascript(page, where: str, shot: str) -> None:
    """`look` for a page opened without JavaScript. axe cannot run there (its timers never
    fire), so it checks a twin: the same address and session, with every script refused."""
    twin = page.context.browser.new_context(viewport=page.viewport_size, locale="nl-NL")
    twin.add_cookies(page.context.cookies())
    twin_page = twin.new_page()
    twin_page.route("**/*.js", lambda route: route.abort())
    twin_page.goto(page.url)
    expect(twin_page.locator("[data-timer]")).to_be_hidden()  # exercise.js did not run
    assert_accessible(twin_page, where)
    twin.close()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{where} scrolls sideways ({width}px)"
    shoot(page.locator("section.exercise"), ARTIFACTS / f"exercise-save-{shot}.png")


def record_dialogs(page) -> list[str]:
    """Every dialog the page opens, each answered "stay on this page"."""
    dialogs: list[str] = []

    def answer(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    return dialogs


def leave_for_the_overview(page) -> None:
    page.get_by_role("navigation", name="Kruimelpad").get_by_role("link").click()


def wait_for(page, dialogs: list[str], count: int) -> None:
    for _ in range(50):
        if len(dialogs) >= count:
            return
        page.wait_for_timeout(100)


@pytest.mark.parametrize("size", SIZES)
def test_one_button_saves_everything_while_the_timer_keeps_running(tess, server, browser, size):
    subscriber, link = tess
    page = open_lesson(browser, server, link, size)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    look(page, f"lesson before saving, {size}", f"{size}-01-before")

    timer = page.get_by_role("group", name="Timer voor 5 minuten")
    timer.get_by_role("button", name="Start de timer").click()
    page.wait_for_function(BELOW, arg=299)
    page.locator("#check-in-voor label.scale-option", has_text="6").click()
    page.locator("#check-in-na label.scale-option", has_text="3").click()
    page.get_by_label("Je notitie (als je wilt)").fill(NOTE)
    page.evaluate("window.sameDocument = true")  # gone if the page reloaded
    left_before = page.evaluate(SECONDS_LEFT)

    page.get_by_role("button", name="Bewaar alles en rond af").click()
    finish = page.locator("#afronden")
    expect(finish.locator("[data-save-status]")).to_have_text(SAVED)
    expect(finish.locator(".done")).to_have_text(DONE)
    expect(page.get_by_role("button", name="Bewaar mijn check-in en notitie")).to_be_visible()
    left_after = page.evaluate(SECONDS_LEFT)
    assert page.evaluate("window.sameDocument") is True
    assert left_after <= left_before < 300  # not set back to 5:00
    expect(timer.get_by_role("button", name="Pauzeer")).to_be_visible()  # still running
    page.wait_for_function(BELOW, arg=left_after, timeout=5000)  # and counts on

    progress = progress_of(subscriber)
    assert (progress.tension_before, progress.tension_after, progress.note) == (6, 3, NOTE)
    assert progress.exercise_done_at is not None
    expect(page.locator('[data-saved-value="na"]')).to_have_text("Bewaard: 3 van 10.")
    look(page, f"lesson after saving, {size}", f"{size}-02-all-saved-timer-running")

    dialogs = record_dialogs(page)
    leave_for_the_overview(page)  # everything is saved: no question
    page.wait_for_url("**/cursus/testcursus")
    assert dialogs == [] and errors == []


@pytest.mark.parametrize("size", SIZES)
def test_leaving_with_unsaved_input_asks_first_and_after_saving_does_not(
    tess, server, browser, size
):
    subscriber, link = tess
    page = open_lesson(browser, server, link, size)
    dialogs = record_dialogs(page)
    page.locator("#check-in-na label.scale-option", has_text="4").click()
    page.get_by_label("Je notitie (als je wilt)").fill(NOTE)

    leave_for_the_overview(page)
    wait_for(page, dialogs, 1)
    assert dialogs == ["beforeunload"]
    page.wait_for_timeout(300)  # a navigation that went ahead anyway would be under way
    assert page.url.endswith("/les/testcursus/01-les-1")  # stayed, the note still there
    expect(page.get_by_label("Je notitie (als je wilt)")).to_have_value(NOTE)

    # The save before the steps keeps the note and the score after as well.
    page.get_by_role("button", name="Bewaar mijn check-in vooraf").click()
    expect(page.locator("#check-in-voor [data-save-status]")).to_have_text(SAVED)
    progress = progress_of(subscriber)
    assert (progress.tension_after, progress.note) == (4, NOTE)
    assert progress.exercise_done_at is None  # only the main button finishes
    leave_for_the_overview(page)
    page.wait_for_url("**/cursus/testcursus")
    assert dialogs == ["beforeunload"]  # no second question


@pytest.mark.parametrize("size", SIZES)
def test_an_empty_save_says_nothing_was_saved(tess, server, browser, size):
    subscriber, link = tess
    page = open_lesson(browser, server, link, size)
    page.get_by_role("button", name="Bewaar mijn check-in vooraf").click()
    status = page.locator("#check-in-voor [data-save-status]")
    expect(status).to_have_text(NOTHING)
    expect(page.get_by_text("Bewaard", exact=False)).to_have_count(0)
    assert progress_of(subscriber).checked_in_at is None
    look(page, f"empty save, {size}", f"{size}-03-nothing-to-save")

    dialogs = record_dialogs(page)
    leave_for_the_overview(page)  # nothing typed: nothing to ask about
    page.wait_for_url("**/cursus/testcursus")
    assert dialogs == []


@pytest.mark.parametrize("size", SIZES)
def test_without_javascript_one_button_saves_everything_and_says_so(tess, server, browser, size):
    subscriber, link = tess
    page = open_lesson(browser, server, link, size, java_script_enabled=False)
    page.get_by_role("button", name="Bewaar mijn check-in vooraf").click()
    page.wait_for_url("**?niets=voor#check-in-voor")
    expect(page.locator("#check-in-voor").get_by_role("status")).to_have_text(NOTHING)
    assert progress_of(subscriber).checked_in_at is None
    look_without_javascript(
        page, f"empty save without JavaScript, {size}", f"{size}-04-no-javascript-nothing"
    )

    page.locator("#check-in-voor label.scale-option", has_text="7").click()
    page.locator("#check-in-na label.scale-option", has_text="2").click()
    page.get_by_label("Je notitie (als je wilt)").fill(NOTE)
    page.get_by_role("button", name="Bewaar alles en rond af").click()
    page.wait_for_url("**?bewaard=na#afronden")
    finish = page.locator("#afronden")
    expect(finish.locator("[data-save-status]")).to_have_text(SAVED)
    expect(finish.locator(".done")).to_have_text(DONE)
    expect(page.get_by_label("Je notitie (als je wilt)")).to_have_value(NOTE)
    expect(page.locator("#check-in-na").get_by_label("2", exact=True)).to_be_checked()
    progress = progress_of(subscriber)
    assert (progress.tension_before, progress.tension_after, progress.note) == (7, 2, NOTE)
    assert progress.exercise_done_at is not None
    look_without_javascript(
        page, f"saved without JavaScript, {size}", f"{size}-05-no-javascript-saved"
    )
