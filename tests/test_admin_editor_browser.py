"""The lesson editor in a real browser, on a phone and a desktop: leaving with unsaved changes
asks first (and saving does not), a draft saves with one plain "Opslaan", and a test email's
lesson link, taken from the SMTP server, opens a preview of the real page, and a live preview
never cancels a test email on its way. Every page checked passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.accessibility import assert_accessible
from tests.browserkit import ARTIFACTS, shoot
from tests.web import ADMIN_EMAIL, ADMIN_PASSWORD, link_in

pytestmark = [pytest.mark.browser, pytest.mark.clock]

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
FIRST = "/admin/cursussen/testcursus/lessen/01-les-1"
NEW = "/admin/cursussen/testcursus/lessen/nieuw"


@pytest.fixture(params=list(VIEWPORTS))
def device(request) -> str:
    return request.param


@pytest.fixture
def admin_page(server, browser, admin, device):
    """A logged-in admin's page at the device's size. Every dialog is recorded and answered
    "stay on this page"; every script error is collected."""
    page = browser.new_context(viewport=VIEWPORTS[device], locale="nl-NL").new_page()
    page.dialogs, page.errors = [], []
    page.on("dialog", lambda dialog: _stay(page, dialog))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(f"{server}/admin/inloggen")
    _log_in(page)
    expect(page.get_by_role("navigation", name="Beheer")).to_be_visible()
    return page


def _log_in(page) -> None:
    page.get_by_label("E-mailadres").fill(ADMIN_EMAIL)
    page.get_by_label("Wachtwoord").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


def _stay(page, dialog) -> None:
    page.dialogs.append(dialog.type)
    dialog.dismiss()


def _previews_shown(page) -> None:
    """Both preview frames have their page again (they reload after each change)."""
    expect(page.frame_locator("iframe[name=page-preview]").locator("h1")).to_be_visible()
    expect(page.frame_locator("iframe[name=email-preview]").locator("dl")).to_be_visible()
    page.wait_for_timeout(1500)  # a change's refresh lands about a second after typing


def _shot(page, name: str, device: str) -> None:
    shoot(page, ARTIFACTS / f"admin-editor-{name}-{device}.png", full_page=True)


def _leave_by_crumb(page):
    """Follow the crumb back to the course, as an admin who is done would."""
    page.locator(".crumbs a").click(no_wait_after=True)


def test_leaving_with_unsaved_changes_asks_first_and_saving_does_not(admin_page, server, device):
    page = admin_page
    page.goto(server + FIRST)
    expect(page.frame_locator("iframe[name=page-preview]").locator("h1")).to_have_text(
        "Les nummer 1"
    )
    _leave_by_crumb(page)  # nothing changed: no question
    expect(page).to_have_url(f"{server}/admin/cursussen/testcursus")
    assert page.dialogs == []

    page.goto(server + FIRST)
    page.get_by_label("Lestekst").click()
    page.get_by_label("Lestekst").press("End")
    page.get_by_label("Lestekst").press_sequentially(" Een zin erbij.")
    _leave_by_crumb(page)
    page.wait_for_timeout(500)
    assert page.dialogs == ["beforeunload"]
    expect(page).to_have_url(server + FIRST)  # stayed, with the text still there
    expect(page.get_by_label("Lestekst")).to_have_value(re.compile("Een zin erbij.$"))
    assert_accessible(page, f"editor with unsaved changes ({device})")
    _previews_shown(page)
    _shot(page, "unsaved-stayed", device)

    page.get_by_role("button", name="Controleren: wie krijgt deze les en wanneer?").click(
        no_wait_after=True
    )
    expect(page.locator("h1")).to_have_text('Wie krijgt "Les nummer 1" en wanneer?')
    assert len(page.dialogs) == 1  # submitting is no leaving
    assert_accessible(page, f"reach step ({device})")
    _shot(page, "published-reach", device)
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator(".flash")).to_contain_text("Les opgeslagen")
    assert len(page.dialogs) == 1 and page.errors == []


def test_a_draft_is_saved_with_one_plain_opslaan(admin_page, server, device):
    page = admin_page
    page.goto(server + NEW)
    page.get_by_label("Titel", exact=True).fill("Zachte schouders")
    page.get_by_label("Samenvatting in één zin").fill("{{ voornaam }}, je schouders mogen zakken.")
    page.get_by_label("Lestekst").fill("Hoi {{ voornaam }}, vandaag gaat het over je schouders.")
    page.get_by_label("Titel van de oefening").fill("Schouders laten zakken")
    page.get_by_label("Oefening (genummerde stappen)").fill("1. Adem in.\n2. Laat zakken.")
    plain = page.get_by_role("button", name="Opslaan", exact=True)
    check = page.get_by_role("button", name="Controleren: wie krijgt deze les en wanneer?")
    expect(plain).to_be_visible()
    expect(page.get_by_text("Concept:", exact=True)).to_be_visible()

    page.get_by_label("Status").select_option("published")  # now it would reach learners
    expect(plain).to_be_hidden()
    expect(check).not_to_have_class(re.compile("secondary"))
    page.get_by_label("Status").select_option("draft")
    expect(plain).to_be_visible()
    email = page.frame_locator("iframe[name=email-preview]")
    expect(email.locator("dl")).to_contain_text("Anna, je schouders mogen zakken.")
    expect(email.frame_locator("iframe").locator("body")).to_contain_text("Hoi Anna, vandaag")
    assert email.frame_locator("iframe").locator("body").inner_text().count("Hoi") == 1
    assert_accessible(page, f"new lesson editor ({device})")
    _previews_shown(page)
    frame = page.locator("iframe[name=email-preview]")  # a full-page picture may miss frames
    frame.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    shoot(frame, ARTIFACTS / f"admin-editor-email-preview-{device}.png")
    _shot(page, "draft-before-save", device)

    plain.click()
    expect(page.locator(".flash")).to_contain_text("Concept opgeslagen")
    expect(page.locator("h1")).to_have_text("Les bewerken: Zachte schouders")
    assert page.dialogs == []  # saving is no leaving
    assert_accessible(page, f"draft saved ({device})")
    _previews_shown(page)
    _shot(page, "draft-saved", device)
    _leave_by_crumb(page)  # just saved: leaving asks nothing
    expect(page).to_have_url(f"{server}/admin/cursussen/testcursus")
    assert page.dialogs == [] and page.errors == []
    expect(page.get_by_role("link", name="Zachte schouders")).to_be_visible()


def test_a_test_emails_links_open_previews_of_the_real_pages(
    admin_page, server, smtp_server, device
):
    page = admin_page
    page.goto(server + FIRST)
    page.get_by_label("Titel", exact=True).fill("Les nummer 1, nog niet bewaard")
    page.get_by_role("button", name="Stuur mij een testmail").click()
    result = page.frame_locator("iframe[name=test-result]")
    # The answer comes once the email is composed and the relay has taken it: on a loaded
    # machine (the clock sweep) that is seconds, more than an expectation's usual five.
    expect(result.get_by_role("status")).to_contain_text(
        f"Testmail verstuurd naar {ADMIN_EMAIL}.", timeout=20_000
    )
    sent = page.locator("iframe[name=test-result]")
    shoot(sent, ARTIFACTS / f"admin-editor-test-email-sent-{device}.png")
    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == [ADMIN_EMAIL]
    text = mail.message.get_body(("plain",)).get_content()
    assert text.count("Hoi") == 1

    # The link, opened where the mail is read: behind the login, then straight to the page.
    reader = page.context.browser.new_context(viewport=VIEWPORTS[device]).new_page()
    reader.goto(link_in(text, "/admin/voorbeeld/"))
    expect(reader.locator("h1")).to_have_text("Inloggen")
    _log_in(reader)
    expect(reader.locator(".sample-banner")).to_contain_text("Dit is een voorbeeld")
    expect(reader.locator("h1")).to_have_text("Les nummer 1, nog niet bewaard")
    assert_accessible(reader, f"lesson preview from a test email ({device})")
    _shot(reader, "test-email-lesson-link", device)

    assert len(set(re.findall(r"https?://\S+/admin/voorbeeld/\S+", text))) == 3
    footer = {
        "preferences": re.search(r"Tempo, pauze en je gegevens: (\S+)", text).group(1),
        "unsubscribe": re.search(r"Afmelden: (\S+)", text).group(1),
    }
    for name, link in footer.items():
        response = reader.goto(link)
        assert response.status == 200, link
        expect(reader.locator(".sample-banner")).to_contain_text("Dit is een voorbeeld")
        assert_accessible(reader, f"{name} preview from a test email ({device})")
        _shot(reader, f"test-email-{name}-link", device)
    assert page.errors == []


def _paused(page) -> None:
    """Stop the page's timers (the clock was installed before it loaded): from here only
    `page.clock.run_for` moves them, so a change's preview refresh is surely due."""
    page.clock.pause_at(page.evaluate("Date.now()") + 100)


def _preview_requests(page) -> list[str]:
    requests = []
    page.on("request", lambda request: _note_preview(requests, request))
    return requests


def _note_preview(requests: list[str], request) -> None:
    if "/voorbeeld/" in request.url:
        requests.append(request.url)


def test_a_preview_never_cancels_the_test_email_on_its_way(admin_page, server, device):
    """A form holds one planned navigation: a live preview posted just after the admin's
    click would cancel the test email without a word. The previews wait for its frame."""
    page = admin_page
    page.clock.install()
    page.goto(server + FIRST)
    _previews_shown(page)
    on_its_way = []
    page.route("**/lessen/01-les-1/test", lambda route: on_its_way.append(route))
    previews = _preview_requests(page)
    _paused(page)
    page.get_by_role("button", name="Stuur mij een testmail").click(no_wait_after=True)
    page.get_by_label("Titel", exact=True).fill("Nieuwe titel, na de testmail")
    page.clock.run_for(2000)  # the change's refresh (600 ms after typing) is due
    page.wait_for_timeout(500)  # a request the browser made has reached us by now
    assert len(on_its_way) == 1 and previews == []

    on_its_way[0].continue_()
    result = page.frame_locator("iframe[name=test-result]")
    expect(result.get_by_role("status")).to_contain_text(f"Testmail verstuurd naar {ADMIN_EMAIL}.")
    preview = page.frame_locator("iframe[name=page-preview]").locator("h1")
    expect(preview).to_have_text("Nieuwe titel, na de testmail")  # the refresh waited, not lost
    expect(page.frame_locator("iframe[name=email-preview]").locator("dl")).to_contain_text(
        "Nieuwe titel, na de testmail"
    )
    assert page.errors == []
