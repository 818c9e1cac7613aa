"""The learner's preferences page: reached from the email, every change previewed with its
new dates before it is saved, and the learner's own data to download or erase."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Consent, Delivery, Enrollment, Event, Lesson, Progress, Subscriber
from ecourse.worker.passes import run_pass
from tests.conftest import BASE_URL
from tests.factories import enrolled, run_until
from tests.web import csrf_token, link_in

PAGE = "/voorkeuren/"


@pytest.fixture
def learner(app, client, outbox):
    """A learner who got lesson 1, and opened the preferences link from that email."""
    now = datetime.now(UTC)
    subscriber = enrolled("eigen@example.org", now, first_name="Eva")
    run_pass(now)
    lesson_mail = next(m for m in outbox if m.subject.startswith("Les 1"))
    entered = client.get(link_in(lesson_mail.text, "/voorkeuren/").replace(BASE_URL, ""))
    assert entered.status_code == 302 and entered.location.endswith(PAGE)
    assert entered.headers["Referrer-Policy"] == "no-referrer"
    return subscriber


def open_my_data(client, outbox) -> None:
    """What the data download and erasure need: a fresh link, asked for, emailed, clicked."""
    page = client.get(PAGE)
    client.post("/link/mij", data={"csrf_token": csrf_token(page.text)})
    run_pass(datetime.now(UTC))
    fresh = next(m for m in reversed(outbox) if m.subject.startswith("Je link"))
    link = link_in(fresh.text, "/toegang/").replace(BASE_URL, "")
    opened = client.post(link, data={"csrf_token": csrf_token(client.get(link).text)})
    assert opened.status_code == 302


def enrollment() -> Enrollment:
    db.session.expire_all()
    return db.session.scalar(select(Enrollment))


def post_change(client, path: str, **fields):
    page = client.get(PAGE)
    return client.post(path, data={"csrf_token": csrf_token(page.text)} | fields)


def test_the_link_is_in_every_lesson_email_in_both_parts(learner, outbox):
    message = next(m for m in outbox if m.subject.startswith("Les 1"))
    assert link_in(message.html, "/voorkeuren/link/") == link_in(message.text, "/voorkeuren/")


def test_a_pause_is_shown_with_its_new_dates_and_saved_only_on_the_second_click(client, learner):
    before = enrollment().next_due_at
    preview = post_change(client, "/voorkeuren/testcursus/pauzeren", days="14")
    assert preview.status_code == 200
    assert "Pauzeren: zo worden je lessen dan" in preview.text
    assert "Les nummer 2" in preview.text and "Ja, zo opslaan" in preview.text
    assert enrollment().status == "active" and enrollment().next_due_at == before
    saved = client.post(
        "/voorkeuren/testcursus/pauzeren",
        data={"csrf_token": csrf_token(preview.text), "days": "14", "step": "save"},
    )
    assert saved.status_code == 302
    paused = enrollment()
    assert paused.status == "paused"
    assert paused.paused_until - paused.paused_at == timedelta(days=14)
    page = client.get(PAGE)
    assert "Je cursus is gepauzeerd." in page.text and "Gepauzeerd tot" in page.text


def proposal_of(response) -> str:
    return response.text.split('id="voorstel"')[1].split("</section>")[0]


@pytest.mark.clock
def test_the_preview_shows_the_course_as_it_will_be_not_as_it_was(client, learner):
    zone = post_change(client, "/voorkeuren/tijd", send_time="07:30", timezone="America/New_York")
    planned = [line for line in proposal_of(zone).splitlines() if "," in line and ":" in line]
    assert len(planned) == 2 and all("07:30" in line for line in planned), planned
    run_until(datetime.now(UTC), datetime.now(UTC) + timedelta(days=5))
    assert enrollment().status == "completed"
    again = post_change(client, "/voorkeuren/testcursus/opnieuw")
    proposal = proposal_of(again)
    assert "Je hebt alle lessen gekregen" not in proposal
    assert "Les nummer 1" in proposal and "07:30" in proposal
    assert enrollment().status == "completed"  # both were only previews


def test_each_change_lands_on_the_timeline_with_who_made_it(client, learner):
    for path, fields in [
        ("/voorkeuren/testcursus/tempo", {"extra_days": "2"}),
        ("/voorkeuren/tijd", {"send_time": "08:45", "timezone": "Europe/Brussels"}),
    ]:
        response = post_change(client, path, step="save", **fields)
        assert response.status_code == 302, response.text
    events = db.session.execute(
        select(Event.actor, Event.action).where(Event.action != "confirm").order_by(Event.id)
    ).all()
    assert events == [("learner", "pace"), ("learner", "rhythm")]
    subscriber = db.session.get(Subscriber, learner.id)
    assert (subscriber.send_time, subscriber.timezone) == ("08:45", "Europe/Brussels")
    assert enrollment().extra_days == 2


def test_the_cli_timeline_lists_the_learners_changes(client, learner, settings, monkeypatch):
    from click.testing import CliRunner

    from ecourse.cli.main import main

    post_change(client, "/voorkeuren/testcursus/tempo", extra_days="3", step="save")
    assert '<option selected value="3">' in client.get(PAGE).text  # the pace in force
    for name, value in settings.items():
        monkeypatch.setenv(f"ECOURSE_{name}", str(value))
    result = CliRunner().invoke(main, ["timeline", "eigen@example.org"])
    assert "changes:" in result.output
    assert "pace        by learner: 3 extra dag(en) tussen de lessen" in result.output
    event = db.session.scalar(select(Event).where(Event.action != "confirm"))
    local = event.at.astimezone(ZoneInfo("Europe/Amsterdam")).strftime("%H:%M")
    assert f"{local}  pace" in result.output  # in the course's zone, like the lessons


@pytest.mark.clock
def test_next_lesson_now_arrives_within_the_same_pass(client, learner, outbox):
    response = post_change(client, "/voorkeuren/testcursus/nu", step="save")
    assert response.status_code == 302
    run_pass(datetime.now(UTC))
    assert [m.subject for m in outbox if m.subject.startswith("Les 2")] == ["Les 2: Les nummer 2"]


def test_a_change_that_does_not_apply_says_why_and_changes_nothing(client, learner):
    response = post_change(client, "/voorkeuren/testcursus/hervatten", step="save")
    assert response.status_code == 400
    assert "Deze cursus is niet gepauzeerd." in response.text
    bad_time = post_change(client, "/voorkeuren/tijd", send_time="7 uur", timezone="X")
    assert bad_time.status_code == 400 and "Kies een tijd als 07:30." in bad_time.text
    assert enrollment().status == "active"


def test_changes_need_a_csrf_token(client, learner):
    response = client.post("/voorkeuren/testcursus/pauzeren", data={"days": "7", "step": "save"})
    assert response.status_code == 400
    assert enrollment().status == "active"


@pytest.mark.clock
def test_the_page_is_only_for_the_learner_whose_link_it_was(app, learner):
    stranger = app.test_client()
    assert stranger.get(PAGE).status_code == 403
    assert stranger.get("/voorkeuren/mijn-gegevens.json").status_code == 403
    assert stranger.get("/voorkeuren/link/vervalst.token").status_code == 400
    other = enrolled("ander@example.org", datetime.now(UTC))
    with stranger.session_transaction() as session:
        session["learner"] = other.public_id
        session["checked_at"] = datetime.now(UTC).timestamp()  # as after their fresh link
    theirs = stranger.get("/voorkeuren/mijn-gegevens.json").text
    assert "ander@example.org" in theirs and "eigen@example.org" not in theirs


@pytest.mark.clock
def test_my_data_holds_everything_personal(client, learner, outbox):
    progress = Progress(
        enrollment_id=enrollment().id,
        lesson_id=db.session.scalar(select(Lesson.id).limit(1)),
        opened_at=datetime.now(UTC),
        tension_before=7,
        tension_after=4,
        note="Mijn schouders zakten.",
    )
    db.session.add(progress)
    db.session.commit()
    post_change(client, "/voorkeuren/testcursus/tempo", extra_days="1", step="save")
    open_my_data(client, outbox)
    response = client.get("/voorkeuren/mijn-gegevens.json")
    assert response.headers["Content-Disposition"] == 'attachment; filename="mijn-gegevens.json"'
    data = json.loads(response.text)
    assert data["profile"]["email"] == "eigen@example.org"
    assert data["profile"]["first_name"] == "Eva"
    assert data["consents"][0]["text"].startswith("Ja, stuur mij de gratis e-cursus")
    lessons = data["enrollments"][0]["lessons"]
    assert {"tension_before": 7, "tension_after": 4, "note": "Mijn schouders zakten."}.items() <= (
        lessons[0].items()
    )
    assert [e["kind"] for e in data["emails"]][:2] == ["confirm", "lesson"]
    changes = [change for change in data["changes"] if change["action"] != "confirm"]
    assert changes[0]["by"] == "you" and changes[0]["action"] == "pace"


@pytest.mark.clock
def test_delete_me_erases_at_once_and_sends_one_goodbye(client, learner, outbox):
    open_my_data(client, outbox)
    page = client.get(PAGE)
    refused = client.post("/voorkeuren/wissen", data={"csrf_token": csrf_token(page.text)})
    assert refused.status_code == 302  # the box was not ticked: back to the page, nothing done
    assert db.session.get(Subscriber, learner.id).email == "eigen@example.org"
    done = client.post(
        "/voorkeuren/wissen", data={"csrf_token": csrf_token(page.text), "confirm": "y"}
    )
    assert done.status_code == 200 and "Je gegevens zijn gewist" in done.text
    assert client.get(PAGE).status_code == 403  # the session ended with it
    db.session.expire_all()
    subscriber = db.session.get(Subscriber, learner.id)
    assert (subscriber.status, subscriber.first_name) == ("erased", "")
    assert "eigen@example.org" not in subscriber.email
    assert db.session.scalar(select(Consent.ip_address)) == ""
    run_until(datetime.now(UTC), datetime.now(UTC) + timedelta(days=10))
    goodbye = [m for m in outbox if m.to == "eigen@example.org" and "gewist" in m.subject]
    assert len(goodbye) == 1 and "de laatste e-mail" in goodbye[0].text
    assert goodbye[0].text.lstrip().startswith("Hoi,") and "Meld je dan gerust opnieuw aan" in (
        goodbye[0].text
    )
    assert not [m for m in outbox if m.subject.startswith("Les 2")]
    assert db.session.scalar(select(Delivery.recipient).where(Delivery.kind == "goodbye")) == ""


@pytest.mark.clock
def test_an_erased_person_is_nobody_to_old_links(app, client, learner, outbox):
    lesson_mail = next(m for m in outbox if m.subject.startswith("Les 1"))
    lesson_link = link_in(lesson_mail.text, "/l/").replace(BASE_URL, "")
    unsubscribe_link = link_in(lesson_mail.text, "/afmelden/").replace(BASE_URL, "")
    open_my_data(client, outbox)
    page = client.get(PAGE)
    client.post("/voorkeuren/wissen", data={"csrf_token": csrf_token(page.text), "confirm": "y"})
    stranger = app.test_client()
    assert stranger.get(lesson_link).status_code == 404  # no session for an erased person
    assert stranger.get(PAGE).status_code == 403
    assert "Je bent al afgemeld" in stranger.get(unsubscribe_link).text
    token = csrf_token(stranger.get("/").text)  # a valid token of this session, all the same
    stranger.post(unsubscribe_link, data={"csrf_token": token, "choice": "all"})
    db.session.expire_all()
    assert db.session.get(Subscriber, learner.id).status == "erased"
