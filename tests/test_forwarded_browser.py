"""A lesson email forwarded to a friend, in chromium against `ecourse serve`: the friend, in a
fresh browser, reads the lesson and nothing personal. No data download, no erasure, no
earlier notes; asking for a link sends it to the learner, not to the friend."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browserkit import ARTIFACTS, shoot
from tests.web import link_in

pytestmark = pytest.mark.browser

NOTE = "Mijn kaak liet los, voor het eerst in weken."
LATER = "Later op de dag: ruzie met mijn zus."


def sign_up_and_confirm(page, server: str, smtp_server, address: str) -> None:
    page.goto(server)
    page.get_by_label("Je e-mailadres").fill(address)
    page.get_by_label("Je voornaam").fill("Iris")
    page.locator("#consent").check()
    page.get_by_role("button", name="Stuur mij de eerste les").click()
    page.wait_for_url("**/aangemeld")
    confirmation = smtp_server.wait_for(1)[0].message
    page.goto(link_in(confirmation.get_body(("plain",)).get_content(), "/bevestig/"))
    page.get_by_role("button", name="Ja, ik meld me aan").click()
    expect(page.locator("h1")).to_have_text("Welkom!")


@pytest.mark.clock
def test_a_friend_with_a_forwarded_lesson_reads_it_and_nothing_personal(
    server, smtp_server, browser
):
    address = "iris@example.org"
    owner = browser.new_context(locale="nl-NL").new_page()
    sign_up_and_confirm(owner, server, smtp_server, address)
    lesson_mail = smtp_server.wait_for(2)[1].message
    lesson_link = link_in(lesson_mail.get_body(("plain",)).get_content(), "/l/")
    site = lesson_link.split("/l/")[0]  # the host the emailed links name (cookies follow it)
    owner.goto(lesson_link)
    owner.locator("#check-in-na label.scale-option", has_text="3").click()
    owner.get_by_label("Je notitie (als je wilt)").fill(NOTE)
    owner.get_by_role("button", name="Bewaar alles en rond af").click()
    expect(owner.get_by_text("Bewaard. Alleen jij ziet dit.")).to_be_visible()

    friend = browser.new_context(locale="nl-NL").new_page()  # a fresh browser: no cookies
    friend.goto(lesson_link)
    expect(friend.locator("h1")).to_have_text("Les nummer 1")
    expect(
        friend.get_by_text("Bij deze les is al iets ingevuld, niet in deze browser")
    ).to_be_visible()
    assert NOTE not in friend.content()
    assert friend.get_by_label("Je notitie (als je wilt)").input_value() == ""
    shoot(friend, ARTIFACTS / "forwarded-lesson.png", full_page=True)

    friend.goto(site + "/voorkeuren/")
    expect(friend.get_by_role("heading", name="Je gegevens", exact=True)).to_be_visible()
    expect(friend.get_by_role("link", name="Download mijn gegevens (JSON)")).to_have_count(0)
    expect(friend.get_by_role("button", name="Wis al mijn gegevens")).to_have_count(0)
    download = friend.request.get(site + "/voorkeuren/mijn-gegevens.json")
    assert download.status == 403 and address not in download.text()
    token = friend.locator('input[name="csrf_token"]').first.get_attribute("value")
    erase = friend.request.post(
        site + "/voorkeuren/wissen", form={"csrf_token": token, "confirm": "y"}
    )
    assert erase.status == 403

    friend.goto(site + "/cursus/testcursus")
    expect(friend.get_by_role("heading", name="Mijn check-ins")).to_be_visible()
    assert "Jouw spanning per les" not in friend.content()

    friend.goto(site + "/voorkeuren/")
    friend.get_by_role("button", name="Stuur me een link").click()
    expect(friend.get_by_text("We hebben je een link gestuurd.")).to_be_visible()
    fresh = smtp_server.wait_for(3)[2].message
    assert fresh["To"] == address  # to the learner, never to whoever asked

    # What the learner writes after the friend opened the link stays hidden from the friend.
    owner.goto(lesson_link)
    expect(owner.get_by_label("Je notitie (als je wilt)")).to_have_value(NOTE)
    owner.get_by_label("Je notitie (als je wilt)").fill(LATER)
    owner.get_by_role("button", name="Bewaar mijn check-in en notitie").click()  # done before
    expect(owner.locator("#afronden").get_by_role("status").last).to_have_text(
        "Bewaard. Alleen jij ziet dit."
    )
    expect(owner.get_by_label("Je notitie (als je wilt)")).to_have_value(LATER)
    friend.goto(lesson_link)
    expect(friend.locator("h1")).to_have_text("Les nummer 1")
    assert LATER not in friend.content() and NOTE not in friend.content()
