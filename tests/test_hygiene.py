"""Sign-up hygiene in each pass: one reminder to confirm, then forgetting the unconfirmed."""

from __future__ import annotations

import html
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from ecourse.core.db import db
from ecourse.core.models import Consent, Delivery, Event, Subscriber
from ecourse.learners import hygiene
from ecourse.web.admin import actions, numbers
from ecourse.worker.passes import run_pass
from tests.conftest import BASE_URL
from tests.factories import confirm, enrolled, process_environment, sign_up, the_course
from tests.web import csrf_token, link_in, sign_up_form

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
REMINDER = "Nog één klik voor Testcursus"


def subjects(outbox, to: str | None = None) -> list[str]:
    return [message.subject for message in outbox if to is None or message.to == to]


def reminders(outbox, to: str | None = None) -> int:
    return subjects(outbox, to).count(REMINDER)


def test_the_reminder_arrives_a_day_after_signing_up_and_only_once(app, outbox):
    sign_up("traag@example.org", START, first_name="Tess")
    run_pass(START)
    assert subjects(outbox) == ["Bevestig je aanmelding voor Testcursus"]
    run_pass(START + timedelta(hours=23, minutes=59))
    assert reminders(outbox) == 0
    report = run_pass(START + timedelta(hours=24))
    assert reminders(outbox) == 1
    assert "sign-ups: 1 reminder(s) queued, 0 unconfirmed sign-up(s) forgotten" in report.lines()
    for hours in (25, 48, 24 * 7):
        run_pass(START + timedelta(hours=hours))
    assert reminders(outbox) == 1
    reminder = outbox[-1] if outbox[-1].subject == REMINDER else None
    assert reminder is not None and reminder.to == "traag@example.org"
    assert "Hoi Tess" in reminder.text and "enige herinnering" in reminder.text
    days = app.config["ECOURSE"]["FORGET_UNCONFIRMED_DAYS"]
    assert f"wissen we dit adres {days} dagen na de aanmelding" in reminder.text
    confirmation = outbox[0]
    assert "Je krijgt hooguit nog één herinnering, daarna niets meer." in confirmation.text
    assert "zonder bevestiging sturen we je niets meer" not in confirmation.text
    for message in (confirmation, reminder):
        hidden = message.html.split('class="preview"', 1)[1].split(">", 1)[1]
        preview = html.unescape(hidden).split("\u2007", 1)[0]  # the padding after the line
        assert preview and "bevestig je aanmelding" not in preview.lower()
        assert message.subject not in preview


def test_the_reminder_names_the_days_the_setting_gives(make_app):
    app = make_app(FORGET_UNCONFIRMED_DAYS=45)
    sign_up("traag@example.org", START)
    run_pass(START + timedelta(hours=24))
    sent = app.extensions["ecourse.messenger"].sent
    assert "wissen we dit adres 45 dagen na de aanmelding" in sent[-1].text


def test_the_reminders_link_confirms(app, client, outbox):
    sign_up("link@example.org", START)
    run_pass(START + timedelta(hours=24))
    (reminder,) = [message for message in outbox if message.subject == REMINDER]
    url = link_in(reminder.text, "/bevestig/").replace(BASE_URL, "")
    page = client.get(url)
    done = client.post(url, data={"csrf_token": csrf_token(page.text)})
    assert done.status_code == 200 and "Welkom!" in done.text
    subscriber = db.session.scalar(select(Subscriber))
    assert subscriber.status == "active"
    sign_up_row = db.session.scalar(select(Consent))
    assert (sign_up_row.remind_at, sign_up_row.forget_at) == (None, None)


def test_no_reminder_to_a_confirmed_address(app, outbox):
    subscriber = sign_up("snel@example.org", START)
    run_pass(START)
    confirm(subscriber, START + timedelta(hours=2))
    run_pass(START + timedelta(hours=24))
    run_pass(START + timedelta(days=31))
    assert reminders(outbox) == 0
    assert db.session.scalar(select(Subscriber.status)) == "active"


def test_no_reminder_to_an_unsubscribed_address_and_its_row_is_not_read_again(app, outbox):
    subscriber = sign_up("weg@example.org", START)
    actions.unsubscribe(subscriber, "beheer@academie.test", START + timedelta(hours=1))
    run_pass(START + timedelta(hours=24))
    assert reminders(outbox) == 0
    assert db.session.scalar(select(Consent.remind_at)) is None  # handled: not due again


def test_ecourse_tick_a_day_later_sends_the_one_reminder_over_smtp(app, settings, smtp_server):
    sign_up("proces@example.org", START)
    env = process_environment(settings | smtp_server.settings)
    outputs = []
    for moment in (START, START + timedelta(hours=24), START + timedelta(hours=25)):
        command = [sys.executable, "-m", "ecourse", "tick", "--now", moment.isoformat()]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        outputs.append(done.stdout)
    assert "sign-ups: 1 reminder(s) queued" in outputs[1]
    assert "sign-ups: 0 reminder(s) queued" in outputs[2]
    subjects = [item.message["Subject"] for item in smtp_server.received]
    assert subjects == ["Bevestig je aanmelding voor Testcursus", REMINDER]
    assert smtp_server.received[1].rcpt_tos == ["proces@example.org"]


def test_a_repeated_sign_up_does_not_bring_a_second_reminder(app, outbox):
    sign_up("nogmaals@example.org", START)
    run_pass(START + timedelta(hours=24))
    sign_up("nogmaals@example.org", START + timedelta(hours=30))
    for hours in (30, 54, 80, 24 * 6):
        run_pass(START + timedelta(hours=hours))
    assert reminders(outbox) == 1
    assert subjects(outbox).count("Bevestig je aanmelding voor Testcursus") == 2


def test_signing_up_again_before_the_reminder_moves_it_a_day_later(app, outbox):
    sign_up("twijfel@example.org", START)
    sign_up("twijfel@example.org", START + timedelta(hours=20))
    run_pass(START + timedelta(hours=24))
    assert reminders(outbox) == 0  # not an hour after the second confirmation email
    run_pass(START + timedelta(hours=44))
    assert reminders(outbox) == 1


def test_a_new_round_after_leaving_gets_its_own_reminder(app, outbox):
    subscriber = sign_up("terug@example.org", START)
    run_pass(START + timedelta(hours=24))
    actions.unsubscribe(subscriber, "beheer@academie.test", START + timedelta(days=2))
    sign_up("terug@example.org", START + timedelta(days=10))
    run_pass(START + timedelta(days=11))
    assert reminders(outbox) == 2


def test_no_reminder_when_the_setting_is_zero(make_app):
    app = make_app(CONFIRM_REMINDER_HOURS=0)
    sign_up("geen@example.org", START)
    run_pass(START + timedelta(days=2))
    assert reminders(app.extensions["ecourse.messenger"].sent) == 0


def test_two_passes_that_both_see_the_reminder_due_queue_it_once(app):
    sign_up_row = sign_up("dubbel@example.org", START).consents[-1]
    moment = START + timedelta(hours=24)
    assert hygiene.queue_reminder(sign_up_row, moment) is True
    assert hygiene.queue_reminder(sign_up_row, moment) is False  # the key is taken
    keys = db.session.scalars(select(Delivery.key).where(Delivery.kind == "reminder")).all()
    assert keys == [f"remind:c{sign_up_row.id}"]


def _every_stored_value() -> str:
    """Every value in every table, as one text to search in."""
    values = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            values += [str(value) for value in row]
    return "\n".join(values)


@pytest.mark.clock
def test_after_thirty_days_an_unconfirmed_sign_up_is_gone_from_every_table(app, client):
    headers = {"User-Agent": "Vergeetbrowser/7.1"}
    sign_up_form(client, "vergeet@example.org", headers=headers, first_name="Vera")
    now = datetime.now(UTC)
    course, zone = the_course(), ZoneInfo("Europe/Amsterdam")
    counts_before = numbers.signups_per_day(course.id, now - timedelta(days=1), 3, zone)
    personal = ("vergeet@example.org", "Vera", "Vergeetbrowser", "127.0.0.1")
    assert all(value in _every_stored_value() for value in personal)

    run_pass(now + timedelta(days=29))
    assert db.session.scalar(select(Subscriber.status)) == "pending"
    report = run_pass(now + timedelta(days=30, minutes=1))

    assert "0 reminder(s) queued, 1 unconfirmed sign-up(s) forgotten" in "\n".join(report.lines())
    stored = _every_stored_value()
    assert not [value for value in personal if value in stored]
    subscriber = db.session.scalar(select(Subscriber))
    assert subscriber.status == "erased"
    assert subscriber.suppressed_reason == "not confirmed within 30 days"
    event = db.session.scalar(select(Event))
    assert (event.actor, event.action) == ("system", "erase")
    # The anonymous rows behind the counts stay.
    assert db.session.scalar(select(Consent.id)) is not None
    assert numbers.signups_per_day(course.id, now - timedelta(days=1), 3, zone) == counts_before


def test_forgetting_follows_the_setting(make_app):
    make_app(FORGET_UNCONFIRMED_DAYS=3)
    sign_up("kort@example.org", START)
    run_pass(START + timedelta(days=2, hours=23))
    assert db.session.scalar(select(Subscriber.status)) == "pending"
    run_pass(START + timedelta(days=3))
    assert db.session.scalar(select(Subscriber.status)) == "erased"


def test_a_confirmed_subscriber_is_never_forgotten(app):
    subscriber = sign_up("blijf@example.org", START, first_name="Bo")
    confirm(subscriber, START + timedelta(days=29))
    run_pass(START + timedelta(days=400))
    db.session.refresh(subscriber)
    assert (subscriber.status, subscriber.email, subscriber.first_name) == (
        "active",
        "blijf@example.org",
        "Bo",
    )


def test_a_former_learner_signed_up_again_is_never_forgotten(app, outbox):
    from ecourse.web import learner as learners

    learner = enrolled("terug@example.org", START, first_name="Tess")
    learners.unsubscribe(learner, START + timedelta(days=1))
    sign_up("terug@example.org", START + timedelta(days=2), first_name="Iemand")  # never confirmed
    run_pass(START + timedelta(days=40))
    db.session.expire_all()
    kept = db.session.get(Subscriber, learner.id)
    # The sign-up changed nothing about them; forgetting it takes only what it asked for.
    assert (kept.email, kept.first_name, kept.status) == (
        "terug@example.org",
        "Tess",
        "unsubscribed",
    )
    lapsed = kept.consents[-1]
    assert (lapsed.first_name, lapsed.confirmed_at, lapsed.forget_at) == ("", None, None)


def test_a_learner_who_stopped_the_course_can_sign_up_again_and_go_on(app, client, outbox):
    from ecourse.web import learner as learners

    learner = enrolled("opnieuw-in@example.org", START)
    run_pass(START)
    learners.stop_course(learner, the_course(), START + timedelta(hours=1))
    sign_up("opnieuw-in@example.org", START + timedelta(days=3))
    run_pass(START + timedelta(days=3))
    assert subjects(outbox, "opnieuw-in@example.org")[-1].startswith("Bevestig je aanmelding")
    confirm(db.session.get(Subscriber, learner.id), START + timedelta(days=3))
    run_pass(START + timedelta(days=3, minutes=1))
    assert subjects(outbox, "opnieuw-in@example.org")[-1] == "Les 2: Les nummer 2"


@pytest.mark.clock
def test_a_new_sign_up_with_a_forgotten_address_works(app, client, outbox):
    sign_up("opnieuw@example.org", START)
    run_pass(START + timedelta(days=31))
    outbox.clear()
    response = sign_up_form(client, "opnieuw@example.org")
    assert response.status_code == 302
    run_pass(datetime.now(UTC))
    assert subjects(outbox, "opnieuw@example.org") == ["Bevestig je aanmelding voor Testcursus"]
    statuses = db.session.scalars(select(Subscriber.status).order_by(Subscriber.id)).all()
    assert statuses == ["erased", "pending"]


def test_a_confirmation_link_of_a_forgotten_sign_up_leads_nowhere(app, client, outbox):
    sign_up("laat@example.org", START)
    run_pass(START)
    url = link_in(outbox[0].text, "/bevestig/").replace(BASE_URL, "")
    run_pass(START + timedelta(days=31))
    page = client.get(url)
    assert page.status_code == 400 and "verlopen" in page.text
    assert "laat@example.org" not in _every_stored_value()


@pytest.mark.parametrize("column", ["remind_at", "forget_at"])
def test_a_pass_finds_due_sign_ups_through_the_index(app, column):
    query = hygiene.due_query(getattr(Consent, column), START, 500)
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "sqlite":
        plan = " ".join(
            str(row) for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        )
        assert f"SEARCH consent USING INDEX ix_consent_{column} ({column}<?)" in plan
        assert "TEMP B-TREE" not in plan  # the index gives the order too: no sort of every row
        return
    # PostgreSQL: on an empty test table a sequential scan is cheapest, so ask the planner
    # what it would do if scanning were expensive, as it is with many subscribers.
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    db.session.execute(text("SET LOCAL enable_bitmapscan = off"))
    plan = " ".join(str(row) for row in db.session.execute(text(f"EXPLAIN {compiled}")))
    assert f"Index Scan using ix_consent_{column} on consent" in plan
    assert "Sort" not in plan


def test_tidy_works_through_more_than_one_batch(app):
    for number in range(5):
        sign_up(f"rij{number}@example.org", START + timedelta(minutes=number))
    report = hygiene.tidy(START + timedelta(days=2), batch_size=2)
    assert report.reminded == 5
    assert db.session.scalar(select(Consent.id).where(Consent.remind_at.is_not(None))) is None
    report = hygiene.tidy(START + timedelta(days=31), batch_size=2)
    assert (report.reminded, report.forgotten) == (0, 5)
