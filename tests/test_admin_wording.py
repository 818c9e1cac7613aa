"""The admin area reads in Dutch: every reason the engine and the pacing rules store."""

from __future__ import annotations

import pytest

from ecourse.engine import drip
from ecourse.journey import journal
from ecourse.web.admin.wording import in_dutch

ENGINE_REASONS = [
    "unsubscribed",
    "bounced",
    "erased",
    "already confirmed",
    "not confirmed",
    "enrollment stopped",
    "enrollment paused",
    "lesson unpublished",
    "draft: not published",
    "added after this subscriber had passed its place in the course",
    "the course was stopped",
    "course stopped by the learner",
    "sent again after signing up again",
    "not confirmed within 30 days",
]
PACING_REASONS = [f"paused by {who}" for who in journal.BY_WHOM.values()] + [
    f"moved to lesson 03-rust by {who}" for who in journal.BY_WHOM.values()
]


@pytest.mark.parametrize("reason", ENGINE_REASONS + PACING_REASONS)
def test_every_stored_reason_reads_in_dutch(reason):
    dutch = in_dutch(reason)
    assert dutch != reason
    assert not {"by", "the", "not", "after", "an"} & set(dutch.split()), dutch


@pytest.mark.parametrize("reason", ["unsubscribed", "enrollment stopped", "enrollment paused"])
def test_a_reason_found_at_the_handoff_reads_in_dutch_too(reason):
    assert in_dutch(f"{reason} meanwhile") == f"{in_dutch(reason)} (intussen)"


def test_the_drip_rules_reasons_are_covered():
    lesson = type("L", (), {"id": 1, "day": 1, "slug": "a", "status": "draft", "late_rule": "skip"})
    assert drip.skip_reason(lesson, None) in ENGINE_REASONS
    lesson.status = "published"
    assert drip.skip_reason(lesson, (5, "z")) in ENGINE_REASONS


def test_unknown_text_such_as_a_relays_reply_is_shown_as_it_is():
    assert in_dutch("550 5.1.1 <x@example.org>: Recipient address rejected") == (
        "550 5.1.1 <x@example.org>: Recipient address rejected"
    )
