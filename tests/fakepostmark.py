"""A local HTTP server that answers like Postmark's batch API, keyed on the recipient.

`bounce…` gets ErrorCode 406 (inactive recipient), `invalid…` ErrorCode 300; a batch with a
`throttle…` recipient gets HTTP 429, one with `broken…` HTTP 500. The token must be `test-token`.
"""

from __future__ import annotations

import json
import threading

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.smtpserver import free_port

TOKEN = "test-token"


class FakePostmark:
    def __init__(self):
        self.batches: list[list[dict]] = []
        self.port = free_port()
        self._server = make_server("127.0.0.1", self.port, self._app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def settings(self) -> dict:
        return {"MAIL_BACKEND": "postmark", "POSTMARK_API_URL": self.url, "POSTMARK_TOKEN": TOKEN}

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @Request.application
    def _app(self, request: Request) -> Response:
        if request.path != "/email/batch" or request.method != "POST":
            return Response("not found", 404)
        if request.headers.get("X-Postmark-Server-Token") != TOKEN:
            return self._json({"ErrorCode": 10, "Message": "Bad or missing API token"}, 401)
        batch = json.loads(request.get_data())
        recipients = [message["To"] for message in batch]
        if any(to.startswith("throttle") for to in recipients):
            return self._json({"ErrorCode": 429, "Message": "Rate limit exceeded"}, 429)
        if any(to.startswith("broken") for to in recipients):
            return Response("internal error", 500)
        if any(not message.get("From") for message in batch):
            return self._json({"ErrorCode": 300, "Message": "Invalid 'From' address"}, 422)
        self.batches.append(batch)
        return self._json(
            [self._result(number, message) for number, message in enumerate(batch)], 200
        )

    @staticmethod
    def _result(number: int, message: dict) -> dict:
        to = message["To"]
        if to.startswith("bounce"):
            return {
                "ErrorCode": 406,
                "Message": "You tried to send to recipient(s) that have been marked as inactive.",
                "To": to,
            }
        if to.startswith("invalid"):
            return {"ErrorCode": 300, "Message": "Invalid email request", "To": to}
        return {"ErrorCode": 0, "Message": "OK", "MessageID": f"pm-{number}", "To": to}

    @staticmethod
    def _json(body, status: int) -> Response:
        return Response(json.dumps(body), status, content_type="application/json")
