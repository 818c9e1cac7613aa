"""A course's own pages in chromium against `ecourse serve`, on a phone and a desktop (issue
14): the care numbers to tap on every lesson page and on /hulp, the FAQ with its deep links,
the worksheet shown and printed to an A4 PDF of at most two pages without the site around it,
and the teacher on the overview. axe-core checks every page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browserkit import ARTIFACTS, look
from tests.conftest import BASE_URL
from tests.factories import enrolled, run_until
from tests.test_course_pages import (  # noqa: F401  (course_files: the course with its pages)
    START,
    TEL_LINKS,
    course_files,
)
from tests.web import link_in

pytestmark = [pytest.mark.browser, pytest.mark.clock]

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture
def lesson_link(app, outbox, server) -> str:
    """Lesson 1's link for a learner who received all three lessons, on the served site."""
    enrolled("print@example.org", START, first_name="Pim")
    run_until(START, START + timedelta(days=4, hours=1))
    message = next(m for m in outbox if m.subject.startswith("Les 1"))
    return link_in(message.text, "/l/").replace(BASE_URL, server)


def pdf_pages(data: bytes) -> int:
    """Pages in a PDF: its page objects (`/Type /Page`, not the `/Pages` tree)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


@pytest.mark.parametrize("size", VIEWPORTS)
def test_care_faq_and_worksheet_on_a_phone_and_a_desktop(size, server, browser, lesson_link):
    page = browser.new_page(viewport=VIEWPORTS[size], locale="nl-NL")
    page.goto(lesson_link)
    for link in TEL_LINKS:
        expect(page.locator(f"aside.care a[{link}]")).to_have_count(1)
    expect(page.get_by_role("link", name="Het werkblad, om te printen")).to_have_count(0)
    look(page, f"pages {size} lesson 1", f"pages-{size}-lesson-1")

    page.get_by_role("link", name="Vragen over de cursus").click()
    page.wait_for_url("**/cursus/testcursus/vragen")
    page.get_by_role("link", name="Hoe lang duurt één les?").click()
    page.wait_for_url("**/vragen#hoe-lang-duurt-een-les")
    expect(page.locator("h2#hoe-lang-duurt-een-les")).to_be_in_viewport()
    look(page, f"pages {size} faq", f"pages-{size}-faq")

    page.goto(f"{server}/les/testcursus/03-les-3")
    page.get_by_role("link", name="Het werkblad, om te printen").click()
    page.wait_for_url("**/cursus/testcursus/werkblad")
    expect(page.get_by_role("button", name="Print het werkblad")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Lichaamskaart"))).to_be_visible()
    look(page, f"pages {size} worksheet", f"pages-{size}-worksheet")
    assert_prints_the_sheet_alone(page, size)

    page.goto(f"{server}/hulp")
    expect(page.locator("h1")).to_have_text("Hulp, dag en nacht")
    for link in TEL_LINKS:
        expect(page.locator(f"main a[{link}]").first).to_be_visible()
    look(page, f"pages {size} help", f"pages-{size}-help")

    page.goto(f"{server}/cursus/testcursus")
    expect(page.get_by_role("heading", name="Je docent")).to_be_visible()
    expect(page.get_by_text("Mirjam de Vries")).to_be_visible()
    look(page, f"pages {size} overview", f"pages-{size}-overview")


def assert_prints_the_sheet_alone(page, size: str) -> None:
    """On paper: the sheet, no header, footer or buttons; A4, at most two pages."""
    page.emulate_media(media="print")
    for hidden in ("header.site", "footer.site", ".sheet-tools", ".skip"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator(".worksheet h1")).to_be_visible()
    expect(page.locator(".pocket-card")).to_be_visible()
    page.emulate_media(media="screen")
    pdf = page.pdf(format="A4")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"pages-{size}-worksheet.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    assert 1 <= pdf_pages(pdf) <= 2, pdf_pages(pdf)
