"""The "check your email" page: the address and the sender to look for, and "wrong address?"."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from email.utils import parseaddr

import pytest
from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Subscriber
from ecourse.web.signing_up import SHOWN_FOR_SECONDS, SIGNED_UP
from ecourse.worker.passes import run_pass
from tests.factories import enrolled
from tests.web import csrf_token, sign_up_form

WRONG_ADDRESS = re.compile(r'<a href="([^"]+)">Verkeerd adres\? Pas het aan</a>')


def check_page(client, email: str, **fields) -> str:
    answer = sign_up_form(client, email, **fields)
    assert answer.status_code == 302, answer.text
    page = client.get(answer.headers["Location"])
    assert page.status_code == 200 and "<h1>Kijk in je mailbox</h1>" in page.text
    return page.text


def text_of(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">([^<]*)<', page)
    return html.unescape(found.group(1)) if found else ""


@pytest.mark.clock
def test_the_page_names_the_address_and_the_sender_as_the_inbox_shows_them(client, outbox):
    page = check_page(client, "  Anna@Example.ORG ", first_name="Anna")
    run_pass(datetime.now(UTC))
    (confirmation,) = outbox
    name, address = parseaddr(confirmation.sender)
    assert text_of(page, "sent-to") == confirmation.to == "anna@example.org"
    assert name and text_of(page, "sent-by") == name  # the From display name
    assert address in page
    assert WRONG_ADDRESS.search(page)


@pytest.mark.clock
def test_a_known_address_gets_the_very_same_page_as_an_unknown_one(app, client):
    enrolled("bekend@example.org", datetime.now(UTC))
    known = check_page(client, "bekend@example.org")
    unknown = check_page(app.test_client(), "nieuw@example.org")
    assert "bekend@example.org" in known and "nieuw@example.org" in unknown
    assert known.replace("bekend@", "X@") == unknown.replace("nieuw@", "X@")


def test_the_address_comes_only_from_this_browsers_own_sign_up(app, client):
    check_page(client, "eigen@example.org")
    forged = "/aangemeld?email=<b>nep@example.org</b>&adres=nep@example.org"
    stranger = app.test_client().get(forged)  # another browser: nothing of its own
    assert stranger.status_code == 200 and "nep@example.org" not in stranger.text
    assert "eigen@example.org" not in stranger.text and "Verkeerd adres" not in stranger.text
    assert "Als het adres klopt" in stranger.text
    own = client.get(forged)
    assert text_of(own.text, "sent-to") == "eigen@example.org" and "nep@" not in own.text


def test_a_honeypot_hit_shows_no_address(client):
    check_page(client, "eerder@example.org")
    page = check_page(client, "bot@example.org", website="https://spam.example")
    assert "bot@example.org" not in page and "eerder@example.org" not in page
    assert db.session.scalar(select(Subscriber.email)) == "eerder@example.org"


def test_after_an_hour_a_shared_computer_no_longer_shows_the_address(client):
    check_page(client, "gedeeld@example.org")
    with client.session_transaction() as session:
        session[SIGNED_UP] = session[SIGNED_UP] | {"at": session[SIGNED_UP]["at"] - 3601}
    assert SHOWN_FOR_SECONDS == 3600
    page = client.get("/aangemeld").text
    assert "gedeeld@example.org" not in page and "Als het adres klopt" in page
    with client.session_transaction() as session:
        assert SIGNED_UP not in session  # not kept in the cookie either


@pytest.mark.clock
def test_wrong_address_leads_back_to_the_form_filled_in_to_correct_it(client, outbox):
    page = check_page(client, "anna@exmaple.org", first_name="Anna")
    link = html.unescape(WRONG_ADDRESS.search(page).group(1))
    form = client.get(link)
    assert form.status_code == 200 and "Verbeter je e-mailadres" in form.text
    assert re.search(r'<input[^>]* autofocus [^>]*value="anna@exmaple.org"', form.text)
    assert 'value="Anna"' in form.text
    assert not re.search(r'<input[^>]*checked[^>]*name="consent"', form.text)  # tick anew
    data = {"csrf_token": csrf_token(form.text), "email": "anna@example.org", "consent": "y"}
    fixed = client.post(link.split("?")[0], data=data | {"first_name": "Anna"})
    assert fixed.status_code == 302
    corrected = client.get("/aangemeld").text
    assert text_of(corrected, "sent-to") == "anna@example.org"
    run_pass(datetime.now(UTC))
    assert sorted(message.to for message in outbox) == ["anna@example.org", "anna@exmaple.org"]
    statuses = db.session.scalars(select(Subscriber.status)).all()
    assert statuses == ["pending", "pending"]  # the wrong one is never confirmed: it expires


def test_the_correction_link_fills_in_nothing_without_a_sign_up_of_its_own(client):
    form = client.get("/c/testcursus?adres=wijzigen&email=nep@example.org")
    assert form.status_code == 200 and "Verbeter je e-mailadres" not in form.text
    assert "nep@example.org" not in form.text
