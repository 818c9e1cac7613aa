"""Sends through an SMTP relay over a pool of reused connections.

The only module that imports `smtplib`. Replies are sorted into outcomes: 2xx sent, 5xx
permanent (the address will not work), 4xx and dropped connections temporary. Failing to
connect or to log in is never the address's fault, so it is always temporary.
"""

from __future__ import annotations

import logging
import queue
import smtplib
import ssl
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from ecourse.mail.base import SENT, Outcome, register
from ecourse.mail.message import Message

log = logging.getLogger(__name__)


def _reply_outcome(code: int, text: bytes | str, stage: str) -> Outcome:
    """Sort a refusal by when it came.

    - RCPT: about the address. 5xx bounces it; 4xx is a retry.
    - MAIL FROM: about us (sender, login, policy), never the address: always a retry, so a
      misconfiguration pauses sending instead of bouncing everyone.
    - DATA: about the message. 5xx fails this message but keeps the address.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    detail = f"{code} {text} ({stage})".strip()
    permanent = 500 <= code < 600 and stage != "MAIL FROM"
    return Outcome(
        ok=False, permanent=permanent, bounced=permanent and stage == "RCPT", detail=detail
    )


class Connection:
    """One SMTP session, opened on first use and re-opened after `max_messages` or an error."""

    def __init__(self, settings: Mapping[str, Any], ssl_context: ssl.SSLContext):
        self.settings = settings
        self.ssl_context = ssl_context
        self.max_messages = int(settings.get("SMTP_MESSAGES_PER_CONNECTION", 100))
        self._smtp: smtplib.SMTP | None = None
        self._sent = 0
        self._in_data = False

    def send(self, message: Message) -> Outcome:
        # A connection found dead before the message went over (say, the server closed an
        # idle one) is retried once on a fresh one. Once DATA has started it is not: the
        # relay may have accepted the message, and sending it again at once would double it.
        for attempt in (1, 2):
            try:
                smtp = self._open()
            except (smtplib.SMTPException, OSError) as error:
                self.close()
                host = f"{self.settings['SMTP_HOST']}:{self.settings['SMTP_PORT']}"
                return Outcome(ok=False, detail=f"cannot reach {host}: {error}")
            self._in_data = False
            try:
                return self._deliver(smtp, message)
            except (smtplib.SMTPServerDisconnected, OSError) as error:
                self.close()
                if attempt == 2 or self._in_data:
                    return Outcome(ok=False, detail=f"connection lost: {error}")
            except Exception as error:  # e.g. an address smtplib cannot encode: this message only
                self.close()
                return Outcome(ok=False, detail=f"could not send: {error!r}")
        raise AssertionError("unreachable")

    def _deliver(self, smtp: smtplib.SMTP, message: Message) -> Outcome:
        data = message.as_bytes()
        code, reply = smtp.mail(message.envelope_from)
        if code != 250:
            self._reset(smtp)
            return _reply_outcome(code, reply, "MAIL FROM")
        code, reply = smtp.rcpt(message.to)
        if code not in (250, 251):
            if code == 421:
                self.close()  # the server is hanging up
            else:
                self._reset(smtp)
            return _reply_outcome(code, reply, "RCPT")
        self._in_data = True
        try:
            code, reply = smtp.data(data)  # raises only when DATA itself is refused
        except smtplib.SMTPDataError as error:
            code, reply = error.smtp_code, error.smtp_error
        if code != 250:
            self._reset(smtp)
            return _reply_outcome(code, reply, "DATA")
        self._sent += 1
        if self._sent >= self.max_messages:
            self.close(polite=True)
        return SENT

    def _open(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        settings = self.settings
        host, port, timeout = (
            settings["SMTP_HOST"],
            int(settings["SMTP_PORT"]),
            float(settings.get("SMTP_TIMEOUT", 30)),
        )
        if settings["SMTP_SECURITY"] == "tls":
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=self.ssl_context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        try:
            smtp.ehlo()
            if settings["SMTP_SECURITY"] == "starttls":
                smtp.starttls(context=self.ssl_context)
                smtp.ehlo()
            if settings["SMTP_USERNAME"]:
                smtp.login(settings["SMTP_USERNAME"], settings["SMTP_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        self._smtp, self._sent = smtp, 0
        return smtp

    def _reset(self, smtp: smtplib.SMTP) -> None:
        """After a refused transaction, clear the server's state before the next one."""
        try:
            smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self, polite: bool = False) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit() if polite else smtp.close()
        except (smtplib.SMTPException, OSError):
            smtp.close()


@register("smtp")
class SMTPMessenger:
    """A pool of up to `SMTP_CONCURRENCY` connections; `send` may be called from threads."""

    name = "smtp"
    batch_size = 1  # each handoff is one SMTP transaction; the pool gives the parallelism

    def __init__(self, settings: Mapping[str, Any]):
        self.settings = settings
        self.concurrency = max(1, int(settings.get("SMTP_CONCURRENCY", 4)))
        self.ssl_context = ssl.create_default_context(cafile=settings.get("SMTP_CA_FILE") or None)
        self._idle: queue.LifoQueue[Connection] = queue.LifoQueue()
        self._all: list[Connection] = []
        self._lock = threading.Lock()

    def send(self, messages: Sequence[Message]) -> list[Outcome]:
        connection = self._checkout()
        try:
            return [connection.send(message) for message in messages]
        finally:
            self._idle.put(connection)

    def _checkout(self) -> Connection:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if len(self._all) < self.concurrency:
                connection = Connection(self.settings, self.ssl_context)
                self._all.append(connection)
                return connection
        return self._idle.get()

    def close(self) -> None:
        with self._lock:
            for connection in self._all:
                connection.close(polite=True)
