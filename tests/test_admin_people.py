"""Admin subscribers: search, the learner's page, confirmed actions, CSV out and in."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ecourse.core.db import db
from ecourse.core.models import Consent, Delivery, DeliveryAttempt, Enrollment, Event, Subscriber
from ecourse.web import learner as learn_service
from ecourse.web.admin import csvfiles
from ecourse.web.providers import events as provider_events
from ecourse.worker.passes import run_pass
from tests.factories import enrolled, run_until, sign_up
from tests.web import ADMIN_EMAIL, csrf_token


def act(client, subscriber: Subscriber, action: str, confirm: bool = True, **fields):
    page = client.get(f"/admin/deelnemers/{subscriber.public_id}")
    data = {"csrf_token": csrf_token(page.text)} | fields
    if confirm:
        data["confirm"] = "y"
    return client.post(f"/admin/deelnemers/{subscriber.public_id}/{action}", data=data)


def enrollment_of(subscriber: Subscriber) -> Enrollment:
    found = db.session.scalar(select(Enrollment).where(Enrollment.subscriber_id == subscriber.id))
    db.session.refresh(found)
    return found


def sent_slugs(subscriber: Subscriber) -> list[str]:
    deliveries = db.session.scalars(
        select(Delivery)
        .where(Delivery.subscriber_id == subscriber.id, Delivery.kind == "lesson")
        .where(Delivery.status == "sent")
        .order_by(Delivery.id)
    )
    return [delivery.lesson.slug for delivery in deliveries]


@pytest.mark.clock
def test_search_by_email_or_name_and_filter_by_status(admin_client):
    now = datetime.now(UTC)
    enrolled("anna@example.org", now, first_name="Anna")
    enrolled("bram@example.org", now, first_name="Bram")
    sign_up("wacht@example.org", now, first_name="Wim")
    page = admin_client.get("/admin/deelnemers?q=ann")
    assert "anna@example.org" in page.text and "bram@example.org" not in page.text
    page = admin_client.get("/admin/deelnemers?q=BRAM")
    assert "bram@example.org" in page.text and "anna@example.org" not in page.text
    page = admin_client.get("/admin/deelnemers?status=pending")
    assert "wacht@example.org" in page.text and "anna@example.org" not in page.text
    page = admin_client.get("/admin/deelnemers?status=active")
    assert "anna@example.org" in page.text and "wacht@example.org" not in page.text
    page = admin_client.get("/admin/deelnemers?q=%25")  # a literal %, not a wildcard
    assert "Niemand gevonden" in page.text


LIST_ROW = re.compile(
    r'>([^<>]+)</a></td>\s*<td[^>]*>[^<]*</td>\s*<td[^>]*><span class="badge (\w+)">'
)


def listed(client, state: str) -> dict[str, str]:
    """The subscriber list filtered by `state`: email → the state shown in its badge."""
    page = client.get(f"/admin/deelnemers?status={state}")
    assert page.status_code == 200
    return dict(LIST_ROW.findall(page.text))


@pytest.mark.clock
def test_status_filter_shows_exactly_the_subscribers_in_each_state(admin_client):
    start = datetime.now(UTC) - timedelta(days=6)
    enrolled("klaar@example.org", start)
    run_until(start, start + timedelta(days=5))  # days 0, 2 and 4: the whole course
    now = datetime.now(UTC)
    sign_up("wacht@example.org", now)
    enrolled("actief@example.org", now)
    paused = enrolled("pauze@example.org", now)
    act(admin_client, paused, "pauzeren", enrollment=enrollment_of(paused).id)
    learn_service.unsubscribe(enrolled("weg@example.org", now), now)
    enrolled("bounce@example.org", now)
    hard_bounce = {"RecordType": "Bounce", "Type": "HardBounce", "Email": "bounce@example.org"}
    provider_events.apply(provider_events.parse_postmark(hard_bounce), "postmark", now)
    expected = {
        "pending": {"wacht@example.org": "pending"},
        "active": {"actief@example.org": "active"},
        "paused": {"pauze@example.org": "paused"},
        "completed": {"klaar@example.org": "completed"},
        "unsubscribed": {"weg@example.org": "unsubscribed"},
        "bounced": {"bounce@example.org": "bounced"},
    }
    assert {state: listed(admin_client, state) for state in expected} == expected
    assert len(listed(admin_client, "")) == 6


@pytest.mark.clock
def test_list_is_paginated(admin_client):
    now = datetime.now(UTC)
    for number in range(30):
        sign_up(f"persoon{number:02d}@example.org", now + timedelta(seconds=number))
    first = admin_client.get("/admin/deelnemers")
    assert "30 deelnemer(s)" in first.text and "Pagina 1 van 2" in first.text
    assert first.text.count("@example.org</a>") == 25
    second = admin_client.get("/admin/deelnemers?pagina=2")
    assert second.text.count("@example.org</a>") == 5
    assert "persoon00@example.org" in second.text  # newest first
    assert admin_client.get("/admin/deelnemers?pagina=-3").status_code == 200


@pytest.mark.clock
def test_subscriber_page_shows_consent_timeline_and_every_attempt(admin_client):
    now = datetime.now(UTC)
    learner = enrolled("lot@example.org", now, first_name="Lot")
    run_pass(now)
    delivery = db.session.scalar(select(Delivery).where(Delivery.kind == "lesson"))
    db.session.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            attempted_at=now,
            outcome="retry",
            detail="451 <script>alert(1)</script> try later",
        )
    )
    db.session.commit()
    page = admin_client.get(f"/admin/deelnemers/{learner.public_id}")
    assert page.status_code == 200
    assert "Ja, stuur mij de gratis e-cursus" in page.text  # the consent, word for word
    assert delivery.message_id.replace("<", "&lt;").replace(">", "&gt;") in page.text
    assert "verstuurd" in page.text and "gepland" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text


@pytest.mark.clock
def test_actions_need_the_confirmation_box(admin_client):
    now = datetime.now(UTC)
    learner = enrolled("lot@example.org", now)
    enrollment = enrollment_of(learner)
    response = act(admin_client, learner, "pauzeren", confirm=False, enrollment=enrollment.id)
    assert response.status_code == 302
    assert enrollment_of(learner).status == "active"
    assert admin_events() == []


@pytest.mark.clock
def test_pause_holds_the_course_and_resume_shifts_it_by_the_pause(admin_client):
    start = datetime.now(UTC) - timedelta(days=1)
    learner = enrolled("lot@example.org", start)
    run_pass(start)
    enrollment = enrollment_of(learner)
    started = enrollment.started_at
    response = act(admin_client, learner, "pauzeren", enrollment=enrollment.id)
    assert response.status_code == 302
    enrollment = enrollment_of(learner)
    assert enrollment.status == "paused" and enrollment.next_due_at is None
    page = admin_client.get("/admin/deelnemers?status=paused")
    assert "lot@example.org" in page.text
    act(admin_client, learner, "hervatten", enrollment=enrollment.id)
    enrollment = enrollment_of(learner)
    assert enrollment.status == "active"
    assert enrollment.started_at > started  # the rest of the course moved along
    assert [event[:2] for event in admin_events()] == [
        ("pause", ADMIN_EMAIL),
        ("resume", ADMIN_EMAIL),
    ]


@pytest.mark.clock
def test_paused_learner_gets_nothing_until_resumed(admin_client):
    now = datetime.now(UTC)
    learner = enrolled("lot@example.org", now)
    run_pass(now)
    act(admin_client, learner, "pauzeren", enrollment=enrollment_of(learner).id)
    run_until(now, now + timedelta(days=10))
    assert sent_slugs(learner) == ["01-les-1"]


@pytest.mark.clock
def test_resend_queues_the_lesson_again_with_a_new_message_id(admin_client):
    now = datetime.now(UTC)
    learner = enrolled("lot@example.org", now)
    run_pass(now)
    enrollment = enrollment_of(learner)
    first = enrollment.course.lessons[0]
    act(admin_client, learner, "opnieuw-sturen", enrollment=enrollment.id, lesson=first.id)
    run_pass(datetime.now(UTC))
    assert sent_slugs(learner) == ["01-les-1", "01-les-1"]
    ids = db.session.scalars(select(Delivery.message_id).where(Delivery.lesson_id == first.id))
    assert len(set(ids)) == 2


@pytest.mark.clock
def test_move_to_a_later_lesson_skips_the_ones_between(admin_client):
    now = datetime.now(UTC)
    learner = enrolled("lot@example.org", now)
    run_pass(now)
    enrollment = enrollment_of(learner)
    third = enrollment.course.lessons[2]
    act(admin_client, learner, "verplaatsen", enrollment=enrollment.id, lesson=third.id)
    run_until(now, now + timedelta(days=3))
    assert sent_slugs(learner) == ["01-les-1", "03-les-3"]
    page = admin_client.get(f"/admin/deelnemers/{learner.public_id}")
    assert "verplaatst naar les 03-les-3 door beheer" in page.text


@pytest.mark.clock
def test_move_back_to_the_first_lesson_starts_a_new_round(admin_client):
    now = datetime.now(UTC) - timedelta(days=5)
    learner = enrolled("lot@example.org", now)
    run_until(now, datetime.now(UTC))
    assert sent_slugs(learner) == ["01-les-1", "02-les-2", "03-les-3"]
    enrollment = enrollment_of(learner)
    assert enrollment.status == "completed"
    first = enrollment.course.lessons[0]
    act(admin_client, learner, "verplaatsen", enrollment=enrollment.id, lesson=first.id)
    enrollment = enrollment_of(learner)
    assert (enrollment.status, enrollment.round) == ("active", 2)
    later = datetime.now(UTC)
    run_until(later, later + timedelta(days=6))
    assert sent_slugs(learner) == ["01-les-1", "02-les-2", "03-les-3"] * 2


@pytest.mark.clock
def test_unsubscribe_by_admin_stops_all_mail(admin_client):
    now = datetime.now(UTC)
    learner = enrolled("lot@example.org", now)
    act(admin_client, learner, "afmelden")
    db.session.refresh(learner)
    assert learner.status == "unsubscribed"
    run_until(now, now + timedelta(days=6))
    assert sent_slugs(learner) == []


@pytest.mark.clock
def test_erase_removes_personal_data_and_keeps_the_counts(admin_client):
    now = datetime.now(UTC)
    learner = enrolled("lot@example.org", now, first_name="Lot")
    run_pass(now)
    consent = db.session.scalar(select(Consent))
    consent.ip_address, consent.user_agent = "192.0.2.7", "Firefox"
    db.session.commit()
    act(admin_client, learner, "wissen")
    db.session.expire_all()
    gone = db.session.get(Subscriber, learner.id)
    assert gone.status == "erased" and gone.first_name == ""
    assert "lot@example.org" not in gone.email
    consent = db.session.scalar(select(Consent))
    assert (consent.ip_address, consent.user_agent) == ("", "")
    assert db.session.scalar(select(func.count(Delivery.id)).where(Delivery.status == "sent")) == 2
    page = admin_client.get("/admin/cursussen/testcursus")
    row = page.text.split("Les nummer 1</a>")[1].split("</tr>")[0]
    assert '<td class="num">1</td>' in row  # still counted as received
    assert "lot@example.org" not in admin_client.get("/admin/deelnemers").text


def admin_events() -> list[tuple[str, str, int, str]]:
    """The journal's events made by admins about learners (learners' confirmations are in
    it too, and so are the admins' own logins)."""
    rows = db.session.execute(
        select(Event.action, Event.admin_email, Event.subscriber_id, Event.detail)
        .where(Event.actor == "admin", Event.subscriber_id.is_not(None))
        .order_by(Event.id)
    )
    return [tuple(row) for row in rows]


@pytest.mark.clock
def test_resend_move_and_unsubscribe_are_each_recorded_with_admin_and_subscriber(admin_client):
    now = datetime.now(UTC)
    enrolled("ander@example.org", now)
    learner = enrolled("lot@example.org", now)
    run_pass(now)
    enrollment = enrollment_of(learner)
    first, third = enrollment.course.lessons[0], enrollment.course.lessons[2]
    before = datetime.now(UTC)
    act(admin_client, learner, "opnieuw-sturen", enrollment=enrollment.id, lesson=first.id)
    act(admin_client, learner, "verplaatsen", enrollment=enrollment.id, lesson=third.id)
    act(admin_client, learner, "afmelden")
    after = datetime.now(UTC)
    assert admin_events() == [
        ("resend", ADMIN_EMAIL, learner.id, "Les nummer 1 opnieuw in de wachtrij"),
        ("move", ADMIN_EMAIL, learner.id, "verplaatst naar Les nummer 3"),
        ("unsubscribe", ADMIN_EMAIL, learner.id, "afgemeld door beheer"),
    ]
    about_learners = (Event.actor == "admin", Event.subscriber_id.is_not(None))
    moments = db.session.scalars(select(Event.at).where(*about_learners)).all()
    assert all(before <= moment <= after for moment in moments)
    page = admin_client.get(f"/admin/deelnemers/{learner.public_id}")
    assert f"verplaatst door {ADMIN_EMAIL}: verplaatst naar Les nummer 3" in page.text
    refused = act(admin_client, learner, "afmelden")  # already unsubscribed: nothing happens
    assert refused.status_code == 302 and len(admin_events()) == 3


@pytest.mark.clock
def test_erase_is_recorded_and_blanks_the_detail_of_earlier_records(admin_client):
    now = datetime.now(UTC)
    other = enrolled("ander@example.org", now)
    learner = enrolled("lot@example.org", now)
    run_pass(now)
    for who in (other, learner):
        act(admin_client, who, "pauzeren", enrollment=enrollment_of(who).id)
    act(admin_client, learner, "wissen")
    assert admin_events() == [
        ("pause", ADMIN_EMAIL, other.id, "gepauzeerd tot hervatten"),
        ("pause", ADMIN_EMAIL, learner.id, ""),
        ("erase", ADMIN_EMAIL, learner.id, "persoonsgegevens gewist"),
    ]
    act(admin_client, learner, "wissen")  # already erased: refused, not recorded twice
    assert len(admin_events()) == 3


@pytest.mark.clock
@pytest.mark.parametrize(
    ("style", "delimiter", "column"), [("standaard", ",", "first_name"), ("excel", ";", "Voornaam")]
)
def test_csv_export_neutralises_formulas(admin_client, style, delimiter, column):
    now = datetime.now(UTC)
    for name in ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTab", "Gewoon"]:
        enrolled(f"p{len(name)}{ord(name[0])}@example.org", now, first_name=name)
    response = admin_client.get(f"/admin/deelnemers/export.csv?formaat={style}")
    assert response.headers["Content-Type"].startswith("text/csv")
    text = response.data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
    names = sorted(row[column] for row in rows)
    assert names == sorted(['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "Tab", "Gewoon"])


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+31", "'+31"),
        ("-x", "'-x"),
        ("@a", "'@a"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Anna", "Anna"),
        ("", ""),
    ],
)
def test_neutralise(cell, expected):
    assert csvfiles.neutralise(cell) == expected


def import_csv(client, text: str, **fields):
    url = "/admin/deelnemers/import"
    token = csrf_token(client.get(url).text)
    data = {"csrf_token": token, "course": "1", "source": "intekenlijst workshop 12 oktober"}
    data |= {"file": (io.BytesIO(text.encode()), "deelnemers.csv")} | fields
    return client.post(url, data=data, content_type="multipart/form-data")


def test_import_with_a_bad_row_applies_nothing_and_says_why(admin_client):
    text = "email,first_name,consent\nanna@example.org,Anna,ja\nniet-een-adres,X,ja\n"
    response = import_csv(admin_client, text)
    assert response.status_code == 400
    assert "Regel 3: ongeldig e-mailadres" in response.text
    assert db.session.scalar(select(func.count(Subscriber.id))) == 0


def test_import_can_skip_bad_rows(admin_client):
    text = (
        "email;first_name;consent\n"
        "anna@example.org;Anna;ja\n"
        "anna@example.org;Dubbel;ja\n"
        "bram@example.org;Bram;misschien\n"
        "cees@example.org;Cees;\n"
    )
    response = import_csv(admin_client, text, skip_bad_rows="y")
    assert response.status_code == 302
    people = {s.email: s.status for s in db.session.scalars(select(Subscriber))}
    assert people == {"anna@example.org": "active", "cees@example.org": "pending"}


@pytest.mark.clock
def test_import_never_activates_without_consent_and_confirms_only_when_asked(admin_client, outbox):
    text = "email,first_name,consent\nja@example.org,Ja,ja\nnee@example.org,Nee,nee\n"
    import_csv(admin_client, text)
    statuses = {s.email: s.status for s in db.session.scalars(select(Subscriber))}
    assert statuses == {"ja@example.org": "active", "nee@example.org": "pending"}
    consent = db.session.scalar(
        select(Consent).join(Subscriber).where(Subscriber.email == "ja@example.org")
    )
    assert "intekenlijst workshop 12 oktober" in consent.text and consent.confirmed_at
    run_pass(datetime.now(UTC))
    assert {m.to for m in outbox} == {"ja@example.org"}  # lesson 1; no confirmation asked
    import_csv(admin_client, "email\nlater@example.org\n", send_confirmations="y")
    run_pass(datetime.now(UTC))
    confirm = [m for m in outbox if m.to == "later@example.org"]
    assert len(confirm) == 1 and "bevestig" in confirm[0].text.lower()
    # Unconfirmed imports are like any unconfirmed sign-up: reminded only if asked, and
    # forgotten after the set period.
    follow_up = {
        c.subscriber.email: (c.remind_at is not None, c.forget_at is not None)
        for c in db.session.scalars(select(Consent))
    }
    assert follow_up == {
        "ja@example.org": (False, False),
        "nee@example.org": (False, True),
        "later@example.org": (True, True),
    }


@pytest.mark.clock
def test_import_leaves_known_people_alone_and_refuses_a_file_without_email_column(admin_client):
    enrolled("al@example.org", datetime.now(UTC), first_name="Al")
    response = import_csv(admin_client, "email,first_name,consent\nal@example.org,Ander,ja\n")
    assert response.status_code == 302  # skipped, not an error (tests/test_admin_data.py)
    assert db.session.scalar(select(Subscriber.first_name)) == "Al"
    response = import_csv(admin_client, "naam\nAnna\n")
    assert response.status_code == 400 and "met in elk geval &#39;email&#39;" in response.text
    response = import_csv(admin_client, "email\nx@example.org\n", source="")
    assert response.status_code == 400 and "Vul de bron van de toestemming in." in response.text
