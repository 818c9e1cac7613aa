"""A real SMTP server (aiosmtpd) on a free loopback port, with faults keyed on the recipient.

- `bounce…` gets 550 at RCPT, `later…` 451 at RCPT, `drop…` 421 (the server hangs up);
- `reject…` gets 554 at DATA; `slow…` is accepted after `slow_seconds`;
- `refuse_sender` makes MAIL FROM fail for everyone (say, "530 5.7.0 Authentication required").
Everything else is accepted and kept in `received`.
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    # When the relay had the whole message (time.monotonic), before it answered the client.
    arrived: float = field(default_factory=time.monotonic)

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=policy.default)


class _Handler:
    def __init__(self, server: SMTPServer):
        self.server = server

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.server.lock:
            self.server.connections += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.server.refuse_sender:
            return self.server.refuse_sender
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.server.reply_for(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(rcpt.startswith("reject") for rcpt in envelope.rcpt_tos):
            return "554 5.6.0 Message content rejected"
        with self.server.lock:
            self.server.in_flight += 1
            self.server.most_in_flight = max(self.server.most_in_flight, self.server.in_flight)
        try:
            if any(rcpt.startswith("slow") for rcpt in envelope.rcpt_tos):
                self.server.slow_content = envelope.original_content  # read while it waits
                self.server.slow_started.set()
                await asyncio.sleep(self.server.slow_seconds)
            elif self.server.every_message_seconds:
                await asyncio.sleep(self.server.every_message_seconds)
            with self.server.lock:
                self.server.received.append(
                    Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
                )
        finally:
            with self.server.lock:
                self.server.in_flight -= 1
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPServer:
    def __init__(self, slow_seconds: float = 1.0):
        self.received: list[Received] = []
        self.connections = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self.slow_seconds = slow_seconds
        self.every_message_seconds = 0.0
        self.slow_started = threading.Event()
        self.slow_content = b""  # the slow message, before the relay has answered
        self.refuse_sender = ""
        self.lock = threading.Lock()
        self.port = free_port()
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, server_hostname="localhost"
        )

    @staticmethod
    def reply_for(address: str) -> str | None:
        if address.startswith("bounce"):
            return "550 5.1.1 No such mailbox"
        if address.startswith("later"):
            return "451 4.3.0 Try again later"
        if address.startswith("drop"):
            return "421 4.3.2 Closing connection"
        return None

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    @property
    def settings(self) -> dict:
        return {
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": self.port,
            "SMTP_SECURITY": "none",
        }

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} message(s), got {len(self.received)}")

    def messages_to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [item.message for item in self.received if address in item.rcpt_tos]
