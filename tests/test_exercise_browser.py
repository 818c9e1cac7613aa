"""The exercise in a real browser: the timer, the check-in before and after, a private note,
"done", and the learner's chart on the overview; and the timer without motion for those who
ask their system for less of it. (Saving in detail: tests/test_exercise_saving_browser.py.)"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from ecourse.worker.passes import run_pass
from tests.browserkit import ARTIFACTS, shoot
from tests.conftest import BASE_URL
from tests.factories import enrolled
from tests.web import link_in

pytestmark = pytest.mark.browser

NOTE = "Mijn kaak werd zachter toen ik langer uitademde."
PHONE = {"width": 390, "height": 844}
# Counts changes to the live region, so the test can tell "announced at start and pause"
# from "announced every second".
COUNT_ANNOUNCEMENTS = """() => {
  window.announcements = [];
  const region = document.querySelector('[data-timer-status]');
  new MutationObserver(() => window.announcements.push(region.textContent))
    .observe(region, {childList: true, characterData: true, subtree: true});
}"""
RUNNING_MOTION = """() => {
  const timer = document.querySelector('[data-timer]');
  const moving = timer.getAnimations({subtree: true}).length;
  const timed = [timer, ...timer.querySelectorAll('*')].filter((el) => {
    const style = getComputedStyle(el);
    return style.transitionDuration.split(',').some((d) => parseFloat(d) > 0)
      || style.animationName !== 'none';
  }).length;
  return {moving, timed};
}"""


@pytest.fixture
def lesson_link(app, outbox) -> str:
    """Lesson 1's link from Tess's email, made before `ecourse serve` starts (so it sends
    nothing itself); the path only, to open on the server under test."""
    now = datetime.now(UTC)
    enrolled("tess@example.org", now, first_name="Tess")
    run_pass(now)
    message = next(m for m in outbox if m.subject.startswith("Les 1"))
    return link_in(message.text, "/l/").replace(BASE_URL, "")


def new_page(browser, **context):
    page = browser.new_context(
        viewport=PHONE, locale="nl-NL", timezone_id="Europe/Amsterdam", **context
    ).new_page()
    errors = []
    page.on("console", lambda message: _console_error(message, errors))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: _failed_response(response, errors))
    return page, errors


def _console_error(message, errors: list) -> None:
    """Script errors and CSP violations; a failed load is judged by its URL below."""
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        errors.append(message.text)


def _failed_response(response, errors: list) -> None:
    if response.status >= 400 and not response.url.endswith("/favicon.ico"):
        errors.append(f"{response.status} {response.url}")


@pytest.mark.clock
def test_timer_check_in_note_done_and_the_chart_on_the_overview(lesson_link, server, browser):
    page, errors = new_page(browser)
    page.goto(server + lesson_link)
    page.wait_for_url("**/les/testcursus/01-les-1")
    timer = page.get_by_role("group", name="Timer voor 5 minuten")
    expect(timer).to_be_visible()  # exercise.js took away `hidden`
    clock = timer.locator("[role=timer]")
    status = timer.get_by_role("status")
    toggle = timer.get_by_role("button", name="Start de timer")
    expect(clock).to_have_text("5:00")
    expect(timer.locator(".timer-ring")).to_be_visible()

    page.evaluate(COUNT_ANNOUNCEMENTS)
    toggle.click()
    expect(status).to_have_text("De timer loopt. Nog 5 minuten.")
    expect(clock).to_have_text("4:58", timeout=5000)  # the remaining time counts down
    page.wait_for_function(
        "document.querySelector('[data-timer]').getAnimations({subtree: true}).length > 0"
    )  # with motion allowed, the ring moves
    shoot(page, ARTIFACTS / "exercise-timer.png", full_page=True)
    pause = timer.get_by_role("button", name="Pauzeer")
    pause.click()
    paused = re.compile(
        r"^Gepauzeerd\. Nog 4 minuten en \d+ seconden\. Ga verder wanneer je wilt\.$"
    )
    expect(status).to_have_text(paused)
    stopped_at = clock.inner_text()
    page.wait_for_timeout(1500)
    expect(clock).to_have_text(stopped_at)
    assert page.evaluate("window.announcements.length") == 2  # start and pause, not each second

    # Keyboard: the same button resumes, focus stays on it, Tab reaches the reset with a ring.
    resume = timer.get_by_role("button", name="Ga verder")
    resume.focus()
    page.keyboard.press("Enter")
    expect(timer.get_by_role("button", name="Pauzeer")).to_be_focused()
    page.keyboard.press("Tab")
    reset = timer.get_by_role("button", name="Zet de timer terug")
    expect(reset).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    expect(clock).to_have_text("5:00")
    expect(timer.get_by_role("button", name="Start de timer")).to_be_focused()

    before = page.locator("#check-in-voor")
    before.get_by_label("6", exact=True).check()
    before.get_by_role("button", name="Bewaar mijn check-in vooraf").click()
    expect(before.get_by_role("status")).to_have_text("Bewaard. Alleen jij ziet dit.")
    expect(before.get_by_label("6", exact=True)).to_be_checked()

    after = page.locator("#check-in-na")
    after.get_by_label("3", exact=True).check()
    after.get_by_label("Je notitie (als je wilt)").fill(NOTE)
    expect(after.get_by_text("Alleen voor jou zichtbaar")).to_be_visible()
    page.get_by_role("button", name="Bewaar alles en rond af").click()
    expect(page.get_by_text("Je hebt deze oefening gedaan.")).to_be_visible()
    expect(after.get_by_label("Je notitie (als je wilt)")).to_have_value(NOTE)
    expect(before.get_by_label("6", exact=True)).to_be_checked()
    shoot(page, ARTIFACTS / "exercise-checkin.png", full_page=True)

    page.get_by_role("navigation", name="Kruimelpad").get_by_role("link").click()
    page.wait_for_url("**/cursus/testcursus")
    mine = page.get_by_role("region", name="Mijn check-ins")
    chart = mine.get_by_role("img", name="Jouw spanning per les, vóór en na de oefening")
    expect(chart).to_be_visible()
    expect(mine.get_by_role("row", name="Les 1: Les nummer 1 6 3")).to_be_visible()
    shoot(page, ARTIFACTS / "exercise-overview.png", full_page=True)
    assert errors == []  # no CSP violation, no script error


@pytest.mark.clock
def test_timer_without_motion_counts_down_as_plain_text_and_ends_calmly(
    lesson_link, server, browser
):
    page, errors = new_page(browser, reduced_motion="reduce")
    page.clock.install()  # the page's own clock, so five minutes pass in an instant
    page.goto(server + lesson_link)
    timer = page.get_by_role("group", name="Timer voor 5 minuten")
    expect(timer).to_be_visible()
    expect(timer.locator(".timer-ring")).to_be_hidden()

    timer.get_by_role("button", name="Start de timer").click()
    page.clock.run_for(3000)
    expect(timer.locator("[role=timer]")).to_have_text("4:57")
    assert page.evaluate(RUNNING_MOTION) == {"moving": 0, "timed": 0}
    shoot(page, ARTIFACTS / "exercise-reduced-motion.png", full_page=True)

    page.clock.run_for(5 * 60 * 1000)
    expect(timer.get_by_role("status")).to_have_text(
        "De tijd is om. Blijf gerust nog even zitten en kom in je eigen tempo terug."
    )
    expect(timer.locator("[role=timer]")).to_have_text("0:00")
    expect(timer.get_by_role("button", name="Nog een keer")).to_be_visible()
    assert page.evaluate(RUNNING_MOTION) == {"moving": 0, "timed": 0}
    assert errors == []


@pytest.mark.clock
def test_without_javascript_the_steps_stand_alone(lesson_link, server, browser):
    page, _ = new_page(browser, java_script_enabled=False)
    page.goto(server + lesson_link)
    expect(page.get_by_role("heading", name="Oefening: Oefening bij Les nummer 1")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Voeten op de grond.")).to_be_visible()
    expect(page.locator("[data-timer]")).to_be_hidden()
    expect(page.get_by_role("button", name="Start de timer")).to_have_count(0)
    expect(page.get_by_role("button", name="Bewaar alles en rond af")).to_be_visible()
    shoot(page, ARTIFACTS / "exercise-no-javascript.png", full_page=True)
