"""The dashboard in a real browser, on a phone and a desktop: every number readable as text
at a size a person can read, nothing scrolling sideways, the funnel only going down, a
course switcher and a time range that work without JavaScript, and no axe violations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ecourse.web import learner as learn_service
from ecourse.worker.passes import run_pass
from tests.accessibility import assert_accessible
from tests.browserkit import ARTIFACTS, shoot
from tests.factories import enrolled, run_until, sign_up, the_course
from tests.web import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.clock]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
MIN_TEXT_PX = 12
# Every piece of text in the dashboard's charts: its computed font size and the height of
# the box its glyphs actually take on screen (what a person sees, after any scaling).
TEXT_SIZES = """() => {
  const found = [];
  const selector = 'table.bars caption, table.bars th, table.bars td, .step-note, .legend, .switch a';
  for (const element of document.querySelectorAll(selector)) {
    for (const node of element.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE || !node.textContent.trim()) continue;
      if (element.closest('.visually-hidden')) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const box = range.getBoundingClientRect();
      found.push({text: node.textContent.trim(), size: parseFloat(getComputedStyle(element).fontSize),
                  height: box.height, width: box.width});
    }
  }
  const svgText = document.querySelectorAll('main svg text').length;
  return {found, svgText};
}"""
OVERFLOW = """() => [...document.querySelectorAll('.table-wrap')]
  .filter((wrap) => wrap.scrollWidth > wrap.clientWidth + 1)
  .map((wrap) => wrap.querySelector('caption')?.textContent)"""
BAR_WIDTHS = """() => [...document.querySelectorAll('svg.bar')]
  .map((bar) => bar.getBoundingClientRect().width)"""


def _learners(now: datetime) -> None:
    """A course a week on: some finished, one left after lesson 1, some started today (their
    lessons 2 and 3 are not due yet), and sign-ups spread over the last days."""
    start = now - timedelta(days=9)
    old = [enrolled(f"oud{n}@example.org", start) for n in range(6)]
    run_pass(start)
    learn_service.unsubscribe(old[0], start + timedelta(hours=1))
    run_until(start, start + timedelta(days=5))
    course = the_course()
    lessons = sorted(course.published_lessons, key=lambda lesson: lesson.day)
    for n, person in enumerate(old[1:]):
        for lesson in lessons[: 3 - n % 3]:
            learn_service.record_opened(person.enrollments[0], lesson, now)
        if n % 2 == 0:
            learn_service.record_exercise_done(person.enrollments[0], lessons[0], now)
    for n in range(3):
        enrolled(f"nieuw{n}@example.org", now - timedelta(days=n))
    run_pass(now)
    for n in range(4):
        sign_up(f"wacht{n}@example.org", now - timedelta(days=n + 1))
    sign_up("ander@example.org", now, course=the_course("tweede"))


def _log_in(browser, server):
    page = browser.new_context(viewport=DESKTOP, locale="nl-NL").new_page()
    page.goto(f"{server}/admin/")
    page.get_by_label("E-mailadres").fill(ADMIN_EMAIL)
    page.get_by_label("Wachtwoord").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    assert page.locator("h1").inner_text() == "Overzicht: Testcursus"
    return page


def _assert_readable(page, where: str) -> None:
    measured = page.evaluate(TEXT_SIZES)
    assert measured["svgText"] == 0, f"{where}: text drawn inside an SVG can shrink with it"
    texts = measured["found"]
    assert len(texts) > 40, f"{where}: the charts' numbers are missing ({len(texts)} texts)"
    small = [t for t in texts if t["size"] < MIN_TEXT_PX or t["height"] < MIN_TEXT_PX]
    assert not small, f"{where}: text below {MIN_TEXT_PX}px: {small[:5]}"
    numbers = [t for t in texts if t["text"].rstrip("%").isdigit()]
    assert numbers and min(t["size"] for t in numbers) >= 14, f"{where}: numbers too small"
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert page.evaluate(OVERFLOW) == [], f"{where}: a chart scrolls sideways"
    assert min(page.evaluate(BAR_WIDTHS)) >= 60, f"{where}: a bar is too narrow to compare"


def _funnel_counts(page, caption: str) -> list[int]:
    table = page.locator("table.funnel", has=page.locator("caption", has_text=caption))
    cells = table.locator("tbody tr td:nth-child(2)").all_inner_texts()
    return [int(text) for text in cells]


def test_dashboard_is_readable_and_honest_on_phone_and_desktop(two_courses, server, browser, admin):
    _learners(datetime.now(UTC))
    desktop = _log_in(browser, server)
    shoot(desktop, ARTIFACTS / "admin-dashboard-desktop.png", full_page=True)
    shoot(desktop.locator(".lesson-funnels"), ARTIFACTS / "admin-dashboard-lessons-desktop.png")
    _assert_readable(desktop, "desktop")
    assert_accessible(desktop, "dashboard, desktop")

    for number in (1, 2, 3):
        steps = _funnel_counts(desktop, f"Les {number}:")
        assert steps == sorted(steps, reverse=True), f"lesson {number} goes up: {steps}"
    waiting = desktop.locator(".step-note.waiting").all_inner_texts()
    assert "3 nog niet aan de beurt" in waiting[-1]  # lesson 3: the three who began lately
    assert desktop.locator("text=/[−+-]\\d+\\s*%/").count() == 0

    phone = browser.new_context(viewport=PHONE, locale="nl-NL", is_mobile=True).new_page()
    phone.context.add_cookies(desktop.context.cookies())
    phone.goto(f"{server}/admin/")
    shoot(phone, ARTIFACTS / "admin-dashboard-phone.png", full_page=True)
    shoot(phone, ARTIFACTS / "admin-dashboard-top-phone-viewport.png")
    signups = phone.locator("section[aria-labelledby=kop-aanmeldingen]")
    shoot(signups, ARTIFACTS / "admin-dashboard-signups-phone.png")
    funnel = phone.locator("section[aria-labelledby=kop-trechter]")
    shoot(funnel, ARTIFACTS / "admin-dashboard-funnel-phone.png")
    _assert_readable(phone, "phone")
    assert_accessible(phone, "dashboard, phone")
    # The phone layout stacks each bar under its numbers, and is still a table to a screen
    # reader: rows, row headers and cells, as on the desktop.
    for role in ("table", "row", "rowheader", "columnheader", "cell"):
        on_phone = phone.get_by_role(role).count()
        assert on_phone == desktop.get_by_role(role).count() > 0, role

    # The time range and the course switcher are plain links: no JavaScript needed. Each
    # page is measured once it has loaded, not once its heading is there: a script that
    # runs while the parser is still at work measures a page half built. (The clock sweep
    # once found the funnel wider than the phone here; no re-run has repeated it.)
    with phone.expect_navigation():
        phone.get_by_role("navigation", name="Periode kiezen").get_by_role(
            "link", name="13 weken"
        ).click()
    assert phone.locator("table.signups tbody tr").count() == 13
    assert "laatste 13 weken" in phone.locator("#kop-aanmeldingen").inner_text()
    with phone.expect_navigation():
        phone.get_by_role("navigation", name="Cursus kiezen").get_by_role(
            "link", name="Tweede cursus"
        ).click()
    assert phone.locator("h1").inner_text() == "Overzicht: Tweede cursus"
    assert phone.locator("table.signups tbody tr").count() == 13  # the range stays
    _assert_readable(phone, "phone, second course")
    assert_accessible(phone, "dashboard of the second course, phone")
    shoot(phone, ARTIFACTS / "admin-dashboard-second-course-phone.png", full_page=True)


def test_dashboard_without_javascript_still_switches(two_courses, server, browser, admin):
    desktop = _log_in(browser, server)
    plain = browser.new_context(viewport=PHONE, java_script_enabled=False).new_page()
    plain.context.add_cookies(desktop.context.cookies())
    plain.goto(f"{server}/admin/")
    plain.get_by_role("link", name="7 dagen").click()
    assert plain.locator("table.signups tbody tr").count() == 7
    plain.get_by_role("link", name="Tweede cursus").click()
    assert plain.locator("h1").inner_text() == "Overzicht: Tweede cursus"
    assert plain.locator("table.signups tbody tr").count() == 7
