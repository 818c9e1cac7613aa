"""MIME bytes for a `Message`, assembled directly instead of through `EmailMessage`.

Every ecourse email has the same shape: multipart/alternative with a text and an HTML part,
both UTF-8 and quoted-printable. Building an `EmailMessage` per recipient costs more than
sending it, so this module writes that shape itself: header values are encoded once and
cached (the subject and sender repeat across a whole pass), bodies go through the C
quoted-printable encoder, and lines end in CRLF. `tests/test_wire.py` proves the result
parses to the same message as the standard library's.
"""

from __future__ import annotations

import binascii
import hashlib
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from typing import Protocol


class Outgoing(Protocol):
    """What `to_bytes` reads of a message: `ecourse.mail.message.Message`, which builds on
    this module (so this module does not import it back)."""

    to: str
    subject: str
    text: str
    html: str | None
    sender: str
    message_id: str
    date: datetime
    reply_to: str
    headers: tuple[tuple[str, str], ...]


CRLF = b"\r\n"
# SMTP's line endings; a line may run to SMTP's own limit of 998 characters.
WIRE = policy.SMTP.clone(max_line_length=998)


class HeaderInjection(ValueError):
    """A header value contained a line break."""


def _check(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise HeaderInjection(f"line break in header value {value[:40]!r}")
    return value


@lru_cache(maxsize=1024)
def _folded(name: str, value: str) -> str:
    """The standard library's encoding and folding of one header value, done once per value.

    Subjects, senders and list headers repeat across a whole pass, so the cost is paid once
    per distinct value rather than per recipient.
    """
    probe = EmailMessage(policy=WIRE)
    probe[name] = _check(value)
    return WIRE.fold(name, probe[name])[len(name) + 2 : -2]


def encode_header(name: str, value: str) -> str:
    return value if value.isascii() and len(value) < 900 else _folded(name, value)


def encode_address(name: str, line: str) -> str:
    # A bare ASCII address (every recipient, usually) needs no encoding at all.
    if line.isascii() and "<" not in line and '"' not in line and " " not in line:
        return _check(line)
    return _folded(name, line)


@lru_cache(maxsize=64)
def _date(timestamp: float) -> str:
    return format_datetime(datetime.fromtimestamp(timestamp, UTC))


def quoted_printable(text: str) -> bytes:
    """UTF-8 quoted-printable with CRLF line ends and soft breaks.

    Encoded with plain LF first, because `b2a_qp` takes its soft-break style from its
    input; every LF in its output is then a line end and becomes CRLF.
    """
    # Every kind of line break becomes one; a bare CR never reaches the wire (RFC 5321 2.3.8).
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    encoded = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
    return encoded.replace(b"\n", CRLF)


def _part(content_type: str, body: str) -> bytes:
    """A body part; its text ends in a line break, as `EmailMessage.set_content` makes it."""
    head = (
        f'Content-Type: {content_type}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "MIME-Version: 1.0\r\n\r\n"
    )
    return head.encode("ascii") + quoted_printable(body if body.endswith("\n") else body + "\n")


def to_bytes(message: Outgoing) -> bytes:
    """The whole message, ready for SMTP DATA."""
    headers = [
        ("From", encode_address("From", message.sender)),
        ("To", encode_address("To", message.to)),
        ("Subject", encode_header("Subject", _check(message.subject))),
        ("Date", _date(message.date.timestamp())),
        ("Message-ID", _check(message.message_id)),
    ]
    if message.reply_to:
        headers.append(("Reply-To", encode_address("Reply-To", message.reply_to)))
    headers += [(name, encode_header(name, _check(value))) for name, value in message.headers]
    head = "".join(f"{name}: {value}\r\n" for name, value in headers).encode("ascii")
    if not message.html:
        return head + _part("text/plain", message.text)
    boundary = "==" + hashlib.sha1(message.message_id.encode()).hexdigest()  # never in QP text
    # The CRLF before each boundary line belongs to the delimiter (RFC 2046), not the body.
    return b"".join(
        [
            head,
            b"MIME-Version: 1.0\r\n",
            f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode(),
            f"--{boundary}\r\n".encode(),
            _part("text/plain", message.text),
            f"\r\n--{boundary}\r\n".encode(),
            _part("text/html", message.html),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
