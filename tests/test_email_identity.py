"""Who writes, where a reply goes, and where to turn (issue 14): every email is signed by the
course's teacher and its academy, replies go to the course's own address (else
ECOURSE_REPLY_TO), and every lesson email ends with the care line and a link to /hulp."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from ecourse.core.languages import translations
from ecourse.web.preferences.data import erase_on_request
from ecourse.worker.passes import run_pass
from tests.factories import enrolled, run_until, sign_up, the_course
from tests.test_i18n import english_course, enrolled_in  # noqa: F401  (a fixture)

pytestmark = pytest.mark.clock  # the passes are run at fixed moments, signing reads the clock

START = datetime(2097, 12, 1, 9, 0, tzinfo=UTC)
CARE_TEXT = "Het even niet meer zien? Bel 113 of gratis 0800-0113; in direct gevaar 112."
HELP_URL = "http://ecourse.test/hulp"


def teacher_course(course_files, **extra) -> None:
    course_files.course(teacher={"name": "Mirjam de Vries", "bio": "Therapeut."}, **extra)


@pytest.fixture
def taught(course_files):
    """The test course, with a teacher and its own reply address. Ask before `app`."""
    teacher_course(course_files, reply_to="mirjam@academie.test")
    return course_files


def lessons(outbox) -> list:
    return [message for message in outbox if message.subject.startswith("Les ")]


def test_every_lesson_email_carries_the_care_line_in_both_parts(app, outbox):
    enrolled("zorg@example.org", START)
    run_until(START, START + timedelta(days=4, hours=1))
    sent = lessons(outbox)
    assert len(sent) == 3
    for message in sent:
        line = next(each for each in message.text.splitlines() if each.startswith("Het even"))
        assert line == f"{CARE_TEXT} Meer hulp: {HELP_URL}"
        assert '<a href="tel:113"' in message.html and '<a href="tel:08000113"' in message.html
        assert f'<a href="{HELP_URL}"' in message.html


def test_an_english_lesson_email_adds_the_local_emergency_number(english_course, outbox):  # noqa: F811
    enrolled_in("welcome", "emma@example.org", START)
    (lesson,) = [m for m in outbox if m.subject.startswith("Lesson 1")]
    local = translations("en").gettext("Of bel het alarmnummer van het land waar je bent.")
    line = next(each for each in lesson.text.splitlines() if HELP_URL in each)
    assert local in line and "113" in line and "112" in line
    assert '<a href="tel:113"' in lesson.html and f'href="{HELP_URL}"' in lesson.html


def test_emails_are_signed_by_the_teacher_and_the_academy(taught, app, outbox):
    subscriber = enrolled("getekend@example.org", START)
    run_pass(START)
    confirm, lesson = outbox
    for message in (confirm, lesson):
        assert "Hartelijke groet,\nMirjam de Vries\nAcademie Test\n" in message.text
        assert "Hartelijke groet,<br>Mirjam de Vries<br>Academie Test</p>" in message.html
        assert message.sender.startswith("Academie Test <")  # the From name stays the academy
    erase_on_request(subscriber, START)
    run_pass(START + timedelta(minutes=1))
    goodbye = outbox[-1]
    assert goodbye.subject.startswith("Je gegevens")
    assert "Mirjam de Vries\nAcademie Test" in goodbye.text


def test_the_reminder_is_signed_by_the_teacher_too(taught, app, outbox):
    sign_up("later@example.org", START)
    run_pass(START)
    run_pass(START + timedelta(hours=24))
    reminder = outbox[-1]
    assert reminder.subject != outbox[0].subject
    assert "Mirjam de Vries<br>Academie Test" in reminder.html


def test_without_a_teacher_the_academy_signs_alone(app, outbox):
    enrolled("alleen@example.org", START)
    run_pass(START)
    for message in outbox:
        assert re.search(r"Hartelijke groet,\nAcademie Test\n+--", message.text), message.text
        assert "Hartelijke groet,<br>Academie Test</p>" in message.html


def test_replies_go_to_the_course_address_before_the_setting(taught, app, outbox):
    enrolled("antwoord@example.org", START)
    run_pass(START)
    assert {message.reply_to for message in outbox} == {"mirjam@academie.test"}
    assert outbox[0].to_email()["Reply-To"] == "mirjam@academie.test"


def test_replies_go_to_the_setting_when_the_course_names_none(app, outbox):
    assert the_course().reply_to == ""
    enrolled("terug@example.org", START)
    run_pass(START)
    assert {message.reply_to for message in outbox} == {"vragen@academie.test"}


def test_no_reply_to_at_all_leaves_the_header_out(make_app):
    app = make_app(REPLY_TO="")
    enrolled("stil@example.org", START)
    run_pass(START)
    sent = app.extensions["ecourse.messenger"].sent
    assert sent and {message.reply_to for message in sent} == {""}
    assert "Reply-To" not in sent[-1].to_email()
