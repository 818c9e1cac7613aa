"""One person, two courses, end to end: `ecourse serve`, a real SMTP server, and HTTP.

Each sign-up is for one course and has its own confirmation; an old link of one course never
enrols in the other; stopping one course leaves the other running; and a stranger who signs
up someone's address changes nothing about them.
"""

from __future__ import annotations

import re

import pytest
import requests
from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Enrollment, Subscriber
from tests.factories import CourseWriter
from tests.web import csrf_token, link_in, post_form

pytestmark = pytest.mark.clock  # `ecourse serve` runs on the real clock
ADDRESS = "anna@example.org"


@pytest.fixture
def two_courses(course_files):
    """Beside the test course (`testcursus`), a second one: `tweede`, two lessons."""
    writer = CourseWriter(course_files.root.parent / "tweede")
    writer.course(title="Tweede cursus")
    writer.lesson("01-begin", title="Begin van de tweede", day=0)
    writer.lesson("02-verder", title="Verder in de tweede", day=3)
    return writer


class Visitor:
    """A person with a browser's cookies, speaking HTTP to `ecourse serve`."""

    def __init__(self, server: str, relay):
        self.server, self.relay = server, relay
        self.http = requests.Session()

    def sign_up(self, slug: str, **fields) -> requests.Response:
        data = {"email": ADDRESS, "first_name": "", "consent": "y", "website": "", "timezone": ""}
        return post_form(self.http, f"{self.server}/c/{slug}", data | fields)

    def confirm(self, link: str) -> requests.Response:
        page = self.http.get(link, timeout=30)
        if "csrf_token" not in page.text:
            return page
        return self.http.post(link, data={"csrf_token": csrf_token(page.text)}, timeout=30)

    def stop_course(self, lesson_mail) -> requests.Response:
        link = link_in(lesson_mail.get_body(("plain",)).get_content(), "/afmelden/")
        page = self.http.get(link, timeout=30)
        data = {"csrf_token": csrf_token(page.text), "choice": "course"}
        return self.http.post(link, data=data, timeout=30)

    def next_mail(self, count: int):
        """The `count`-th message the relay has, once it is there."""
        return self.relay.wait_for(count, timeout=30)[count - 1].message


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def enrollments(address: str = ADDRESS) -> dict[str, str]:
    """Course by course, the status of this person's enrollment."""
    db.session.expire_all()
    rows = db.session.scalars(
        select(Enrollment).join(Subscriber).where(Subscriber.email == address)
    )
    return {enrollment.course.slug: str(enrollment.status) for enrollment in rows}


def test_one_person_in_two_courses_each_with_its_own_sign_up(two_courses, server, smtp_server):
    anna = Visitor(server, smtp_server)
    assert anna.sign_up("testcursus", first_name="Anna").status_code == 200
    confirm_a = anna.next_mail(1)
    assert confirm_a["Subject"] == "Bevestig je aanmelding voor Testcursus"
    link_a = link_in(text_of(confirm_a), "/bevestig/")
    assert "Welkom!" in anna.confirm(link_a).text
    lesson_a = anna.next_mail(2)
    assert lesson_a["Subject"] == "Les 1: Les nummer 1"

    # Already on course A, Anna signs up for B: B has a confirmation of its own.
    assert anna.sign_up("tweede", first_name="Anna").status_code == 200
    confirm_b = anna.next_mail(3)
    assert confirm_b["Subject"] == "Bevestig je aanmelding voor Tweede cursus"
    link_b = link_in(text_of(confirm_b), "/bevestig/")
    assert link_b != link_a
    assert enrollments() == {"testcursus": "active", "tweede": "pending"}

    # She stops A; then A's old confirmation link is used: it enrols in nothing.
    assert anna.stop_course(lesson_a).status_code == 200
    assert enrollments() == {"testcursus": "stopped", "tweede": "pending"}
    again = anna.confirm(link_a)
    assert "oude link start hem niet opnieuw" in again.text
    assert enrollments() == {"testcursus": "stopped", "tweede": "pending"}

    # B's own link starts B, and only B; A stays stopped and sends nothing more.
    assert "Welkom!" in anna.confirm(link_b).text
    lesson_b = anna.next_mail(4)
    assert lesson_b["Subject"] == "Les 1: Begin van de tweede"
    assert enrollments() == {"testcursus": "stopped", "tweede": "active"}
    assert [m.message["Subject"] for m in smtp_server.received].count("Les 1: Les nummer 1") == 1


def test_a_strangers_sign_up_for_an_existing_address_changes_nothing(
    two_courses, server, smtp_server
):
    anna = Visitor(server, smtp_server)
    anna.sign_up("testcursus", first_name="Anna", timezone="Europe/Amsterdam")
    anna.confirm(link_in(text_of(anna.next_mail(1)), "/bevestig/"))
    anna.next_mail(2)  # lesson 1

    stranger = Visitor(server, smtp_server)
    fields = {"first_name": "Mallory", "timezone": "Asia/Tokyo"}
    same_course = stranger.sign_up("testcursus", **fields)
    other_course = stranger.sign_up("tweede", **fields)
    unknown = stranger.sign_up("tweede", email="nieuw@example.org", first_name="Nieuw")
    # The same answer whether or not the address is known, or already on the course (the
    # page names the course it was for, in its link to correct the address).
    pages = [
        re.sub(r"(nieuw|anna)@example\.org|/c/(testcursus|tweede)\b", "…", page.text)
        for page in (same_course, other_course, unknown)
    ]
    assert pages[0] == pages[1] == pages[2]
    assert all(page.status_code == 200 for page in (same_course, other_course, unknown))

    # Only the course she is not on gets a confirmation; it greets Anna by her own name.
    arrived = smtp_server.wait_for(4, timeout=30)[2:]
    (invitation,) = [item.message for item in arrived if item.rcpt_tos == [ADDRESS]]
    assert invitation["Subject"] == "Bevestig je aanmelding voor Tweede cursus"
    assert "Hoi Anna" in text_of(invitation) and "Mallory" not in text_of(invitation)
    db.session.expire_all()
    person = db.session.scalar(select(Subscriber).where(Subscriber.email == ADDRESS))
    assert (person.first_name, person.timezone, str(person.status)) == (
        "Anna",
        "Europe/Amsterdam",
        "active",
    )
    assert enrollments() == {"testcursus": "active", "tweede": "pending"}
    assert len(smtp_server.received) == 4  # nothing for the course she is on
