"""The JSON sign-up API: POST /api/v1/signups, its answers, CORS and limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from ecourse.core.db import db
from ecourse.core.models import Consent, Subscriber
from ecourse.learners.signups import consent_text
from ecourse.worker import wakeup
from ecourse.worker.passes import run_pass
from tests.factories import CourseWriter, enrolled, the_course

ACADEMY = "https://academie.nl"
URL = "/api/v1/signups"
ACCEPTED = {"status": "check_your_email"}


@pytest.fixture
def settings(settings):
    return settings | {"EMBED_ORIGINS": ACADEMY, "SIGNUP_MIN_SECONDS": "3"}


@pytest.fixture
def wakes(app) -> list[int]:
    """Counts the wake-ups of the in-process scheduler (as `ecourse serve` has one)."""
    calls: list[int] = []
    wakeup.listen(app, lambda: calls.append(1))
    return calls


def body(**fields) -> dict:
    payload = {"email": "anna@example.org", "first_name": "Anna", "consent": True}
    payload |= {"website": "", "elapsed_ms": 5000}
    return {key: value for key, value in (payload | fields).items() if value is not ...}


def post(client, payload, origin: str | None = ACADEMY, **kwargs):
    headers = {"Origin": origin} if origin else {}
    return client.post(URL, json=payload, headers=headers, **kwargs)


def subscribers() -> int:
    return db.session.scalar(select(func.count()).select_from(Subscriber))


@pytest.mark.clock
def test_a_sign_up_is_accepted_registered_and_confirmed_by_email(app, client, outbox, wakes):
    response = post(client, body(timezone="America/Curacao"))
    assert (response.status_code, response.json) == (202, ACCEPTED)
    assert response.headers["Access-Control-Allow-Origin"] == ACADEMY
    assert "Origin" in response.headers["Vary"]
    subscriber = db.session.scalar(select(Subscriber))
    assert (subscriber.email, subscriber.first_name, subscriber.timezone) == (
        "anna@example.org",
        "Anna",
        "America/Curacao",
    )
    consent = db.session.scalar(select(Consent))
    assert consent.text == consent_text(the_course()) and consent.source_url == ACADEMY
    assert wakes == [1]
    run_pass(datetime.now(UTC))
    assert [message.to for message in outbox] == ["anna@example.org"]


@pytest.mark.clock
def test_a_known_address_gets_the_same_answer_and_nothing_changes(app, client, wakes):
    enrolled("anna@example.org", datetime.now(UTC))
    response = post(client, body())
    assert (response.status_code, response.json) == (202, ACCEPTED)
    assert db.session.scalar(select(Subscriber.status)) == "active"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"consent": ...}, "consent", "Vink aan dat je de lessen wilt ontvangen."),
        ({"consent": "yes"}, "consent", "Vink aan"),
        ({"consent": False}, "consent", "Vink aan"),
        ({"email": "geen-adres"}, "email", "Dit e-mailadres klopt niet helemaal"),
        ({"email": ...}, "email", "Vul je e-mailadres in."),
        ({"email": "  "}, "email", "Vul je e-mailadres in."),
        ({"email": 42}, "email", "email hoort tekst te zijn."),
        ({"first_name": "A" * 101}, "first_name", "hoogstens 100 tekens"),
        ({"elapsed_ms": ...}, "elapsed_ms", "milliseconden"),
        ({"elapsed_ms": -1}, "elapsed_ms", "milliseconden"),
        ({"elapsed_ms": "5000"}, "elapsed_ms", "milliseconden"),
        ({"elapsed_ms": True}, "elapsed_ms", "milliseconden"),
        ({"course": "bestaat-niet"}, "course", "Deze cursus bestaat niet."),
    ],
)
def test_invalid_input_is_refused_with_the_field(app, client, wakes, fields, field, message):
    response = post(client, body(**fields))
    assert response.status_code == 400
    assert response.json["field"] == field and message in response.json["error"]
    assert response.headers["Access-Control-Allow-Origin"] == ACADEMY  # the page can read it
    assert subscribers() == 0 and wakes == []


def test_a_body_that_is_not_json_is_refused(app, client):
    form = client.post(URL, data={"email": "anna@example.org"}, headers={"Origin": ACADEMY})
    assert form.status_code == 415 and "application/json" in form.json["error"]
    broken = client.post(
        URL, data="{email:", headers={"Origin": ACADEMY, "Content-Type": "application/json"}
    )
    assert broken.status_code == 400 and broken.json["field"] is None
    listed = post(client, [body()])
    assert listed.status_code == 400
    assert subscribers() == 0


def test_the_honeypot_drops_quietly(app, client, wakes):
    response = post(client, body(website="https://spam.example"))
    assert (response.status_code, response.json) == (202, ACCEPTED)
    assert subscribers() == 0 and wakes == []


def test_a_sign_up_too_fast_is_asked_for_one_click_more_and_then_taken(app, client, wakes):
    response = post(client, body(elapsed_ms=2999))
    assert response.status_code == 409 and response.json["field"] is None
    assert response.json["error"].startswith("Bijna klaar: kijk of alles klopt")
    assert response.headers["Access-Control-Allow-Origin"] == ACADEMY  # the page can show it
    assert subscribers() == 0 and wakes == []
    again = post(client, body(elapsed_ms=4200))  # the page sends again after the click
    assert (again.status_code, again.json) == (202, ACCEPTED)
    assert subscribers() == 1 and wakes == [1]


def test_a_bot_filling_the_honeypot_learns_nothing_from_validation(app, client):
    response = post(client, {"website": "x", "email": "geen-adres"})
    assert (response.status_code, response.json) == (202, ACCEPTED)


def test_another_site_is_refused(app, client):
    response = post(client, body(), origin="https://nep-academie.nl")
    assert response.status_code == 403 and "Deze website" in response.json["error"]
    assert "Access-Control-Allow-Origin" not in response.headers
    assert subscribers() == 0


def test_a_call_without_origin_from_a_server_is_accepted(app, client):
    response = post(client, body(), origin=None)
    assert response.status_code == 202 and subscribers() == 1
    assert "Access-Control-Allow-Origin" not in response.headers


def test_without_allowed_sites_the_api_is_off(make_app):
    client = make_app(EMBED_ORIGINS="").test_client()
    for origin in (ACADEMY, None):
        response = post(client, body(), origin=origin)
        assert response.status_code == 403 and "staat uit" in response.json["error"]
    assert subscribers() == 0


def test_the_preflight_is_answered_for_allowed_sites_only(app, client):
    asking = {"Access-Control-Request-Method": "POST"}
    allowed = client.options(URL, headers={"Origin": ACADEMY} | asking)
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == ACADEMY
    assert allowed.headers["Access-Control-Allow-Methods"] == "POST"
    assert allowed.headers["Access-Control-Allow-Headers"] == "Content-Type"
    assert allowed.headers["Access-Control-Max-Age"] == "600"
    other = client.options(URL, headers={"Origin": "https://elders.example"} | asking)
    assert other.status_code == 403
    assert "Access-Control-Allow-Origin" not in other.headers


def test_too_many_sign_ups_get_a_json_429(app, client):
    codes = [post(client, body(email=f"r{n}@example.org")).status_code for n in range(6)]
    assert codes == [202] * 5 + [429]
    limited = post(client, body(email="laatste@example.org"))
    assert limited.status_code == 429 and limited.mimetype == "application/json"
    assert "Even rustig aan" in limited.json["error"]
    assert limited.headers["Access-Control-Allow-Origin"] == ACADEMY
    assert "Retry-After" in limited.headers


@pytest.mark.clock
def test_the_course_is_chosen_by_slug_or_is_the_default(app, client, course_files, settings):
    from pathlib import Path

    from ecourse.content.catalog import import_path

    second = CourseWriter(course_files.root.parent / "tweede")
    second.course(title="Tweede cursus")
    second.lesson("01-begin", title="Begin", day=0)
    import_path(Path(settings["LESSONS_DIR"]), "Europe/Amsterdam", datetime.now(UTC))
    post(client, body(email="een@example.org"))
    post(client, body(email="twee@example.org", course="tweede"))
    rows = db.session.execute(
        select(Subscriber.email, Consent.text).join(Consent).order_by(Subscriber.email)
    ).all()
    assert [(email, text.split("‘")[1].split("’")[0]) for email, text in rows] == [
        ("een@example.org", "Testcursus"),
        ("twee@example.org", "Tweede cursus"),
    ]


def test_a_body_over_a_megabyte_gets_a_json_413(app, client):
    response = post(client, body(first_name="A" * (1024 * 1024)))
    assert response.status_code == 413 and response.json["error"] == "Dat is te veel in één keer."
    assert subscribers() == 0
