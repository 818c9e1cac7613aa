"""Faults on the way out: refusals at each SMTP stage, give-ups, pauses, races, retries."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Delivery, DeliveryAttempt, Enrollment, Subscriber
from ecourse.engine import claims, ledger
from ecourse.engine.gate import Gate, Item
from ecourse.engine.planner import plan_due
from ecourse.engine.recorder import retry_delay
from ecourse.learners import current
from ecourse.learners.signups import InvalidAddress, clean_name, normalise_address
from ecourse.worker.passes import run_pass
from tests.factories import confirm, enrolled, sign_up
from tests.smtpserver import SMTPServer

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def status_of(email: str) -> str:
    return db.session.scalar(select(Subscriber.status).where(Subscriber.email == email))


def test_international_domain_is_stored_in_ascii_and_delivered(make_app, smtp_server):
    make_app(**smtp_server.settings)
    sign_up("Piet@Bücher.de", NOW)
    run_pass(NOW)
    (received,) = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["piet@xn--bcher-kva.de"]


def test_address_that_needs_smtputf8_is_refused_clearly():
    with pytest.raises(InvalidAddress, match="tekens die we helaas niet kunnen versturen"):
        normalise_address("jöhn@example.org")


def test_refusal_at_mail_from_is_our_problem_and_bounces_nobody(make_app, smtp_server):
    make_app(**smtp_server.settings)
    smtp_server.refuse_sender = "530 5.7.0 Authentication required"
    for number in range(3):
        sign_up(f"p{number}@example.org", NOW)
    report = run_pass(NOW)
    assert (report.send.retrying, report.send.failed) == (3, 0)
    assert {status_of(f"p{number}@example.org") for number in range(3)} == {"pending"}


def test_refusal_at_data_fails_the_message_but_keeps_the_address(make_app, smtp_server):
    make_app(**smtp_server.settings)
    enrolled("reject@example.org", NOW)  # the confirmation itself is refused at DATA too
    report = run_pass(NOW)
    assert report.send.failed == 1 and "554" in report.send.errors[0]
    assert status_of("reject@example.org") == "active"
    enrollment = db.session.scalar(select(Enrollment))
    assert (
        enrollment.status == "active" and enrollment.next_due_at is not None
    )  # the course goes on


def test_permanent_refusal_at_rcpt_bounces_and_stops_the_course(make_app, smtp_server):
    from tests.factories import confirm

    make_app(**smtp_server.settings)
    confirm(sign_up("bounce@example.org", NOW), NOW)
    run_pass(NOW)  # lesson 1 bounces
    assert status_of("bounce@example.org") == "bounced"
    assert db.session.scalar(select(Enrollment.status)) == "bounced"
    assert "550" in db.session.scalar(select(Subscriber.suppressed_reason))


def test_given_up_lesson_lets_the_course_go_on(make_app, smtp_server):
    make_app(**smtp_server.settings, GIVE_UP_DAYS=1.0)
    subscriber = sign_up("later@example.org", NOW)
    from tests.factories import confirm

    confirm(subscriber, NOW)  # confirmed by other means; every mail to it now gets 451
    moment = NOW
    while moment < NOW + timedelta(days=2):
        run_pass(moment)
        moment += timedelta(hours=1)
    lesson_one = db.session.scalar(select(Delivery).where(Delivery.key.like("lesson:%:1")))
    assert lesson_one.status == "failed" and lesson_one.last_error.startswith("gave up after")
    later_lessons = db.session.scalars(
        select(Delivery.lesson_id).where(Delivery.kind == "lesson")
    ).all()
    assert len(later_lessons) >= 2  # lesson 2 was planned and tried after lesson 1 was given up


def test_every_attempt_is_recorded_with_its_reply(make_app, smtp_server):
    make_app(**smtp_server.settings)
    sign_up("later-log@example.org", NOW)
    run_pass(NOW)
    run_pass(NOW + timedelta(minutes=6))
    attempts = db.session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id)).all()
    assert [(a.outcome, a.detail[:3]) for a in attempts] == [("retry", "451"), ("retry", "451")]
    assert attempts[1].attempted_at == NOW + timedelta(minutes=6)


def test_backoff_doubles_from_the_first_wait_up_to_the_cap(app):
    settings = replace(
        current.settings(), retry_first=timedelta(minutes=2), retry_max=timedelta(hours=1)
    )
    delays = [retry_delay(attempt, settings) for attempt in range(1, 8)]
    assert delays[:6] == [timedelta(minutes=m) for m in (2, 4, 8, 16, 32, 60)]
    assert delays[6] == timedelta(hours=1)


def test_too_many_errors_in_a_row_pause_all_sending(make_app, smtp_server, caplog):
    make_app(**smtp_server.settings, PAUSE_AFTER_ERRORS=3, PAUSE_MINUTES=30.0, SMTP_CONCURRENCY=1)
    for number in range(6):
        sign_up(f"later{number}@example.org", NOW)
    with caplog.at_level(logging.INFO, logger="ecourse"):
        report = run_pass(NOW)
    # Loud: an operator's log watcher must see that nothing is being sent, until when, and why.
    (alarm,) = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert alarm.levelno == logging.CRITICAL and alarm.name == "ecourse.engine.health"
    assert "sending paused until 2026-11-25T09:30:00+00:00" in alarm.getMessage()
    assert "3 failures in a row; last: 451 4.3.0 Try again later" in alarm.getMessage()
    assert report.send.paused_until == NOW + timedelta(minutes=30)
    assert report.send.retrying == 3  # the rest were handed back, untried
    untried = db.session.scalars(select(Delivery).where(Delivery.attempts == 0)).all()
    assert len(untried) == 3 and {d.status for d in untried} == {"queued"}
    assert "sending paused until" in "\n".join(report.lines())
    assert run_pass(NOW + timedelta(minutes=10)).send.paused_until is not None
    assert run_pass(NOW + timedelta(minutes=31)).send.retrying == 3  # the pause is over


def test_a_relay_down_for_hours_is_waited_out_and_then_everything_goes_out_once(make_app):
    relay = SMTPServer()  # its port stays closed until `start`: every connection is refused
    make_app(**relay.settings, RETRY_FIRST_MINUTES=5.0, RETRY_MAX_HOURS=6.0)
    for number in range(3):
        sign_up(f"waiting{number}@example.org", NOW)
    for tick in range(48):  # a pass every 10 minutes for 8 hours
        run_pass(NOW + timedelta(minutes=10 * tick))
    # Backing off: tried at the first pass after each wait, the wait doubling; never once
    # more within a pass, and not at all in between.
    tried = [NOW + timedelta(minutes=m) for m in (0, 10, 20, 40, 80, 160, 320)]
    for row in db.session.scalars(select(Delivery)):
        assert [a.attempted_at for a in row.attempts_log] == tried
        assert all(a.outcome == "retry" and "cannot reach" in a.detail for a in row.attempts_log)
        assert (row.status, row.attempts) == ("queued", 7)
        assert row.send_after == NOW + timedelta(minutes=320 + 320)
    relay.start()
    try:
        back = NOW + timedelta(hours=8)
        assert run_pass(back).send.sent == 0 and relay.connections == 0  # still waiting
        sent = sum(run_pass(back + timedelta(minutes=10 * tick)).send.sent for tick in range(24))
        arrived = [(r.rcpt_tos[0], r.message["Message-ID"]) for r in relay.received]
    finally:
        relay.stop()
    rows = db.session.scalars(select(Delivery).order_by(Delivery.id)).all()
    assert sent == 3 and sorted(arrived) == sorted((r.subscriber.email, r.message_id) for r in rows)
    assert all(r.status == "sent" and r.attempts_log[-1].outcome == "sent" for r in rows)
    assert all(len(r.attempts_log) == 8 for r in rows)  # every attempt is on record


def test_unsubscribe_while_a_batch_is_in_flight_stops_the_rest(make_app, smtp_server):
    from ecourse.web.learner import unsubscribe

    app = make_app(**smtp_server.settings, SMTP_CONCURRENCY=1)
    sign_up("slow@example.org", NOW)
    victim = sign_up("victim@example.org", NOW)
    db.session.commit()

    def send_in_background():
        with app.app_context():
            run_pass(NOW)

    sending = threading.Thread(target=send_in_background)
    sending.start()
    assert smtp_server.slow_started.wait(10)  # the batch is claimed and in flight
    unsubscribe(victim, NOW)  # committed while the slow message is being handed over
    sending.join(20)
    assert [r.rcpt_tos for r in smtp_server.received] == [["slow@example.org"]]
    db.session.expire_all()
    row = db.session.scalar(select(Delivery).where(Delivery.subscriber_id == victim.id))
    assert row.status == "cancelled" and "unsubscribed" in row.last_error


def test_a_claim_looks_first_whether_anything_is_claimable(app):
    """Most passes find nothing to send; the claim then asks one question and writes
    nothing. What it would take, it still takes: a due row, and a row whose lease ran out."""
    sign_up("due@example.org", NOW)  # its confirmation is queued, due at once
    settings = current.settings()
    earlier = NOW - timedelta(minutes=1)
    assert not ledger.anything_claimable(earlier)
    assert claims.claim(earlier, 10, timedelta(minutes=5), settings)[1] == []
    assert ledger.anything_claimable(NOW)
    _, (row,) = claims.claim(NOW, 10, timedelta(minutes=5), settings)
    assert not ledger.anything_claimable(NOW + timedelta(minutes=4))  # in flight, leased
    lease_out = NOW + timedelta(minutes=5, seconds=1)
    assert ledger.anything_claimable(lease_out)
    _, (again,) = claims.claim(lease_out, 10, timedelta(minutes=5), settings)
    assert again.id == row.id
    row.status = "sent"
    db.session.commit()
    assert not ledger.anything_claimable(NOW + timedelta(days=30))


def test_a_row_taken_over_by_another_worker_is_not_sent_by_the_first(app):
    sign_up("taken@example.org", NOW)
    settings = current.settings()
    at_once = timedelta(seconds=0)  # the first lease runs out at once
    first_token, (row,) = claims.claim(NOW, 10, at_once, settings)
    later = NOW + timedelta(seconds=1)
    second_token, (same,) = claims.claim(later, 10, timedelta(minutes=5), settings)
    assert same.id == row.id and first_token != second_token
    gate = Gate(db.engine)
    item = Item(row.id, row.subscriber_id, "confirm", first_token, message=None)
    with gate.hold([item]) as wanted:
        assert wanted == set()
    with gate.hold(
        [Item(row.id, row.subscriber_id, "confirm", second_token, message=None)]
    ) as wanted:
        assert wanted == {0}


def test_a_takeover_after_a_crash_is_recorded_but_does_not_lengthen_the_backoff(
    make_app, smtp_server
):
    make_app(**smtp_server.settings, RETRY_FIRST_MINUTES=5.0)
    sign_up("later-crash@example.org", NOW)  # every handoff to this address gets 451
    lease = timedelta(seconds=30)
    settings = current.settings()
    claims.claim(NOW, 10, lease, settings)  # a worker claims it and dies before recording ...
    claims.claim(NOW + timedelta(minutes=1), 10, lease, settings)  # ... and so does the next
    later = NOW + timedelta(minutes=2)
    assert run_pass(later).send.retrying == 1  # taken over once more, handed over: 451
    row = db.session.scalar(select(Delivery))
    assert row.attempts == 1  # the one trip from the queue the takeovers continued
    assert row.send_after == later + timedelta(minutes=5)  # the first wait, not the third
    log = [(a.outcome, a.attempted_at) for a in row.attempts_log]
    assert log == [
        ("reclaimed", NOW + timedelta(minutes=1)),
        ("reclaimed", later),
        ("retry", later),
    ]
    assert "may have reached the relay" in row.attempts_log[0].detail
    run_pass(row.send_after)  # a real second failure doubles the wait, as before
    db.session.refresh(row)
    assert row.attempts == 2 and row.send_after == later + timedelta(minutes=5 + 10)


def test_a_message_that_keeps_stopping_its_worker_backs_off_then_is_given_up(make_app, smtp_server):
    make_app(**smtp_server.settings, RETRY_FIRST_MINUTES=5.0, GIVE_UP_DAYS=5.0)
    start = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    learner = enrolled("giftig@example.org", start)
    run_pass(start)  # lesson 1 went out
    lease = timedelta(minutes=5)
    moment = start + timedelta(days=2)
    plan_due(moment, current.settings())  # lesson 2 is queued
    for crash in range(ledger.MAX_TAKEOVERS + 1):  # claimed, then the worker dies each time
        claims.claim(moment + crash * 2 * lease, 10, lease, current.settings())
    row = db.session.scalar(
        select(Delivery).where(Delivery.subscriber_id == learner.id, Delivery.status != "sent")
    )
    db.session.refresh(row)
    fifth = moment + ledger.MAX_TAKEOVERS * 2 * lease
    # From the fifth takeover on, a takeover is a failed attempt: back to the queue, waiting.
    # Its second attempt (the claim was the first), so the first wait doubled: 10 minutes.
    assert (row.status, row.attempts) == ("queued", 2)
    assert row.send_after == fifth + timedelta(minutes=10)
    assert [a.outcome for a in row.attempts_log][-2:] == ["reclaimed", "retry"]
    # Still stopping its worker days later, past the give-up horizon: given up.
    late = row.created_at + timedelta(days=5, hours=1)
    claims.claim(late, 10, lease, current.settings())
    claims.claim(late + 2 * lease, 10, lease, current.settings())
    db.session.refresh(row)
    assert row.status == "failed" and "stopped 5 or more times" in row.last_error
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.subscriber_id == learner.id))
    assert enrollment.next_due_at is not None  # the next lesson is planned, not stuck behind it
    assert len(smtp_server.messages_to("giftig@example.org")) == 2  # confirmation, lesson 1


def test_a_goodbye_that_never_gets_through_leaves_no_trace_of_the_address(make_app, smtp_server):
    from ecourse.web.preferences.data import erase_on_request

    make_app(**smtp_server.settings, GIVE_UP_DAYS=5.0)
    learner = enrolled("later-weg@example.org", NOW)  # every handoff to it gets 451
    erase_on_request(learner, NOW + timedelta(hours=1))
    run_pass(NOW + timedelta(hours=1))
    goodbye = db.session.scalar(select(Delivery).where(Delivery.kind == "goodbye"))
    assert goodbye.status == "queued" and goodbye.recipient == "later-weg@example.org"
    assert goodbye.attempts_log[-1].detail.startswith("451")
    run_pass(NOW + timedelta(days=6))  # past the horizon: given up
    db.session.refresh(goodbye)
    assert (goodbye.status, goodbye.recipient, goodbye.last_error) == ("failed", "", "")
    assert {attempt.detail for attempt in goodbye.attempts_log} == {""}
    assert db.session.get(Subscriber, learner.id).status == "erased"  # not "bounced"


def test_names_lose_control_characters_and_line_breaks():
    assert clean_name("Eve\r.\n\x00MAIL FROM:<x@evil.test>") == "Eve.MAIL FROM:<x@evil.test>"
    assert clean_name("  Anne \u2028 Marie ") == "Anne Marie"


def test_a_nul_byte_in_a_url_is_a_clean_400(client):
    response = client.get("/c/abc%00def")
    assert response.status_code == 400 and "niet verwerken" in response.text


def test_an_empty_secret_key_file_is_refused(tmp_path):
    from ecourse import create_app

    (tmp_path / "secret_key").write_text("")
    with pytest.raises(RuntimeError, match="no usable secret key"):
        create_app({"DATA_DIR": str(tmp_path)})


@pytest.mark.clock
def test_resume_command_lifts_a_pause(make_app, monkeypatch, settings):
    from click.testing import CliRunner

    from ecourse.cli.main import main
    from ecourse.core.clock import utcnow
    from ecourse.engine import health

    make_app()
    health.pause(utcnow(), timedelta(minutes=60), "relay down")
    for name, value in settings.items():
        monkeypatch.setenv(f"ECOURSE_{name}", str(value))
    result = CliRunner().invoke(main, ["resume"])
    assert result.exit_code == 0 and "sending resumed (it was paused: relay down)" in result.output
    db.session.expire_all()
    assert health.paused_until(utcnow()) is None


def test_a_failure_before_the_handoff_fails_those_messages_not_the_pass(make_app, smtp_server):
    # The shared rate store is unreachable: nothing can be sent, but nothing is lost either.
    from tests.smtpserver import free_port

    make_app(
        **smtp_server.settings,
        SEND_RATE=5,
        RATELIMIT_STORAGE_URL=f"redis://127.0.0.1:{free_port()}",
    )
    for number in range(3):
        sign_up(f"store{number}@example.org", NOW)
    report = run_pass(NOW)
    assert (report.send.sent, report.send.retrying) == (0, 3)
    rows = db.session.scalars(select(Delivery)).all()
    assert {row.status for row in rows} == {"queued"} and all(
        "not sent" in row.last_error for row in rows
    )
    assert smtp_server.received == []


def test_a_lesson_held_back_does_not_leave_its_enrollment_waiting(app, outbox):
    from ecourse.core.models import Lesson
    from ecourse.engine.planner import plan_due
    from tests.factories import run_until

    subscriber = enrolled("held@example.org", NOW)
    run_pass(NOW)  # lesson 1
    later = NOW + timedelta(days=2, hours=1)
    plan_due(later, current.settings())  # lesson 2 is queued ...
    lesson_two = db.session.scalar(select(Lesson).where(Lesson.slug == "02-les-2"))
    lesson_two.status = "draft"  # ... and unpublished before it goes out
    db.session.commit()
    run_pass(later)
    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.subscriber_id == subscriber.id)
    )
    assert enrollment.next_due_at is not None  # not stranded: lesson 3 is planned
    run_until(later, later + timedelta(days=4))
    assert [m.subject for m in outbox if m.subject.startswith("Les")][-1] == "Les 2: Les nummer 3"


@pytest.mark.clock
def test_failures_are_reported_by_public_id_never_by_address(make_app, smtp_server, caplog):
    """Logs outlive an erasure: a failed or retried delivery names its learner's public id,
    and a relay reply that quotes the address has it taken out."""
    make_app(**smtp_server.settings)
    caplog.set_level(logging.DEBUG, logger="ecourse")
    now = datetime.now(UTC)
    gone, later = sign_up("bounce-weg@example.org", now), sign_up("later-even@example.org", now)
    confirm(gone, now)  # no confirmation email: the lesson is the first mail either gets
    confirm(later, now)
    report = run_pass(now)
    ours = [record.getMessage() for record in caplog.records if record.name.startswith("ecourse")]
    logged = "\n".join([*report.lines(), *ours])
    assert report.send.failed == 1 and report.send.retrying == 1
    assert gone.public_id in logged and later.public_id in logged
    assert "@example.org" not in logged
