"""Signed tokens: made without the zlib attempt, yet the same tokens as before, and every
token made before (compressed or not) still reads."""

from __future__ import annotations

import pytest
from itsdangerous import URLSafeTimedSerializer

from ecourse.core import tokens

LINK_PAYLOADS = [["x7Kq2mPzR4tWbN9c", 12, 3], "x7Kq2mPzR4tWbN9c", 1767254400.123]


def _as_before(app, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(app.secret_key, salt=f"ecourse.{purpose}")


@pytest.mark.parametrize("payload", LINK_PAYLOADS)
def test_a_links_token_is_the_one_itsdangerous_made_before(app, payload):
    made = tokens.make("lesson", payload)
    before = _as_before(app, "lesson").dumps(payload)
    assert made.split(".")[0] == before.split(".")[0]  # the payload part, byte for byte
    assert _as_before(app, "lesson").loads(made) == payload
    assert tokens.read("lesson", before) == payload


def test_a_compressed_token_from_before_still_reads(app):
    payload = {"note": "ademen " * 40}  # long and repetitive: itsdangerous compressed it
    before = _as_before(app, "preferences").dumps(payload)
    assert before.startswith(".")
    assert tokens.read("preferences", before) == payload
    made = tokens.make("preferences", payload)
    assert not made.startswith(".") and tokens.read("preferences", made) == payload


def test_a_token_for_one_purpose_is_refused_for_another(app):
    with pytest.raises(tokens.TokenError):
        tokens.read("unsubscribe", tokens.make("lesson", LINK_PAYLOADS[0]))
