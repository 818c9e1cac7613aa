"""The hand-assembled MIME bytes parse to the same message as the standard library's."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecourse.mail.message import Message, format_sender
from ecourse.mail.wire import HeaderInjection, to_bytes

text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r"), max_size=400
)
line_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=120)
names = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"\\<>@,;:'), max_size=30
)


def parse(data: bytes):
    return email.message_from_bytes(data, policy=policy.default)


def sample(**changes) -> Message:
    values = {
        "to": "lezer@example.org",
        "subject": "Les 1: Welkom",
        "text": "Hoi,\n\nTekst.\n",
        "html": "<p>Hoi</p>",
        "sender": "Academie <cursus@academie.test>",
        "message_id": "<abc@academie.test>",
        "date": datetime(2026, 11, 25, 6, 30, tzinfo=UTC),
        "reply_to": "vragen@academie.test",
        "headers": (("List-Unsubscribe", "<https://x.test/afmelden/" + "t" * 120 + ">"),),
    }
    return Message(**(values | changes))


def assert_same(message: Message) -> None:
    ours, reference = parse(to_bytes(message)), parse(message.to_email().as_bytes())
    for name in ("From", "To", "Subject", "Date", "Message-ID", "Reply-To", "List-Unsubscribe"):
        assert str(ours[name]) == str(reference[name]), name
    assert ours.get_content_type() == reference.get_content_type()
    for kind in ("plain", "html"):
        mine, theirs = ours.get_body((kind,)), reference.get_body((kind,))
        assert (mine is None) == (theirs is None)
        if mine is not None:
            assert mine.get_content() == theirs.get_content()


@settings(max_examples=200, deadline=None)
@given(subject=line_text, body=text, html=text, name=names)
def test_assembled_bytes_match_the_standard_library(subject, body, html, name):
    sender = format_sender(name, "cursus@academie.test")
    assert_same(sample(subject=subject, text=body, html=html or None, sender=sender))


def test_lines_end_in_crlf_and_stay_within_998_characters():
    data = to_bytes(sample(text="x" * 3000 + "\n" + "é" * 500, html="<p>" + "y" * 5000 + "</p>"))
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    assert data.isascii()


def test_header_injection_is_refused():
    with pytest.raises(HeaderInjection):
        to_bytes(sample(subject="Hallo\r\nBcc: iedereen@example.org"))


def test_plain_text_only_message():
    message = sample(html=None)
    assert parse(to_bytes(message)).get_content_type() == "text/plain"
    assert_same(message)
