"""The time trap: a sign-up sent sooner after its form was shown than a person could type.

The landing form carries a signed stamp of the moment it was rendered; the embedded form
and the API report the milliseconds since their form was shown (`elapsed_ms`).

A sign-up sent too fast is never dropped, and never simply taken either. Autofill and one
tap take a person under three seconds too: dropping them (as this trap once did) told real
people "check your email" for an email that never came. Taking every fast sign-up, leaning
on the double opt-in alone, would keep the address's owner from being signed up, but it
would still mail a stranger whenever a bot says so, and leave the trap doing nothing. So a
fast sign-up gets back what it sent, everything typed kept, to send once more with one
click ("Nog één stap"): one click for a person, while a bot that posts blind and never
reads the answer gets no email sent. The landing form re-shown keeps its first stamp, and
the embedded form's is backdated by the time its own page measured, so that click is
nearly always past the limit; should it not be, the form comes back once more. The API
answers 409 with a message for its page to show, which asks for the click and sends again.

Only the honeypot drops quietly (the usual "check your email" answer, so a bot learns
nothing): no person fills in a field they cannot see. A stamp that is missing, forged,
from before a key change or older than a day cannot tell a bot from a person who left the
page open: that form too is shown again, stamped anew. `SIGNUP_MIN_SECONDS = 0` turns the
trap off (the tests' default).
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from ecourse.core import tokens

MAX_AGE_SECONDS = 86400  # a form shown more than a day ago is stale, or a stamp replayed


def min_seconds() -> int:
    return current_app.config["ECOURSE"]["SIGNUP_MIN_SECONDS"]


def stamp(now: datetime) -> str:
    """The signed moment a form is shown, for its hidden `rendered` field, to the
    millisecond: whole seconds would let a form through up to a second early."""
    return tokens.make("form", round(now.timestamp(), 3))


def shown_at(value: str | None) -> float | None:
    """The moment (epoch seconds) a stamp says its form was shown; None when forged.
    Stamps in whole seconds, from before the milliseconds, still count."""
    try:
        moment = tokens.read("form", value or "")
    except tokens.TokenError:
        return None
    ok = isinstance(moment, int | float) and not isinstance(moment, bool)
    return float(moment) if ok else None


PERSON, TOO_FAST, STALE = "person", "too fast", "stale"


def verdict(value: str | None, now: datetime) -> str:
    """What a landing-form submission with this stamp is: a `PERSON`'s (take it), or
    `TOO_FAST` or `STALE` to tell (show it again, to send with one click)."""
    if min_seconds() <= 0:
        return PERSON
    moment = shown_at(value)
    if moment is None or now.timestamp() - moment > MAX_AGE_SECONDS:
        return STALE
    return PERSON if now.timestamp() - moment >= min_seconds() else TOO_FAST


def restamp(value: str | None, now: datetime) -> str:
    """The stamp for a form shown again: a form re-shown with errors keeps its first stamp,
    so a person who fixes a typo quickly is not mistaken for a bot."""
    moment = shown_at(value)
    if moment is not None and 0 <= now.timestamp() - moment <= MAX_AGE_SECONDS:
        return value
    return stamp(now)


def elapsed_passed(elapsed_ms: int) -> bool:
    """Whether a form filled in for `elapsed_ms` milliseconds (as its own page measured)
    may be a person's: the embedded form and the API."""
    return elapsed_ms >= min_seconds() * 1000
