"""The admin team in a real browser: an owner invites an editor by email, the editor joins
through the link and sees only the lessons, turns on the second factor with an app's code,
and the owner reads it all back on the audit page. Every page passes axe."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.accessibility import assert_accessible
from tests.web import ADMIN_EMAIL, ADMIN_PASSWORD, link_in

pytestmark = [pytest.mark.browser, pytest.mark.clock]

EDITOR = "redactie@example.org"


def _log_in(page, server: str, email: str, password: str) -> None:
    page.goto(f"{server}/admin/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


def test_an_owner_invites_an_editor_who_joins_and_turns_on_two_steps(
    server, browser, smtp_server, admin
):
    owner = browser.new_context(locale="nl-NL").new_page()
    _log_in(owner, server, ADMIN_EMAIL, ADMIN_PASSWORD)
    owner.get_by_role("link", name="Beheerders").click()
    assert_accessible(owner, "team page")
    owner.get_by_label("E-mailadres").fill(EDITOR)
    owner.get_by_label("Rol", exact=True).select_option("editor")
    owner.get_by_role("button", name="Uitnodiging sturen").click()
    expect(owner.get_by_role("status")).to_contain_text(f"Uitnodiging verstuurd naar {EDITOR}")
    expect(owner.get_by_role("row", name=re.compile(EDITOR))).to_contain_text("uitgenodigd")

    (invitation,) = smtp_server.wait_for(1)
    assert invitation.rcpt_tos == [EDITOR]
    link = link_in(invitation.message.get_body(("plain",)).get_content(), "/admin/welkom/")
    editor = browser.new_context(locale="nl-NL").new_page()
    editor.goto(link)
    assert_accessible(editor, "welcome page")
    editor.get_by_label("Kies een wachtwoord").fill("lessen-schrijven-7")
    editor.get_by_label("Herhaal het wachtwoord").fill("lessen-schrijven-7")
    editor.get_by_role("button", name="Wachtwoord opslaan en beginnen").click()
    expect(editor.get_by_role("status")).to_contain_text("Welkom!")
    navigation = editor.get_by_role("navigation", name="Beheer")
    expect(navigation.get_by_role("link", name="Lessen")).to_be_visible()
    expect(navigation.get_by_role("link", name="Deelnemers")).to_have_count(0)
    expect(navigation.get_by_role("link", name="Beheerders")).to_have_count(0)

    navigation.get_by_role("link", name="Mijn account").click()
    assert_accessible(editor, "account page")
    editor.get_by_role("link", name="Inloggen in twee stappen aanzetten").click()
    expect(editor.locator(".qr svg")).to_be_visible()
    assert_accessible(editor, "two-step set-up page")
    secret = editor.locator("code[data-key]").get_attribute("data-key")
    assert secret.replace(" ", "") in editor.locator("code[data-key]").inner_text().replace(" ", "")
    editor.get_by_label("De code die je app nu toont").fill(pyotp.TOTP(secret).now())
    editor.get_by_label("Je wachtwoord").fill("lessen-schrijven-7")
    editor.get_by_role("button", name="Aanzetten").click()
    expect(editor.locator("h1")).to_contain_text("dit zijn je herstelcodes")
    expect(editor.locator(".codes li")).to_have_count(10)

    editor.get_by_role("button", name="Uitloggen").click()
    _log_in(editor, server, EDITOR, "lessen-schrijven-7")
    # The code just used to turn it on works once: the app's next one, as 30 s later.
    editor.get_by_label("De code uit je app").fill(pyotp.TOTP(secret).at(time.time() + 30))
    editor.get_by_role("button", name="Inloggen").click()
    expect(editor.locator("h1")).not_to_contain_text("Inloggen")
    editor.goto(f"{server}/admin/deelnemers")
    expect(editor.locator("h1")).to_have_text("Dit deel is alleen voor eigenaren")
    editor.get_by_role("link", name="Naar de lessen").click()
    expect(editor.locator("h1")).not_to_contain_text("eigenaren")

    owner.get_by_role("link", name="Logboek").click()
    assert_accessible(owner, "audit page")
    owner.get_by_label("Wie").select_option(EDITOR)
    owner.get_by_role("button", name="Filteren").click()
    rows = owner.locator("tbody tr")
    for action in ("uitnodiging aangenomen", "inloggen in twee stappen aangezet", "ingelogd"):
        expect(rows.filter(has_text=action).first).to_be_visible()
    expect(rows.filter(has_text="beheerder uitgenodigd")).to_have_count(0)  # the owner did that
