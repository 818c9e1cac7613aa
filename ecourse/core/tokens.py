"""Signed, unguessable tokens for the links in emails.

Each purpose has its own salt, so a lesson link can never be replayed as a confirmation or
an unsubscribe. Tokens name the subscriber by `public_id`, never by a sequential id. The
"form" purpose signs the moment a sign-up form was shown (the time trap), not a person.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import current_app
from itsdangerous import BadData, BadPayload, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.url_safe import URLSafeSerializerMixin

# "preview": the links in an admin's test email (`ecourse.web.admin.samplelinks`).
PURPOSES = {
    "access",
    "admin-invite",
    "confirm",
    "follow-up",
    "form",
    "lesson",
    "preferences",
    "preview",
    "unsubscribe",
}


class TokenError(Exception):
    """A token is broken, forged, for another purpose, or expired (`expired` says which).
    An expired token's signature is still good, so its `payload` is known: enough to tell
    its owner, in their own language, that the link is old, never to let them in."""

    def __init__(self, expired: bool = False, payload: Any = None):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired
        self.payload = payload


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return _serializer_for(current_app.secret_key, purpose)


class _Uncompressed(URLSafeTimedSerializer):
    """Signs without itsdangerous' attempt to zlib-compress the payload. A link's payload
    is a few ids, which compression never shortens, so the tokens come out byte for byte
    the same; but each attempt builds a fresh deflate state (a quarter of a megabyte), and
    with three links in every lesson email it was the costliest single call on a pass's main
    thread (docs/benchmarks.md). Reading still accepts compressed tokens."""

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(super(URLSafeSerializerMixin, self).dump_payload(obj))


@lru_cache(maxsize=32)
def _serializer_for(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    """Built once per key and purpose: each lesson email signs several links, and building
    the serializer (its key derivation) cost as much as the signing itself."""
    return _Uncompressed(secret_key, salt=f"ecourse.{purpose}")


def make(purpose: str, payload: Any) -> str:
    return _serializer(purpose).dumps(payload)


def read(purpose: str, token: str, max_age_seconds: int | None = None) -> Any:
    """Return the payload, or raise `TokenError`."""
    serializer = _serializer(purpose)
    try:
        return serializer.loads(token, max_age=max_age_seconds)
    except SignatureExpired as error:
        raise TokenError(expired=True, payload=_payload_of(serializer, error)) from None
    except BadData:  # a bad signature, or a signed payload that is not JSON
        raise TokenError() from None


def _payload_of(serializer: URLSafeTimedSerializer, expired: SignatureExpired) -> Any:
    """The payload of a token whose signature checked out but whose time is up."""
    try:
        return serializer.load_payload(expired.payload)
    except (BadPayload, TypeError, ValueError):
        return None
