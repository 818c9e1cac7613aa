"""The sign-up rate limit counts only sign-ups answered with "check your email": a person's
mistakes and the one-click form never lock them out (default: 5 per minute per address)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ecourse.core.db import db
from ecourse.core.models import Subscriber
from ecourse.web import timetrap
from tests.web import csrf_token, sign_up_form

ACADEMY = "https://academie.nl"
MISTAKES = [
    {"email": "geen-adres"},
    {"email": ""},
    {"email": "anna@example.org", "consent": ""},
    {"email": "anna@example.org", "first_name": "A" * 101},
    {"email": "jösé@example.org"},  # cannot be sent (SMTPUTF8): refused by the service
]


def subscribers() -> int:
    return db.session.scalar(select(func.count()).select_from(Subscriber))


def test_five_mistakes_then_five_sign_ups_are_all_taken_and_the_sixth_is_limited(client):
    mistakes = [sign_up_form(client, **fields).status_code for fields in MISTAKES]
    assert mistakes == [400] * 5
    taken = [sign_up_form(client, f"mens{n}@example.org").status_code for n in range(5)]
    assert taken == [302] * 5 and subscribers() == 5
    sixth = sign_up_form(client, "zesde@example.org")
    assert sixth.status_code == 429 and "Even rustig aan" in sixth.text
    assert subscribers() == 5


def test_honeypot_hits_count_as_accepted_ones_so_a_bot_cannot_tell(client):
    codes = [
        sign_up_form(client, f"bot{n}@example.org", website="https://spam.example").status_code
        for n in range(6)
    ]
    assert codes == [302] * 5 + [429]
    assert subscribers() == 0


@pytest.fixture
def trapped_client(make_app):
    app = make_app(SIGNUP_MIN_SECONDS=3, EMBED_ORIGINS=ACADEMY)
    return app.test_client()


@pytest.mark.clock
def test_the_one_click_form_for_a_fast_sign_up_costs_nothing(trapped_client):
    client = trapped_client
    for n in range(6):  # sent at once: each comes back to send with one click
        page = client.get("/")
        data = {"csrf_token": csrf_token(page.text), "email": f"snel{n}@example.org"}
        again = client.post("/", data=data | {"consent": "y", "rendered": "stempel"})
        assert again.status_code == 200 and "Nog één stap." in again.text
    shown = timetrap.stamp(datetime.now(UTC) - timedelta(seconds=5))
    page = client.get("/")
    data = {"csrf_token": csrf_token(page.text), "email": "snel@example.org", "consent": "y"}
    assert client.post("/", data=data | {"rendered": shown}).status_code == 302
    assert subscribers() == 1


def test_mistakes_and_fast_sign_ups_through_the_snippet_and_the_api_cost_nothing(
    trapped_client,
):
    client = trapped_client
    headers = {"Origin": ACADEMY}
    form = {"email": "anna@example.org", "consent": "y", "elapsed_ms": "5000"}
    snippet = [
        client.post("/aanmelden/testcursus", data=form | fields, headers=headers).status_code
        for fields in ({"email": "geen-adres"}, {"consent": ""}, {"elapsed_ms": "100"})
    ]
    assert snippet == [400, 400, 200]
    body = {"email": "anna@example.org", "consent": True, "elapsed_ms": 5000}
    api = [
        client.post("/api/v1/signups", json=body | fields, headers=headers).status_code
        for fields in ({"email": "geen-adres"}, {"consent": False}, {"elapsed_ms": 10})
    ]
    assert api == [400, 400, 409]
    taken = [
        client.post("/api/v1/signups", json=body | {"email": f"r{n}@example.org"}, headers=headers)
        for n in range(6)
    ]
    assert [answer.status_code for answer in taken] == [202] * 5 + [429]
    assert subscribers() == 5
