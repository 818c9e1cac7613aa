"""Access in tiers: what an emailed link opens, what needs a fresh link, and switching learner.

A lesson email may be forwarded. Its links open the lessons, the exercise and the pace
controls; the data download, erasure and earlier notes need a fresh link, emailed to the
learner when asked for, good for an hour and once (docs/privacy.md).
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import UTC, datetime

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Delivery, Progress, Subscriber, UsedLink
from ecourse.core.statuses import DeliveryKind
from ecourse.worker.passes import run_pass
from tests.conftest import BASE_URL
from tests.factories import enrolled
from tests.web import csrf_token, link_in

DOWNLOAD = "/voorkeuren/mijn-gegevens.json"


class _Aged(URLSafeTimedSerializer):
    """Signs as if `seconds` ago: the product's own key and purpose, an older timestamp."""

    seconds = 0

    def make_signer(self, salt=None):
        signer = super().make_signer(salt)
        signer.get_timestamp = lambda: int(time.time()) - self.seconds
        return signer


def aged_token(app, purpose: str, payload, seconds: int) -> str:
    serializer = _Aged(app.secret_key, salt=f"ecourse.{purpose}")
    serializer.seconds = seconds
    return serializer.dumps(payload)


@pytest.fixture
def learner(app, outbox):
    """A learner who has had lesson 1."""
    now = datetime.now(UTC)
    subscriber = enrolled("eigen@example.org", now, first_name="Eva")
    run_pass(now)
    return subscriber


def link_of(outbox, subject_start: str, path: str) -> str:
    message = next(m for m in outbox if m.subject.startswith(subject_start))
    return link_in(message.text, path).replace(BASE_URL, "")


def enter_lesson(client, outbox):
    entered = client.get(link_of(outbox, "Les 1", "/l/"))
    assert entered.status_code == 302
    return entered.location


def open_fresh_link(client, outbox) -> None:
    """Ask for a fresh link from the preferences page, have it sent, click it open."""
    page = client.get("/voorkeuren/")
    asked = client.post("/link/mij", data={"csrf_token": csrf_token(page.text)})
    assert asked.status_code == 302
    run_pass(datetime.now(UTC))
    link = link_of(outbox, "Je link", "/toegang/")
    shown = client.get(link)
    assert shown.status_code == 200 and "Open mijn pagina" in shown.text
    opened = client.post(link, data={"csrf_token": csrf_token(shown.text)})
    assert opened.status_code == 302 and opened.location.endswith("/voorkeuren/#gegevens")


def test_a_lesson_link_opens_the_lesson_and_the_pace_but_not_the_data(client, learner, outbox):
    lesson_page = client.get(enter_lesson(client, outbox))
    assert lesson_page.status_code == 200 and "Les nummer 1" in lesson_page.text
    preferences = client.get("/voorkeuren/")
    assert preferences.status_code == 200 and "Even pauzeren" in preferences.text
    assert "Download mijn gegevens" not in preferences.text
    assert "Wis al mijn gegevens" not in preferences.text
    assert "Stuur me een link" in preferences.text
    download = client.get(DOWNLOAD)
    assert download.status_code == 403 and "eigen@example.org" not in download.text
    assert "Eerst een nieuwe link" in download.text
    erase = client.post(
        "/voorkeuren/wissen", data={"csrf_token": csrf_token(preferences.text), "confirm": "y"}
    )
    assert erase.status_code == 403
    db.session.expire_all()
    assert db.session.get(Subscriber, learner.id).status == "active"


@pytest.mark.clock
def test_a_fresh_link_goes_to_the_learner_opens_the_data_once_and_only_by_a_click(
    client, learner, outbox
):
    enter_lesson(client, outbox)
    open_fresh_link(client, outbox)
    message = next(m for m in outbox if m.subject.startswith("Je link"))
    assert message.to == "eigen@example.org"
    assert "De link werkt een uur en één keer." in message.text
    download = client.get(DOWNLOAD)
    assert download.status_code == 200 and download.json["profile"]["email"] == "eigen@example.org"
    assert download.headers["Cache-Control"] == "no-store"
    link = link_of(outbox, "Je link", "/toegang/")
    again = client.get(link)
    assert again.status_code == 400 and "Deze link is al gebruikt" in again.text
    assert db.session.scalar(select(UsedLink.nonce)) is not None


@pytest.mark.clock
def test_a_mail_scanner_that_fetches_the_fresh_link_does_not_use_it_up(app, learner, outbox):
    first, scanner = app.test_client(), app.test_client()
    first.get(link_of(outbox, "Les 1", "/l/"))
    page = first.get("/voorkeuren/")
    first.post("/link/mij", data={"csrf_token": csrf_token(page.text)})
    run_pass(datetime.now(UTC))
    link = link_of(outbox, "Je link", "/toegang/")
    for _ in range(3):
        assert scanner.get(link).status_code == 200
    assert scanner.get(DOWNLOAD).status_code == 403  # fetching opened nothing
    shown = first.get(link)
    assert first.post(link, data={"csrf_token": csrf_token(shown.text)}).status_code == 302
    assert first.get(DOWNLOAD).status_code == 200


def test_a_fresh_link_works_for_an_hour(app, client, learner):
    nonce = "f" * 32
    old = aged_token(app, "access", [learner.public_id, nonce], 3601)
    refused = client.get(f"/toegang/{old}")
    assert refused.status_code == 400 and "Deze link is verlopen" in refused.text
    assert "Stuur me een nieuwe link" in refused.text  # and the page offers another
    young = aged_token(app, "access", [learner.public_id, nonce], 3500)
    assert client.get(f"/toegang/{young}").status_code == 200


@pytest.mark.parametrize("purpose", ["lesson", "preferences"])
def test_an_emailed_link_expires_after_the_configured_days_and_offers_a_fresh_one(
    app, client, learner, purpose
):
    lesson = learner.enrollments[0].course.published_lessons[0]
    payload = [learner.public_id, lesson.id] if purpose == "lesson" else learner.public_id
    path = "/l/" if purpose == "lesson" else "/voorkeuren/link/"
    day = 86400
    fresh = aged_token(app, purpose, payload, 89 * day)
    assert client.get(path + fresh).status_code == 302
    expired = aged_token(app, purpose, payload, 91 * day)
    refused = app.test_client().get(path + expired)
    assert refused.status_code == 400
    assert "Deze link is verlopen" in refused.text and "90 dagen" in refused.text
    assert 'action="/link"' in refused.text


@pytest.mark.clock
def test_the_link_age_is_a_setting(make_app):
    app = make_app(LINK_MAX_AGE_DAYS="10")
    learner = enrolled("kort@example.org", datetime.now(UTC))
    token = aged_token(app, "preferences", learner.public_id, 11 * 86400)
    assert app.test_client().get(f"/voorkeuren/link/{token}").status_code == 400
    token = aged_token(app, "preferences", learner.public_id, 9 * 86400)
    assert app.test_client().get(f"/voorkeuren/link/{token}").status_code == 302


def ask_for_link(client, address: str):
    page = client.get("/link")
    return client.post(
        "/link", data={"csrf_token": csrf_token(page.text), "email": address}, follow_redirects=True
    )


@pytest.mark.clock
def test_asking_for_a_link_answers_the_same_whoever_asks_and_logs_no_address(
    client, learner, outbox, caplog
):
    caplog.set_level(logging.INFO)
    known = ask_for_link(client, "Eigen@Example.org")
    unknown = ask_for_link(client, "niemand@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text and "Als dit adres bij een deelnemer hoort" in known.text
    run_pass(datetime.now(UTC))
    fresh = [m for m in outbox if m.subject.startswith("Je link")]
    assert [m.to for m in fresh] == ["eigen@example.org"]
    assert "eigen@example.org" not in caplog.text.lower() and "niemand" not in caplog.text
    assert learner.public_id in caplog.text


def test_an_address_gets_at_most_three_fresh_links_an_hour(client, learner):
    for _ in range(5):  # the most one client may ask in a quarter of an hour
        assert ask_for_link(client, "eigen@example.org").status_code == 200
        time.sleep(1.01)  # each request is an email of its own (keyed by the second)
    count = db.session.scalar(
        select(db.func.count()).select_from(Delivery).where(Delivery.kind == DeliveryKind.ACCESS)
    )
    assert count == 3


def test_a_client_may_ask_five_times_in_a_quarter_hour(client, learner):
    answers = [ask_for_link(client, f"iemand{n}@example.org") for n in range(6)]
    assert [answer.status_code for answer in answers] == [200] * 5 + [429]
    assert "Je vroeg hier net een paar keer om een link" in answers[-1].text


@pytest.mark.clock
def test_an_unconfirmed_or_bounced_address_gets_no_fresh_link(client, learner, outbox):
    db.session.get(Subscriber, learner.id).status = "bounced"
    db.session.commit()
    ask_for_link(client, "eigen@example.org")
    run_pass(datetime.now(UTC))
    assert not [m for m in outbox if m.subject.startswith("Je link")]


def write_note(client, lesson_url: str, note: str, after: str = ""):
    page = client.get(lesson_url)
    data = {"csrf_token": csrf_token(page.text), "deel": "na", "notitie": note, "na": after}
    return client.post(lesson_url + "/check-in", data=data)


def test_a_forwarded_lesson_shows_none_of_the_earlier_notes_and_loses_none_of_them(
    app, learner, outbox
):
    owner, friend = app.test_client(), app.test_client()
    lesson_url = owner.get(link_of(outbox, "Les 1", "/l/")).location
    write_note(owner, lesson_url, "Mijn schouders zakten.", after="3")
    assert "Mijn schouders zakten." in owner.get(lesson_url).text
    friend.get(link_of(outbox, "Les 1", "/l/"))  # the forwarded email
    page = friend.get(lesson_url)
    assert page.status_code == 200 and "Les nummer 1" in page.text
    assert "Mijn schouders zakten." not in page.text and "Bewaard: 3 van 10" not in page.text
    assert "Bij deze les is al iets ingevuld, niet in deze browser" in page.text
    write_note(friend, lesson_url, "Ik voelde mijn adem.", after="9")
    after = friend.get(lesson_url)
    assert "Mijn schouders zakten." not in after.text and "Ik voelde mijn adem." not in after.text
    assert "Bewaard, bij wat er al stond." in friend.get(lesson_url + "?bewaard=na").text
    progress = db.session.scalar(select(Progress))
    db.session.refresh(progress)
    assert progress.note == "Mijn schouders zakten.\n\nIk voelde mijn adem."
    assert progress.tension_after == 3  # the earlier score stays
    overview = friend.get("/cursus/testcursus")
    assert "Jouw spanning per les" not in overview.text


@pytest.mark.clock
def test_what_the_learner_writes_after_a_friend_opened_the_link_stays_hidden_from_the_friend(
    app, learner, outbox
):
    owner, friend = app.test_client(), app.test_client()
    lesson_url = owner.get(link_of(outbox, "Les 1", "/l/")).location
    friend.get(link_of(outbox, "Les 1", "/l/"))  # the forwarded email, opened first
    assert friend.get(lesson_url).status_code == 200
    write_note(owner, lesson_url, "Ruzie met mijn zus.", after="4")
    assert "Ruzie met mijn zus." in owner.get(lesson_url).text  # the writer sees it
    page = friend.get(lesson_url)
    assert "Ruzie met mijn zus." not in page.text and "Bewaard: 4 van 10" not in page.text
    assert "Jouw spanning per les" not in friend.get("/cursus/testcursus").text
    write_note(friend, lesson_url, "Van de vriendin.")
    assert "Ruzie met mijn zus." not in friend.get(lesson_url).text
    assert "Ruzie met mijn zus." not in owner.get(lesson_url).text  # no longer only theirs


@pytest.mark.clock
def test_asking_with_a_malformed_address_says_so(client, learner):
    page = client.get("/link")
    answer = client.post("/link", data={"csrf_token": csrf_token(page.text), "email": "geen-adres"})
    assert answer.status_code == 400 and "klopt niet helemaal" in answer.text


@pytest.mark.clock
def test_once_opened_by_a_fresh_link_the_earlier_notes_show(app, client, learner, outbox):
    owner = app.test_client()
    lesson_url = owner.get(link_of(outbox, "Les 1", "/l/")).location
    write_note(owner, lesson_url, "Mijn kaak liet los.", after="2")
    client.get(link_of(outbox, "Les 1", "/l/"))
    assert "Mijn kaak liet los." not in client.get(lesson_url).text
    open_fresh_link(client, outbox)
    assert "Mijn kaak liet los." in client.get(lesson_url).text
    assert "Jouw spanning per les" in client.get("/cursus/testcursus").text


def second_learner(outbox):
    now = datetime.now(UTC)
    enrolled("ander@example.org", now, first_name="Mallory")
    outbox.clear()
    run_pass(now)
    return link_of(outbox, "Les 1", "/l/")


@pytest.mark.clock
def test_another_learners_link_asks_before_it_switches(client, learner, outbox):
    own_lesson = enter_lesson(client, outbox)
    others_link = second_learner(outbox)
    question = client.get(others_link)
    assert question.status_code == 200 and "Een link van iemand anders" in question.text
    assert question.headers["Referrer-Policy"] == "no-referrer"
    with client.session_transaction() as session:
        assert session["learner"] == learner.public_id  # nothing switched on a GET
    assert client.post(others_link, data={}).status_code == 400  # no CSRF token, no switch
    with client.session_transaction() as session:
        assert session["learner"] == learner.public_id
    switched = client.post(others_link, data={"csrf_token": csrf_token(question.text)})
    assert switched.status_code == 302
    with client.session_transaction() as session:
        assert session["learner"] != learner.public_id
    assert client.get(own_lesson).status_code == 200  # the other one has lesson 1 too


@pytest.mark.clock
def test_the_same_learners_link_goes_straight_on_and_keeps_the_fresh_link(client, learner, outbox):
    enter_lesson(client, outbox)
    open_fresh_link(client, outbox)
    assert client.get(link_of(outbox, "Les 1", "/l/")).status_code == 302
    assert client.get(DOWNLOAD).status_code == 200


@pytest.mark.clock
def test_a_used_confirmation_link_opens_no_session(app, outbox):
    from tests.web import sign_up_form

    first = app.test_client()
    sign_up_form(first, "nieuw@example.org")
    run_pass(datetime.now(UTC))
    link = link_of(outbox, "Bevestig", "/bevestig/")
    page = first.get(link)
    first.post(link, data={"csrf_token": csrf_token(page.text)})
    stranger = app.test_client()
    again = stranger.get(link)
    assert again.status_code == 200 and "Je aanmelding is al bevestigd" in again.text
    with stranger.session_transaction() as session:
        assert "learner" not in session
    assert stranger.get("/voorkeuren/").status_code == 403


def test_logging_out_ends_the_admin_session_on_the_server(app, admin_client):
    assert admin_client.get("/admin/deelnemers").status_code == 200
    cookie = admin_client.get_cookie("ecourse").value
    page = admin_client.get("/admin/deelnemers")
    admin_client.post("/admin/uitloggen", data={"csrf_token": csrf_token(page.text)})
    copy = app.test_client()
    copy.set_cookie("ecourse", cookie)
    answer = copy.get("/admin/deelnemers")
    assert answer.status_code == 302 and "/admin/inloggen" in answer.location


def test_a_sign_up_keeps_its_page_without_the_query_string(client, outbox):
    from ecourse.core.models import Consent
    from tests.web import post_form

    data = {"email": "krant@example.org", "first_name": "", "consent": "y", "website": ""}
    post_form(client, "/?ref=nieuwsbrief&email=krant%40example.org&naam=Erik#top", data)
    consent = db.session.scalar(select(Consent))
    assert consent.source_url == "http://localhost/"


def test_pages_with_personal_data_are_not_cached_but_static_files_may_be(
    client, learner, outbox, admin_client
):
    lesson_url = enter_lesson(client, outbox)
    for url in (lesson_url, "/voorkeuren/", "/cursus/testcursus", "/"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    for url in ("/admin/deelnemers", "/admin/deelnemers/export.csv"):
        assert admin_client.get(url).headers["Cache-Control"] == "no-store", url
    assert "no-store" not in client.get("/static/style.css").headers.get("Cache-Control", "")


@pytest.mark.clock
def test_the_fresh_link_token_names_its_own_email(app, client, learner, outbox):
    """Two fresh links are two nonces: using one leaves the other usable."""
    enter_lesson(client, outbox)
    page = client.get("/voorkeuren/")
    client.post("/link/mij", data={"csrf_token": csrf_token(page.text)})
    time.sleep(1.01)
    client.post("/link/mij", data={"csrf_token": csrf_token(page.text)})
    run_pass(datetime.now(UTC))
    links = [
        link_in(m.text, "/toegang/").replace(BASE_URL, "")
        for m in outbox
        if m.subject.startswith("Je link")
    ]
    assert len(links) == 2
    for link in links:
        shown = client.get(link)
        assert client.post(link, data={"csrf_token": csrf_token(shown.text)}).status_code == 302
    ids = [m.message_id for m in outbox if m.subject.startswith("Je link")]
    assert len({hashlib.sha256(i.encode()).hexdigest() for i in ids}) == 2
