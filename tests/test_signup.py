"""Sign-up with double opt-in, through the real pages."""

from __future__ import annotations

import html as html_lib
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from ecourse.core import tokens
from ecourse.core.db import db
from ecourse.core.models import Consent, Delivery, Enrollment, Subscriber
from ecourse.web import timetrap
from ecourse.worker.passes import run_pass
from tests.conftest import BASE_URL
from tests.factories import sign_up
from tests.web import csrf_token, link_in, post_form, sign_up_form


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_landing_page_shows_the_course_and_an_unticked_consent(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "<h1>Testcursus</h1>" in page.text
    assert "Tweede alinea." in page.text
    assert 'type="checkbox"' in page.text and "checked" not in page.text
    assert "drie lessen via e-mail" in page.text  # the consent names what they will receive
    assert 'name="website"' in page.text  # the honeypot


def test_sign_up_creates_a_pending_subscriber_with_a_consent_record(client):
    response = sign_up_form(
        client,
        "  Anna@Example.ORG ",
        first_name="Anna",
        timezone="Europe/Brussels",
        headers={"User-Agent": "TestBrowser/1.0"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/aangemeld")
    subscriber = db.session.scalar(select(Subscriber))
    assert (subscriber.email, subscriber.status, subscriber.timezone) == (
        "anna@example.org",
        "pending",
        "Europe/Brussels",
    )
    consent = db.session.scalar(select(Consent))
    assert consent.text.startswith("Ja, stuur mij de gratis e-cursus")
    assert len(consent.text_hash) == 64
    assert consent.ip_address == "127.0.0.1"
    assert consent.user_agent == "TestBrowser/1.0"
    assert consent.source_url == "http://localhost/"
    assert consent.created_at.tzinfo is not None and consent.confirmed_at is None
    assert db.session.scalar(select(Delivery.kind)) == "confirm"


@pytest.mark.clock
def test_confirmation_email_is_transactional_with_an_expiring_link(client, outbox):
    sign_up_form(client, "bea@example.org", first_name="Bea")
    run_pass(datetime.now(UTC))
    (message,) = outbox
    assert message.subject == "Bevestig je aanmelding voor Testcursus"
    assert "Hoi Bea" in message.text and "7 dagen geldig" in message.text
    assert "Les" not in message.subject and "/l/" not in message.text  # no lesson in it
    assert link_in(message.text, "/bevestig/").startswith(BASE_URL)
    assert not any(name == "List-Unsubscribe" for name, _ in message.headers)


def test_duplicate_sign_up_looks_the_same_and_does_not_resend_at_once(client, outbox):
    first = sign_up_form(client, "dup@example.org")
    second = sign_up_form(client, "dup@example.org")
    assert (first.status_code, first.headers["Location"]) == (
        second.status_code,
        second.headers["Location"],
    )
    assert count(Subscriber) == 1
    assert count(Consent) == 2  # each sign-up is its own consent record
    assert db.session.scalar(select(func.count()).where(Delivery.kind == "confirm")) == 1


def test_repeated_sign_up_resends_the_confirmation_after_the_interval(app):
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    sign_up("again@example.org", now)
    sign_up("again@example.org", now + timedelta(minutes=5))
    sign_up("again@example.org", now + timedelta(minutes=20))
    keys = db.session.scalars(select(Delivery.key).order_by(Delivery.id)).all()
    sign_ups = db.session.scalars(select(Consent.id).order_by(Consent.id)).all()
    assert len(sign_ups) == 3  # each sign-up is recorded; the second got no email of its own
    assert keys == [f"confirm:c{sign_ups[0]}", f"confirm:c{sign_ups[2]}"]


@pytest.mark.clock
def test_sign_up_of_an_active_subscriber_changes_nothing_and_says_the_same(client, app):
    from tests.factories import enrolled

    enrolled("active@example.org", datetime.now(UTC))
    response = sign_up_form(client, "active@example.org")
    assert response.headers["Location"].endswith("/aangemeld")
    assert db.session.scalar(select(Subscriber.status)) == "active"


def test_invalid_address_gets_a_clear_message(client):
    response = sign_up_form(client, "not-an-address")
    assert response.status_code == 400
    assert "Dit e-mailadres klopt niet helemaal" in response.text
    assert count(Subscriber) == 0


def test_sign_up_without_consent_is_refused_with_a_message(client):
    response = sign_up_form(client, "noconsent@example.org", consent="")
    assert response.status_code == 400
    assert "Vink aan dat je de lessen wilt ontvangen" in response.text
    assert count(Subscriber) == 0


def test_honeypot_sign_up_is_answered_politely_and_dropped(client):
    response = sign_up_form(client, "bot@example.org", website="http://spam.example")
    assert response.status_code == 302 and response.headers["Location"].endswith("/aangemeld")
    assert count(Subscriber) == 0


def test_sign_up_without_csrf_token_is_refused(client):
    response = client.post("/", data={"email": "x@example.org", "consent": "y"})
    assert response.status_code == 400
    assert "formulier was verlopen" in response.text
    assert count(Subscriber) == 0


def test_sign_ups_are_rate_limited_per_address(client):
    codes = [sign_up_form(client, f"rate{n}@example.org").status_code for n in range(7)]
    assert codes[:5] == [302] * 5
    assert codes[5] == 429
    last = sign_up_form(client, "rate-last@example.org")
    assert "Even rustig aan" in last.text


@pytest.mark.clock
def test_confirm_link_shows_a_button_and_does_not_confirm_on_get(client, outbox):
    sign_up_form(client, "click@example.org")
    run_pass(datetime.now(UTC))
    url = link_in(outbox[0].text, "/bevestig/").replace(BASE_URL, "")
    page = client.get(url)
    assert page.status_code == 200 and "Ja, ik meld me aan" in page.text
    assert db.session.scalar(select(Subscriber.status)) == "pending"
    done = client.post(url, data={"csrf_token": csrf_token(page.text)})
    assert done.status_code == 200 and "Welkom!" in done.text
    subscriber = db.session.scalar(select(Subscriber))
    assert subscriber.status == "active" and subscriber.consents[0].confirmed_at is not None
    enrollment = db.session.scalar(select(Enrollment))
    assert enrollment.started_at == subscriber.confirmed_at


@pytest.mark.clock
def test_confirming_twice_is_harmless(client, outbox):
    sign_up_form(client, "twice@example.org")
    run_pass(datetime.now(UTC))
    url = link_in(outbox[0].text, "/bevestig/").replace(BASE_URL, "")
    assert "Welkom!" in post_form(client, url, {}).text
    again = client.get(url)  # a second visit confirms nothing, opens nothing
    assert again.status_code == 200 and "Je aanmelding is al bevestigd" in again.text
    assert count(Enrollment) == 1


@pytest.mark.clock
def test_expired_confirmation_link_says_so(app, client, outbox):
    app.config["ECOURSE"]["CONFIRM_MAX_AGE_DAYS"] = -1
    sign_up_form(client, "old@example.org")
    run_pass(datetime.now(UTC))
    url = link_in(outbox[0].text, "/bevestig/").replace(BASE_URL, "")
    page = client.get(url)
    assert page.status_code == 400 and "verlopen" in page.text


def test_the_expired_page_names_the_configured_validity(app):
    from flask import render_template

    app.config["ECOURSE"]["CONFIRM_MAX_AGE_DAYS"] = 3
    with app.test_request_context("/bevestig/x"):
        page = render_template("signup/confirm_invalid.html", expired=True)
    assert "Een bevestigingslink is 3 dagen geldig." in page


def test_forged_confirmation_link_is_refused(client):
    page = client.get("/bevestig/eyJhbGciOi.forged.token")
    assert page.status_code == 400 and "werkt niet" in page.text


def test_unknown_course_page_is_a_friendly_404(client):
    page = client.get("/c/bestaat-niet")
    assert page.status_code == 404 and "bestaat niet" in page.text


def test_returning_subscriber_resumes_where_they_left_off(app, outbox):
    from ecourse.web.learner import unsubscribe
    from tests.factories import confirm, enrolled

    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    subscriber = enrolled("back@example.org", start)
    run_pass(start)
    unsubscribe(subscriber, start + timedelta(days=1))
    later = start + timedelta(days=20)
    sign_up("back@example.org", later)
    confirm(subscriber, later)
    run_pass(later)
    lessons = [m.subject for m in outbox if m.subject.startswith("Les")]
    assert lessons == ["Les 1: Les nummer 1", "Les 2: Les nummer 2"]


def _hidden(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert tag, f"no field {name!r}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return html_lib.unescape(value.group(1)) if value else ""


TRAP_SECONDS = 3


@pytest.fixture
def trapped(make_app):
    """An app whose time trap is on: a form must be shown at least 3 s before it is sent."""
    app = make_app(SIGNUP_MIN_SECONDS=TRAP_SECONDS)
    return app.test_client()


def _send_signup(client, email: str, rendered: str | None, **fields):
    """Post the landing form with this time-trap stamp (None: without the field)."""
    page = client.get("/")
    data = {"csrf_token": csrf_token(page.text), "email": email, "consent": "y", "website": ""}
    data |= {"rendered": rendered} if rendered is not None else {}
    return client.post("/", data=data | fields)


@pytest.mark.clock
def test_time_trap_accepts_a_form_shown_long_enough_ago(trapped):
    shown = timetrap.stamp(datetime.now(UTC) - timedelta(seconds=4))
    response = _send_signup(trapped, "mens@example.org", shown)
    assert response.status_code == 302 and response.headers["Location"].endswith("/aangemeld")
    assert db.session.scalar(select(Subscriber.email)) == "mens@example.org"
    assert count(Delivery) == 1


@pytest.mark.clock
def test_a_form_sent_right_after_it_was_shown_comes_back_to_send_with_one_click(trapped, outbox):
    page = trapped.get("/")
    fresh = _hidden(page.text, "rendered")
    assert timetrap.shown_at(fresh) is not None  # the page carries a signed stamp
    data = {"csrf_token": csrf_token(page.text), "email": "snel@example.org", "consent": "y"}
    response = trapped.post("/", data=data | {"rendered": fresh, "first_name": "Snel"})
    assert response.status_code == 200 and "Nog één stap." in response.text
    assert 'value="snel@example.org"' in response.text and 'value="Snel"' in response.text
    assert re.search(r'<input[^>]*checked[^>]*name="consent"', response.text)  # still ticked
    assert _hidden(response.text, "rendered") == fresh  # its first stamp: not trapped anew
    assert (count(Subscriber), count(Consent), count(Delivery)) == (0, 0, 0)
    run_pass(datetime.now(UTC))
    assert outbox == []


@pytest.mark.parametrize(
    "rendered",
    [None, "", "1733130000", "eyJ0IjoxfQ.forged.stamp"],
    ids=["missing", "empty", "unsigned", "forged"],
)
def test_a_form_without_a_true_stamp_is_shown_again_to_be_sent_once_more(trapped, rendered):
    response = _send_signup(trapped, "mens-of-bot@example.org", rendered)
    assert response.status_code == 200 and "Nog één stap." in response.text
    assert 'value="mens-of-bot@example.org"' in response.text  # nothing to type again
    assert timetrap.shown_at(_hidden(response.text, "rendered")) is not None  # stamped anew
    assert count(Subscriber) == 0


@pytest.mark.clock
def test_a_stamp_from_another_key_or_purpose_is_not_taken(trapped):
    then = int((datetime.now(UTC) - timedelta(minutes=5)).timestamp())
    other_key = URLSafeTimedSerializer("another-secret", salt="ecourse.form").dumps(then)
    confirm_token = tokens.make("confirm", then)  # signed by us, but for another purpose
    for stamp in (other_key, confirm_token):
        response = _send_signup(trapped, "bot@example.org", stamp)
        assert response.status_code == 200 and "Nog één stap." in response.text
    assert count(Subscriber) == 0


@pytest.mark.clock
def test_a_form_left_open_for_more_than_a_day_is_shown_again_and_then_taken(trapped):
    stale = timetrap.stamp(datetime.now(UTC) - timedelta(days=1, minutes=1))
    response = _send_signup(trapped, "oud@example.org", stale)
    assert response.status_code == 200 and "Nog één stap." in response.text
    assert count(Subscriber) == 0
    fresh = timetrap.stamp(datetime.now(UTC) - timedelta(seconds=5))  # read, then sent
    again = _send_signup(trapped, "oud@example.org", fresh)
    assert again.status_code == 302 and count(Subscriber) == 1


@pytest.mark.clock
def test_a_form_shown_again_with_errors_keeps_its_first_stamp(trapped):
    shown = timetrap.stamp(datetime.now(UTC) - timedelta(seconds=4))
    page = _send_signup(trapped, "vergeten@example.org", shown, consent="")
    assert page.status_code == 400 and "Vink aan" in page.text
    assert _hidden(page.text, "rendered") == shown  # ticking the box quickly is still human
    again = trapped.post(
        "/",
        data={"csrf_token": csrf_token(page.text), "email": "vergeten@example.org"}
        | {"consent": "y", "rendered": _hidden(page.text, "rendered")},
    )
    assert again.status_code == 302 and count(Subscriber) == 1


@pytest.mark.clock
def test_honeypot_still_drops_a_slow_enough_form(trapped):
    shown = timetrap.stamp(datetime.now(UTC) - timedelta(seconds=10))
    response = _send_signup(trapped, "bot@example.org", shown, website="http://spam.example")
    assert response.status_code == 302 and count(Subscriber) == 0


@pytest.mark.clock
def test_a_fast_person_is_signed_up_by_the_one_click_more(trapped):
    outbox = trapped.application.extensions["ecourse.messenger"].sent
    page = trapped.get("/")
    shown = time.monotonic()  # the stamp is from before this
    data = {"csrf_token": csrf_token(page.text), "email": "autofill@example.org"}
    data |= {"first_name": "Fien", "consent": "y", "rendered": _hidden(page.text, "rendered")}
    again = trapped.post("/", data=data)  # autofill and a tap: sooner than the trap allows
    assert again.status_code == 200 and count(Subscriber) == 0
    assert "Nog één stap." in again.text
    time.sleep(max(0.0, TRAP_SECONDS + 0.05 - (time.monotonic() - shown)))  # a look, a click
    sent = {name: _hidden(again.text, name) for name in ("csrf_token", "email", "rendered")}
    done = trapped.post("/c/testcursus", data=sent | {"first_name": "Fien", "consent": "y"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/aangemeld")
    assert db.session.scalar(select(Subscriber.first_name)) == "Fien"
    run_pass(datetime.now(UTC))
    assert [message.to for message in outbox] == ["autofill@example.org"]


def test_the_time_trap_counts_to_the_millisecond(make_app):
    """A stamp in whole seconds let a form through up to a second early."""
    make_app(SIGNUP_MIN_SECONDS=TRAP_SECONDS)
    shown = datetime(2026, 3, 1, 9, 0, 0, 900_000, tzinfo=UTC)  # late in its second
    rendered = timetrap.stamp(shown)
    assert timetrap.verdict(rendered, shown + timedelta(seconds=2.2)) == timetrap.TOO_FAST
    assert timetrap.verdict(rendered, shown + timedelta(seconds=2.999)) == timetrap.TOO_FAST
    assert timetrap.verdict(rendered, shown + timedelta(seconds=3)) == timetrap.PERSON
    earlier = tokens.make("form", int(shown.timestamp()))  # a page open during the upgrade
    assert timetrap.shown_at(earlier) == int(shown.timestamp())
    assert timetrap.verdict(earlier, shown + timedelta(seconds=2.2)) == timetrap.PERSON
    assert timetrap.shown_at(tokens.make("form", True)) is None


@pytest.mark.clock
def test_a_fast_form_that_is_not_right_gets_its_errors_and_nothing_else(trapped):
    page = trapped.get("/")
    data = {"csrf_token": csrf_token(page.text), "email": "geen-adres", "consent": "y"}
    response = trapped.post("/", data=data | {"rendered": _hidden(page.text, "rendered")})
    assert response.status_code == 400 and "Dit e-mailadres klopt niet helemaal" in response.text
    assert "Nog één stap." not in response.text and count(Subscriber) == 0
