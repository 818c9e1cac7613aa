"""The `Message` value every messenger sends, and its standards-conforming bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import lru_cache

from ecourse.mail.wire import WIRE, to_bytes

# RFC 5322 allows 998 characters a line. Folding at 78 would turn a long List-Unsubscribe
# URL into RFC 2047 encoded words, which mail clients do not read as a URL.


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    text: str
    html: str | None
    sender: str
    message_id: str
    date: datetime
    reply_to: str = ""
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def envelope_from(self) -> str:
        return address_of(self.sender)

    def to_email(self) -> EmailMessage:
        """The same message through the standard library: the reference `as_bytes` is
        checked against, and a convenience for code that wants an `EmailMessage`."""
        message = EmailMessage(policy=WIRE)
        message["From"] = self.sender
        message["To"] = self.to
        message["Subject"] = self.subject
        message["Date"] = format_datetime(self.date)
        message["Message-ID"] = self.message_id
        if self.reply_to:
            message["Reply-To"] = self.reply_to
        for name, value in self.headers:
            message[name] = value
        message.set_content(self.text, cte="quoted-printable")
        if self.html:
            message.add_alternative(self.html, subtype="html", cte="quoted-printable")
        return message

    def as_bytes(self) -> bytes:
        """Serialised with CRLF line endings, as SMTP wants (see `ecourse.mail.wire`)."""
        return to_bytes(self)


@lru_cache(maxsize=256)
def address_of(line: str) -> str:
    """The bare address in `Name <address>` (parsed once per distinct sender)."""
    return parseaddr(line)[1]


@lru_cache(maxsize=256)
def format_sender(display_name: str, address_line: str) -> str:
    """`Display Name <address>`, with the display name encoded when it needs to be."""
    name, address = parseaddr(address_line)
    username, _, domain = address.partition("@")
    return str(Address(display_name or name, username, domain))


def domain_of(address_line: str) -> str:
    return address_of(address_line).rpartition("@")[2] or "localhost"
