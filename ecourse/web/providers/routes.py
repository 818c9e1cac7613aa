"""`POST /webhooks/postmark`: bounce and complaint events, authenticated by a shared secret.

Postmark sends the secret as HTTP Basic auth (the password part of the webhook URL's
credentials); the header `X-Webhook-Secret` works too, for other senders and for testing.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, jsonify, request

from ecourse.core.clock import utcnow
from ecourse.web.providers import events
from ecourse.web.security import csrf, json_body, limiter, refused

bp = Blueprint("providers", __name__, url_prefix="/webhooks")


def _authorised(secret: str) -> bool:
    offered = request.headers.get("X-Webhook-Secret", "")
    if request.authorization and request.authorization.password:
        offered = request.authorization.password
    return hmac.compare_digest(offered.encode(), secret.encode())


@bp.post("/postmark")
@csrf.exempt
# Only wrong secrets count: a client guessing at the secret gets a few tries a minute,
# while the provider's real events are never held back.
@limiter.limit("10 per minute;100 per day", deduct_when=refused)
def postmark():
    secret = current_app.config["ECOURSE"]["WEBHOOK_SECRET"]
    if not secret:
        return jsonify(error="the webhook is turned off: set ECOURSE_WEBHOOK_SECRET"), 404
    if not _authorised(secret):
        return (
            jsonify(error="wrong or missing secret"),
            401,
            {"WWW-Authenticate": 'Basic realm="ecourse"'},
        )
    try:
        event = events.parse_postmark(json_body())
    except events.BadEvent as error:
        return jsonify(error=str(error)), 400
    suppressed = events.apply(event, "postmark", utcnow())
    return jsonify(ok=True, kind=event.kind, suppressed=suppressed)
