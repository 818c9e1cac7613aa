"""The Postmark messenger against a local HTTP server, and the bounce/complaint webhook."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Delivery, Enrollment, ProviderEvent, Subscriber
from ecourse.mail.base import create
from ecourse.worker.passes import run_pass
from tests.factories import enrolled
from tests.fakepostmark import FakePostmark
from tests.smtpserver import free_port
from tests.test_wire import sample

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def postmark():
    server = FakePostmark()
    server.start()
    yield server
    server.stop()


def messenger_for(postmark, **changes):
    settings = postmark.settings | {
        "POSTMARK_MESSAGE_STREAM": "outbound",
        "SMTP_TIMEOUT": 5,
        "HTTP_CONCURRENCY": 2,
    }
    return create("postmark", settings | changes)


def test_batch_is_sent_in_postmarks_shape_with_our_headers(postmark):
    message = sample(headers=(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),))
    (outcome,) = messenger_for(postmark).send([message])
    assert outcome.ok and "pm-0" in outcome.detail
    (sent,) = postmark.batches[0]
    assert (sent["To"], sent["Subject"], sent["MessageStream"]) == (
        "lezer@example.org",
        "Les 1: Welkom",
        "outbound",
    )
    assert sent["TextBody"] == message.text and sent["HtmlBody"] == message.html
    assert sent["ReplyTo"] == "vragen@academie.test"
    assert {"Name": "Message-ID", "Value": "<abc@academie.test>"} in sent["Headers"]
    assert {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"} in sent[
        "Headers"
    ]


def test_each_message_gets_its_own_outcome(postmark):
    outcomes = messenger_for(postmark).send(
        [
            sample(to="ok@example.org"),
            sample(to="bounce@example.org"),
            sample(to="invalid@example.org"),
        ]
    )
    assert [(o.ok, o.permanent, o.bounced) for o in outcomes] == [
        (True, False, False),
        (False, True, True),  # inactive recipient: the address is suppressed
        (False, True, False),  # a refused message: fails, the address stays
    ]


@pytest.mark.parametrize(
    ("to", "changes", "permanent"),
    [
        ("throttle@example.org", {}, False),  # 429: retry
        ("broken@example.org", {}, False),  # 5xx: retry
        (
            "ok@example.org",
            {"POSTMARK_TOKEN": "wrong"},
            False,
        ),  # our configuration: retry and pause
    ],
)
def test_whole_batch_replies_map_onto_the_retry_rules(postmark, to, changes, permanent):
    (outcome,) = messenger_for(postmark, **changes).send([sample(to=to)])
    assert (outcome.ok, outcome.permanent, outcome.bounced) == (False, permanent, False)


def test_other_4xx_fails_the_batch_for_good_without_bouncing(postmark):
    (outcome,) = messenger_for(postmark).send([sample(sender="")])
    assert (outcome.ok, outcome.permanent, outcome.bounced) == (False, True, False)
    assert "422" in outcome.detail


def test_unreachable_api_is_a_retry(postmark):
    (outcome,) = messenger_for(postmark, POSTMARK_API_URL=f"http://127.0.0.1:{free_port()}").send(
        [sample()]
    )
    assert not outcome.ok and not outcome.permanent and "cannot reach Postmark" in outcome.detail


def test_a_whole_course_goes_out_through_the_api(make_app, postmark):
    make_app(**postmark.settings)
    enrolled("api@example.org", NOW)
    run_pass(NOW)
    sent = [message["Subject"] for batch in postmark.batches for message in batch]
    assert sent == ["Bevestig je aanmelding voor Testcursus", "Les 1: Les nummer 1"]
    enrolled("bounce@example.org", NOW)
    assert (
        db.session.scalar(select(Subscriber.status).where(Subscriber.email == "bounce@example.org"))
        == "bounced"
    )


def post_event(client, payload, secret="hook-secret", how="basic"):
    headers = {}
    if how == "basic":
        headers["Authorization"] = (
            "Basic " + base64.b64encode(f"postmark:{secret}".encode()).decode()
        )
    elif how == "header":
        headers["X-Webhook-Secret"] = secret
    return client.post("/webhooks/postmark", json=payload, headers=headers)


@pytest.fixture
def hooked(make_app):
    app = make_app(WEBHOOK_SECRET="hook-secret")
    return app.test_client()


def test_webhook_needs_the_shared_secret(hooked):
    payload = {"RecordType": "Bounce", "Type": "HardBounce", "Email": "x@example.org"}
    assert post_event(hooked, payload, how="none").status_code == 401
    assert post_event(hooked, payload, secret="guess").status_code == 401
    assert post_event(hooked, payload, how="header").status_code == 200


def test_webhook_is_off_without_a_secret(make_app):
    client = make_app().test_client()
    response = client.post("/webhooks/postmark", json={})
    assert response.status_code == 404 and "ECOURSE_WEBHOOK_SECRET" in response.json["error"]


def test_hard_bounce_suppresses_the_address_and_stops_its_mail(hooked):
    subscriber = enrolled("hard@example.org", NOW)
    payload = {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "Email": "Hard@Example.org",
        "Description": "The server was unable to deliver your message",
        "Details": "550 5.1.1 <script>",
    }
    response = post_event(hooked, payload)
    assert response.json == {"ok": True, "kind": "hard bounce", "suppressed": True}
    db.session.refresh(subscriber)
    assert subscriber.status == "bounced" and "HardBounce" in subscriber.suppressed_reason
    assert (
        db.session.scalar(select(Enrollment.status)) == "bounced"
    )  # every course of the address ends as bounced
    statuses = db.session.scalars(select(Delivery.status).where(Delivery.kind == "lesson")).all()
    assert "queued" not in statuses


def test_complaint_unsubscribes(hooked):
    subscriber = enrolled("spam@example.org", NOW)
    response = post_event(hooked, {"RecordType": "SpamComplaint", "Email": "spam@example.org"})
    assert response.json["suppressed"] is True
    db.session.refresh(subscriber)
    assert subscriber.status == "unsubscribed" and subscriber.suppressed_reason.startswith(
        "complaint"
    )


def test_soft_bounce_is_recorded_but_suppresses_nothing(hooked):
    subscriber = enrolled("soft@example.org", NOW)
    response = post_event(
        hooked, {"RecordType": "Bounce", "Type": "SoftBounce", "Email": "soft@example.org"}
    )
    assert response.json["suppressed"] is False
    db.session.refresh(subscriber)
    assert subscriber.status == "active"
    assert db.session.scalar(select(ProviderEvent.kind)) == "soft bounce"


def test_stored_event_text_has_no_control_characters(hooked):
    payload = {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "Email": "ctl@example.org",
        "Description": "evil\x1b[31m red\r\nline",
        "Details": "<b>x</b>",
    }
    post_event(hooked, payload)
    detail = db.session.scalar(select(ProviderEvent.detail))
    assert "\x1b" not in detail and "\r" not in detail and "\n" not in detail
    assert "<b>x</b>" in detail  # kept as text; every page escapes it when shown


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "expected a JSON object"),
        ({"RecordType": "Bounce"}, "no Email"),
        ({"RecordType": "Open", "Email": "a@b.c"}, "unsupported RecordType"),
    ],
)
def test_bad_payloads_get_a_json_error(hooked, body, message):
    headers = {"X-Webhook-Secret": "hook-secret"}
    if isinstance(body, str):
        response = hooked.post(
            "/webhooks/postmark", data=body, headers=headers, content_type="application/json"
        )
    else:
        response = hooked.post("/webhooks/postmark", json=body, headers=headers)
    assert response.status_code == 400 and message in response.json["error"]


def test_event_for_an_unknown_address_is_recorded_and_accepted(hooked):
    response = post_event(hooked, {"RecordType": "SpamComplaint", "Email": "nobody@example.org"})
    assert response.status_code == 200 and response.json["suppressed"] is False
    assert db.session.scalar(select(ProviderEvent.email)) == "nobody@example.org"


@pytest.mark.clock
def test_provider_events_are_shown_escaped_on_the_subscriber_page(hooked):
    from ecourse.learners import accounts
    from tests.web import ADMIN_EMAIL, ADMIN_PASSWORD, log_in

    subscriber = enrolled("xss@example.org", NOW)
    soft = {"RecordType": "Bounce", "Type": "SoftBounce", "Email": "XSS@example.org"}
    post_event(hooked, soft | {"Description": "<script>alert('soft')</script>"})
    hard = {"RecordType": "Bounce", "Type": "HardBounce", "Email": "xss@example.org"}
    post_event(hooked, hard | {"Details": '550 <img src=x onerror="alert(1)">'})
    post_event(hooked, {"RecordType": "SpamComplaint", "Email": "xss@example.org"})
    post_event(hooked, soft | {"Email": "other@example.org", "Description": "not theirs"})
    accounts.create(ADMIN_EMAIL, ADMIN_PASSWORD, datetime.now(UTC))
    assert log_in(hooked).status_code == 302
    page = hooked.get(f"/admin/deelnemers/{subscriber.public_id}").text
    section = page.split("<h2>Meldingen van de mailprovider</h2>")[1].split("<h2>")[0]
    assert "&lt;script&gt;alert(&#39;soft&#39;)&lt;/script&gt;" in section
    assert "550 &lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in section
    assert [kind in section for kind in ("zachte bounce", "harde bounce", "klacht")] == [True] * 3
    assert "(adres gestopt)" in section and "not theirs" not in section
    assert "<script>alert" not in page and "<img src=x" not in page
