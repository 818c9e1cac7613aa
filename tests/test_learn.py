"""Lesson pages opened from emails, the overview, unsubscribing, and page safety."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Delivery, Enrollment, Event, Subscriber
from ecourse.learners import current
from ecourse.worker.passes import run_pass
from tests.conftest import BASE_URL
from tests.factories import enrolled
from tests.web import csrf_token, link_in


@pytest.fixture
def learner(app, outbox):
    """A subscriber who has just received lesson 1."""
    now = datetime.now(UTC)
    subscriber = enrolled("leer@example.org", now, first_name="Lotte")
    run_pass(now)
    return subscriber


def lesson_link(outbox, number: int = 1) -> str:
    message = next(m for m in outbox if m.subject.startswith(f"Les {number}"))
    return link_in(message.text, "/l/").replace(BASE_URL, "")


def unsubscribe_link(outbox) -> str:
    message = next(m for m in outbox if m.subject.startswith("Les"))
    return link_in(message.text, "/afmelden/").replace(BASE_URL, "")


def test_lesson_link_moves_the_token_into_the_session_and_cleans_the_url(client, learner, outbox):
    response = client.get(lesson_link(outbox))
    assert response.status_code == 302
    assert response.headers["Location"] == "/les/testcursus/01-les-1"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/les/testcursus/01-les-1")
    assert page.status_code == 200
    assert "<h1>Les nummer 1</h1>" in page.text
    assert "Oefening: Oefening bij Les nummer 1" in page.text
    assert "Ongeveer 5 minuten" in page.text
    assert "Leestijd ongeveer 1 minuut" in page.text
    assert "<li>Voeten op de grond.</li>" in page.text
    assert "Wat merkte je?" in page.text
    assert "113" in page.text  # the care note
    assert '<a href="/voorkeuren/">Tempo, pauze en je gegevens</a>' in page.text
    overview = client.get("/cursus/testcursus")
    assert '<a href="/voorkeuren/">Tempo, pauze en je gegevens</a>' in overview.text


def test_lesson_page_without_the_link_asks_for_it(client, learner):
    page = client.get("/les/testcursus/01-les-1")
    assert page.status_code == 403 and "Open de link uit je e-mail" in page.text


def test_lesson_link_token_is_unguessable_and_forgery_is_refused(client, learner, outbox):
    link = lesson_link(outbox)
    token = link.rsplit("/", 1)[1]
    assert len(token) > 40 and str(learner.id) != token
    forged = client.get(link[:-3] + "abc")
    assert forged.status_code == 400 and "werkt niet" in forged.text


@pytest.mark.clock
def test_a_lesson_opens_from_its_email_before_the_pass_has_recorded_the_send(make_app, smtp_server):
    """The relay delivers, the learner clicks, and only then does the relay answer the pass:
    the lesson is theirs already (its delivery is still `sending`)."""
    from email import message_from_bytes, policy

    smtp_server.slow_seconds = 0
    app = make_app(**smtp_server.settings)
    now = datetime.now(UTC)
    enrolled("slow@example.org", now)  # its confirmation goes at once
    db.session.commit()
    smtp_server.slow_started.clear()
    smtp_server.slow_seconds = 8  # lesson 1 waits for the relay's answer

    def send_in_background():
        with app.app_context():
            run_pass(now)

    sending = threading.Thread(target=send_in_background)
    sending.start()
    try:
        assert smtp_server.slow_started.wait(10)
        message = message_from_bytes(smtp_server.slow_content, policy=policy.default)
        link = link_in(message.get_body(("plain",)).get_content(), "/l/").replace(BASE_URL, "")
        client = app.test_client()
        page = client.get(link, follow_redirects=True)
        status = db.session.scalar(select(Delivery.status).where(Delivery.lesson_id.is_not(None)))
        assert status == "sending"  # the pass is still waiting for the relay's answer
        assert page.status_code == 200 and "<h1>Les nummer 1</h1>" in page.text
    finally:
        sending.join(30)


def test_upcoming_lesson_is_locked_with_its_local_date(client, learner, outbox):
    client.get(lesson_link(outbox))
    page = client.get("/les/testcursus/02-les-2")
    assert page.status_code == 403
    assert "Deze les komt nog" in page.text and "07:30" in page.text


def test_overview_lists_received_and_upcoming_lessons(client, learner, outbox):
    client.get(lesson_link(outbox))
    page = client.get("/cursus/testcursus")
    assert page.status_code == 200
    assert 'href="/les/testcursus/01-les-1"' in page.text
    assert "Les nummer 2" in page.text and "komt" in page.text
    assert 'href="/les/testcursus/02-les-2"' not in page.text


def _overview_lines(page_html: str) -> list[str]:
    """Each lesson on the overview page as the text a reader sees, in page order."""
    items = re.findall(r'<li class="lesson-item[^"]*"[^>]*>(.*?)</li>', page_html, re.DOTALL)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def test_overview_shows_the_local_date_of_each_upcoming_lesson(app, client, outbox):
    # The page reads the real clock, so the course starts in the future to fix the dates:
    # Sunday 1 December 2097, 10:00 in Amsterdam; lessons on days 0, 2 and 4.
    start = datetime(2097, 12, 1, 9, 0, tzinfo=UTC)
    enrolled("datum@example.org", start)
    run_pass(start)
    client.get(lesson_link(outbox))
    assert _overview_lines(client.get("/cursus/testcursus").text) == [
        "Les nummer 1 ontvangen zondag 1 december nog niet geopend",
        "Les nummer 2 komt dinsdag 3 december, 07:30",
        "Les nummer 3 komt donderdag 5 december, 07:30",
    ]


def test_last_lesson_carries_the_call_to_action(app, client, outbox):
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    from tests.factories import run_until

    enrolled("end@example.org", start)
    run_until(start, start + timedelta(days=6))
    client.get(lesson_link(outbox, 3))
    page = client.get("/les/testcursus/03-les-3")
    assert 'href="https://academie.test/weekend"' in page.text and "Kom kennismaken" in page.text
    first = client.get("/les/testcursus/01-les-1")
    assert "academie.test/weekend" not in first.text


def enrollment_status() -> str:
    return db.session.scalar(select(Enrollment.status))


def test_unsubscribe_page_offers_two_choices_and_a_get_changes_nothing(client, learner, outbox):
    url = unsubscribe_link(outbox)
    page = client.get(url)
    assert page.status_code == 200
    assert "Stop deze cursus" in page.text and "Stop alle e-mail" in page.text
    assert "Alleen de cursus ‘Testcursus’" in page.text
    assert (db.session.scalar(select(Subscriber.status)), enrollment_status()) == (
        "active",
        "active",
    )


@pytest.mark.clock
def test_stopping_the_course_ends_the_lessons_and_keeps_the_address(client, learner, outbox):
    url = unsubscribe_link(outbox)
    page = client.get(url)
    done = client.post(url, data={"csrf_token": csrf_token(page.text), "choice": "course"})
    assert done.status_code == 200 and "Deze cursus is gestopt" in done.text
    db.session.expire_all()
    assert (db.session.scalar(select(Subscriber.status)), enrollment_status()) == (
        "active",
        "stopped",
    )
    run_pass(datetime.now(UTC) + timedelta(days=10))
    assert not [m for m in outbox if m.subject.startswith("Les 2")]
    event = db.session.scalar(select(Event).where(Event.action == "stop_course"))
    assert (event.actor, event.detail) == ("learner", "gestopt met Testcursus")
    again = client.get(url)
    assert "Deze cursus is al gestopt" in again.text and "Stop alle e-mail" in again.text


def test_stopping_all_mail_unsubscribes_the_address(client, learner, outbox):
    url = unsubscribe_link(outbox)
    page = client.get(url)
    done = client.post(url, data={"csrf_token": csrf_token(page.text), "choice": "all"})
    assert done.status_code == 200 and "Je bent afgemeld" in done.text
    db.session.expire_all()
    assert db.session.scalar(select(Subscriber.status)) == "unsubscribed"
    assert "Je bent al afgemeld" in client.get(url).text


def test_unsubscribe_form_without_csrf_token_is_refused(client, learner, outbox):
    response = client.post(unsubscribe_link(outbox), data={"choice": "all"})
    assert response.status_code == 400
    assert db.session.scalar(select(Subscriber.status)) == "active"


@pytest.mark.clock
def test_one_click_post_stops_this_course_without_cookies_or_token(app, learner, outbox):
    header = dict(next(m for m in outbox if m.subject.startswith("Les")).headers)
    url = header["List-Unsubscribe"].strip("<>").replace(BASE_URL, "")
    fresh = app.test_client(use_cookies=False)
    response = fresh.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200  # answered directly, never a redirect
    assert enrollment_status() == "stopped"
    later = datetime.now(UTC) + timedelta(days=10)
    run_pass(later)
    assert not [m for m in outbox if m.subject.startswith("Les 2")]


def test_get_on_the_one_click_url_never_unsubscribes(app, learner, outbox):
    header = dict(next(m for m in outbox if m.subject.startswith("Les")).headers)
    url = header["List-Unsubscribe"].strip("<>").replace(BASE_URL, "")
    response = app.test_client().get(url)
    assert response.status_code == 302
    assert db.session.scalar(select(Subscriber.status)) == "active"


def test_pages_carry_security_headers(client):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.clock
def test_user_text_is_escaped_in_pages_and_emails(app, client, outbox):
    now = datetime.now(UTC)
    enrolled("xss@example.org", now, first_name="<script>alert(1)</script>")
    run_pass(now)
    lesson = next(m for m in outbox if m.subject.startswith("Les"))
    assert "<script>alert(1)</script>" not in lesson.html
    assert "&lt;script&gt;" in lesson.html


@pytest.mark.clock
def test_raw_html_in_lesson_markdown_is_sanitised(app, client, course_files, outbox):
    from ecourse.content.catalog import import_path

    course_files.lesson(
        "01-les-1",
        title="Les nummer 1",
        day=0,
        body='Tekst <script>alert(1)</script> en <a href="javascript:alert(1)">link</a>.\n\n'
        "## Oefening\n\n1. Adem uit.\n",
    )
    import_path(course_files.root, "Europe/Amsterdam", datetime.now(UTC))
    now = datetime.now(UTC)
    enrolled("safe@example.org", now)
    run_pass(now)
    client.get(lesson_link(outbox))
    page = client.get("/les/testcursus/01-les-1")
    assert "<script>alert(1)" not in page.text
    assert "javascript:" not in page.text


@pytest.mark.clock
def test_delivery_ledger_is_unique_per_enrollment_and_lesson(app, learner):
    from ecourse.engine import ledger

    now = datetime.now(UTC)
    row = db.session.scalar(select(Delivery).where(Delivery.kind == "lesson"))
    again = ledger.queue(
        key=row.key,
        kind="lesson",
        subscriber_id=row.subscriber_id,
        now=now,
        send_after=now,
        enrollment_id=row.enrollment_id,
        lesson_id=row.lesson_id,
        settings=current.settings(),
    )
    db.session.commit()
    assert again is False
    assert len(db.session.scalars(select(Delivery).where(Delivery.key == row.key)).all()) == 1


def without_tokens(page: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", page)


@pytest.mark.clock
def test_a_lesson_page_renders_its_markdown_once_per_version(client, learner, outbox, monkeypatch):
    from ecourse.content import markup, rendered

    rendered._shared.cache_clear()
    rendered._reading_minutes.cache_clear()
    calls = []
    real = markup.render
    here = threading.get_ident()  # the test client serves the pages on this thread

    def counted(text):
        if threading.get_ident() == here:
            calls.append(text)
        return real(text)

    monkeypatch.setattr(markup, "render", counted)
    client.get(lesson_link(outbox))
    first = client.get("/les/testcursus/01-les-1")
    again = client.get("/les/testcursus/01-les-1")
    assert first.status_code == again.status_code == 200
    # The same page, but for its CSRF tokens: each is signed with the second it was made in.
    assert without_tokens(first.text) == without_tokens(again.text)
    assert len(calls) == 3  # text, exercise, reflection: once, for both visits
    lesson = db.session.scalar(select(Delivery).where(Delivery.kind == "lesson")).lesson
    lesson.body_md += "\n\nEen nieuwe zin."
    db.session.commit()
    assert "Een nieuwe zin." in client.get("/les/testcursus/01-les-1").text
    assert len(calls) == 6  # a new version of the text is rendered anew
