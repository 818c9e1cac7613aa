"""Sends through Postmark's batch HTTP API (`POST /email/batch`, up to 500 messages a call).

The reply is mapped onto the same rules as SMTP: HTTP 429 and 5xx, timeouts and refused
connections are temporary; a rejected token (401/403) is our configuration, so temporary
too (the pause after repeated errors catches it); any other 4xx fails the messages for good.
Within a 200 reply each message has its own `ErrorCode`: 0 is sent, 406 (inactive
recipient) is a bounce, anything else fails that message.

`requests` is loaded when this backend is chosen, not when it is registered: every process
registers every backend, and requests with urllib3 is about 5 MB that an SMTP deployment's
workers would carry for nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ecourse.mail.base import Outcome, register
from ecourse.mail.message import Message

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

INACTIVE_RECIPIENT = 406


@register("postmark")
class PostmarkMessenger:
    name = "postmark"
    batch_size = 500

    def __init__(self, settings: Mapping[str, Any]):
        import requests
        from requests.adapters import HTTPAdapter

        self.url = settings["POSTMARK_API_URL"].rstrip("/") + "/email/batch"
        self.token = settings["POSTMARK_TOKEN"]
        self.stream = settings["POSTMARK_MESSAGE_STREAM"]
        self.timeout = float(settings.get("SMTP_TIMEOUT", 30))
        self.concurrency = max(1, int(settings.get("HTTP_CONCURRENCY", 4)))
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=self.concurrency)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def send(self, messages: Sequence[Message]) -> list[Outcome]:
        import requests  # loaded by __init__; here it is a lookup

        if not messages:
            return []
        try:
            response = self.session.post(
                self.url,
                json=[self._payload(message) for message in messages],
                headers={"Accept": "application/json", "X-Postmark-Server-Token": self.token},
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            return [Outcome(ok=False, detail=f"cannot reach Postmark: {error}")] * len(messages)
        return self._outcomes(response, len(messages))

    def _payload(self, message: Message) -> dict:
        headers = [{"Name": "Message-ID", "Value": message.message_id}]
        headers += [{"Name": name, "Value": value} for name, value in message.headers]
        payload = {
            "From": message.sender,
            "To": message.to,
            "Subject": message.subject,
            "TextBody": message.text,
            "HtmlBody": message.html or "",
            "Headers": headers,
            "MessageStream": self.stream,
        }
        if message.reply_to:
            payload["ReplyTo"] = message.reply_to
        return payload

    def _outcomes(self, response: requests.Response, count: int) -> list[Outcome]:
        status, text = response.status_code, response.text[:300]
        if status == 429 or status >= 500:
            return [Outcome(ok=False, detail=f"Postmark HTTP {status}: {text}")] * count
        if status in (401, 403):
            log.error(
                "Postmark refused the server token (HTTP %s): check ECOURSE_POSTMARK_TOKEN", status
            )
            return [Outcome(ok=False, detail=f"Postmark HTTP {status}: {text}")] * count
        if status != 200:
            return [
                Outcome(ok=False, permanent=True, detail=f"Postmark HTTP {status}: {text}")
            ] * count
        try:
            results = response.json()
            assert isinstance(results, list) and len(results) == count
        except (ValueError, AssertionError):
            return [
                Outcome(ok=False, detail=f"Postmark answered something unexpected: {text}")
            ] * count
        return [_item_outcome(result) for result in results]

    def close(self) -> None:
        pass  # the session's connections are kept for the next pass


def _item_outcome(result: dict) -> Outcome:
    code = result.get("ErrorCode")
    if code == 0:
        return Outcome(ok=True, detail=f"accepted as {result.get('MessageID', '?')}")
    detail = f"Postmark error {code}: {result.get('Message', '')}"
    return Outcome(ok=False, permanent=True, bounced=code == INACTIVE_RECIPIENT, detail=detail)
