"""What actually goes over the wire, on a real SMTP server; every backend's contract."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import select

from ecourse import create_app
from ecourse.core.db import db
from ecourse.core.models import Delivery, Subscriber
from ecourse.learners import current
from ecourse.mail.base import create
from ecourse.mail.message import Message
from ecourse.worker.passes import run_pass
from tests.conftest import BASE_URL
from tests.factories import enrolled
from tests.smtpserver import free_port
from tests.web import link_in


@pytest.fixture
def smtp_app(settings, smtp_server):
    from ecourse.content.catalog import import_path

    app = create_app(settings | smtp_server.settings)
    with app.app_context():
        import_path(Path(settings["LESSONS_DIR"]), "Europe/Amsterdam", datetime.now(UTC))
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.mark.clock
def test_lesson_email_is_standard_multipart_with_the_right_headers(smtp_app, smtp_server):
    now = datetime.now(UTC)
    enrolled("wire@example.org", now, first_name="Wim")
    run_pass(now)
    received = smtp_server.wait_for(2)
    raw = received[1].data
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    # Headers travel as plain text a mail client can read, not as RFC 2047 encoded words.
    assert f"\r\nList-Unsubscribe: <{BASE_URL}/afmelden/".encode() in raw
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw
    assert b"=?utf-8?" not in raw.split(b"\r\n\r\n")[0].replace(b"Subject:", b"")
    message = received[1].message
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["From"] == "Academie Test <cursus@academie.test>"
    assert message["Reply-To"] == "vragen@academie.test"
    assert message["Subject"] == "Les 1: Les nummer 1"
    assert message["Date"] and message["Message-ID"].endswith("@academie.test>")
    assert message["List-Unsubscribe"].startswith(f"<{BASE_URL}/afmelden/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received[1].mail_from == "cursus@academie.test"
    html = message.get_body(("html",)).get_content()
    assert 'style="' in html  # CSS inlined
    assert "Samenvatting van Les nummer 1." in html  # preview text line
    assert "Hoi Wim" in message.get_body(("plain",)).get_content()


@pytest.mark.clock
def test_links_in_the_received_email_work_when_followed(smtp_app, smtp_server):
    now = datetime.now(UTC)
    enrolled("follow@example.org", now)
    run_pass(now)
    message = smtp_server.wait_for(2)[1].message
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    client = smtp_app.test_client()
    lesson = link_in(text, "/l/")
    assert lesson in html
    landed = client.get(lesson.replace(BASE_URL, ""), follow_redirects=True)
    assert landed.status_code == 200 and "<h1>Les nummer 1</h1>" in landed.text
    page = client.get(link_in(text, "/afmelden/").replace(BASE_URL, ""))
    assert page.status_code == 200 and "Stop deze cursus" in page.text
    preferences = client.get(link_in(text, "/voorkeuren/").replace(BASE_URL, ""))
    assert preferences.status_code == 302 and "/link/" not in preferences.location
    landed = client.get(preferences.location)
    assert landed.status_code == 200 and "Tempo, pauze en je gegevens" in landed.text


@pytest.mark.clock
def test_permanent_refusal_marks_the_address_bounced(smtp_app, smtp_server):
    now = datetime.now(UTC)
    from tests.factories import sign_up

    sign_up("bounce@example.org", now)
    report = run_pass(now)
    assert report.send.failed == 1
    subscriber = db.session.scalar(select(Subscriber))
    assert subscriber.status == "bounced"
    delivery = db.session.scalar(select(Delivery))
    assert delivery.status == "failed" and delivery.last_error.startswith("550")


@pytest.mark.clock
def test_temporary_refusal_is_retried_with_backoff_and_the_same_message_id(smtp_app, smtp_server):
    now = datetime.now(UTC)
    from tests.factories import sign_up

    sign_up("later@example.org", now)
    first = run_pass(now)
    delivery = db.session.scalar(select(Delivery))
    assert first.send.retrying == 1
    assert delivery.status == "queued" and delivery.last_error.startswith("451")
    assert delivery.send_after == now + timedelta(minutes=5)
    message_id = delivery.message_id
    assert run_pass(now + timedelta(minutes=1)).send.retrying == 0  # not due yet
    run_pass(now + timedelta(minutes=6))
    db.session.refresh(delivery)
    assert delivery.attempts == 2 and delivery.message_id == message_id
    assert delivery.send_after == now + timedelta(minutes=6) + timedelta(minutes=10)


@pytest.mark.clock
def test_relay_down_keeps_mail_queued_until_it_is_back(settings, smtp_server):
    app = create_app(
        settings | smtp_server.settings | {"SMTP_PORT": free_port(), "SMTP_TIMEOUT": 2.0}
    )
    with app.app_context():
        from ecourse.content.catalog import import_path
        from tests.factories import sign_up

        import_path(Path(settings["LESSONS_DIR"]), "Europe/Amsterdam", datetime.now(UTC))
        now = datetime.now(UTC)
        sign_up("waiting@example.org", now)
        report = run_pass(now)
        assert report.send.retrying == 1 and "cannot reach" in report.send.errors[0]
        # The relay is back: here, a worker restarted with the right address.
        current.engine().messenger = create("smtp", app.config["ECOURSE"] | smtp_server.settings)
        run_pass(now + timedelta(minutes=5))
        assert len(smtp_server.wait_for(1)) == 1
        db.session.remove()
        db.engine.dispose()


def sample(to: str) -> Message:
    return Message(
        to=to,
        subject="Proef ✓",
        text="Hallo\n",
        html="<p>Hallo</p>",
        sender="Academie <cursus@academie.test>",
        message_id=f"<{to}@academie.test>",
        date=datetime(2026, 11, 25, 7, 30, tzinfo=UTC),
    )


@pytest.mark.parametrize("backend", ["memory", "outbox", "smtp"])
def test_every_backend_sends_a_batch_and_reports_each_message(backend, tmp_path, smtp_server):
    settings = {
        "DATA_DIR": str(tmp_path),
        "SMTP_TIMEOUT": 5.0,
        "SMTP_USERNAME": "",
        "SMTP_PASSWORD": "",
    }
    messenger = create(backend, settings | smtp_server.settings)
    outcomes = messenger.send([sample("een@example.org"), sample("twee@example.org")])
    messenger.close()
    assert [outcome.ok for outcome in outcomes] == [True, True]
    if backend == "outbox":
        files = sorted((tmp_path / "outbox").glob("*.eml"))
        parsed = [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
        assert sorted(m["To"] for m in parsed) == ["een@example.org", "twee@example.org"]
    if backend == "smtp":
        assert len(smtp_server.wait_for(2)) == 2


def test_smtp_backend_reports_refusals_per_message(smtp_server, tmp_path):
    messenger = create("smtp", smtp_server.settings | {"SMTP_USERNAME": "", "SMTP_PASSWORD": ""})
    outcomes = messenger.send(
        [sample("bounce@example.org"), sample("later@example.org"), sample("ok@example.org")]
    )
    messenger.close()
    assert [(o.ok, o.permanent) for o in outcomes] == [(False, True), (False, False), (True, False)]
    assert len(smtp_server.wait_for(1)) == 1


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1, made with openssl."""
    from tests.factories import self_signed_certificate

    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_smtp_backend_speaks_tls_and_auth(security, certificate):
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    from tests.smtpserver import SMTPServer

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    sink = SMTPServer()
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password, session.ssl is not None))
        return AuthResult(success=auth_data.login == b"cursus" and auth_data.password == b"geheim")

    # aiosmtpd only counts STARTTLS as "TLS" for AUTH; with implicit TLS the whole
    # connection is encrypted from the first byte.
    tls_args = (
        {"tls_context": context, "require_starttls": True, "auth_require_tls": True}
        if security == "starttls"
        else {"ssl_context": context, "auth_require_tls": False}
    )
    server = Controller(
        sink._controller.handler,
        hostname="127.0.0.1",
        port=free_port(),
        server_hostname="127.0.0.1",
        authenticator=authenticator,
        **tls_args,
    )
    server.start()
    try:
        settings = {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": server.port,
            "SMTP_SECURITY": security,
            "SMTP_TIMEOUT": 5.0,
            "SMTP_USERNAME": "cursus",
            "SMTP_PASSWORD": "geheim",
            "SMTP_CA_FILE": cert,
        }
        messenger = create("smtp", settings)
        outcomes = messenger.send([sample("tls@example.org")])
        messenger.close()
        wrong = create("smtp", settings | {"SMTP_PASSWORD": "fout", "SMTP_TIMEOUT": 1.0})
        refused = wrong.send([sample("tls@example.org")])
        wrong.close()
    finally:
        server.stop()
    assert outcomes[0].ok
    assert logins[0][:2] == (b"cursus", b"geheim")
    assert logins[0][2] or security == "tls"  # aiosmtpd marks only STARTTLS sessions as TLS
    assert (
        not refused[0].ok and not refused[0].permanent
    )  # a login problem never bounces an address
    assert len(sink.received) == 1


def test_smtp_backend_reuses_one_connection_and_reconnects_after_a_drop(smtp_server):
    messenger = create("smtp", smtp_server.settings | {"SMTP_USERNAME": "", "SMTP_PASSWORD": ""})
    batch = [sample(f"reuse{n}@example.org") for n in range(5)]
    assert all(outcome.ok for outcome in messenger.send(batch))
    assert smtp_server.connections == 1
    outcomes = messenger.send([sample("drop@example.org"), sample("after@example.org")])
    messenger.close()
    assert (outcomes[0].ok, outcomes[0].permanent) == (False, False)
    assert outcomes[1].ok  # sent over a fresh connection
    assert smtp_server.connections == 2


@pytest.mark.clock
def test_list_unsubscribe_offers_mailto_when_configured(settings):
    app = create_app(settings | {"UNSUBSCRIBE_MAILTO": "afmelden@academie.test"})
    with app.app_context():
        from ecourse.content.catalog import import_path

        import_path(Path(settings["LESSONS_DIR"]), "Europe/Amsterdam", datetime.now(UTC))
        now = datetime.now(UTC)
        enrolled("mailto@example.org", now)
        run_pass(now)
        lesson = app.extensions["ecourse.messenger"].sent[-1]
        header = dict(lesson.headers)["List-Unsubscribe"]
        assert header.startswith(f"<{BASE_URL}/afmelden/")
        assert header.endswith(", <mailto:afmelden@academie.test?subject=unsubscribe>")
        db.session.remove()
        db.engine.dispose()
