"""What the engine needs to know, typed, and handed to it at start-up.

The engine never reads the app's configuration itself: `create_app` builds these settings
once from the declared settings (`ecourse.core.settings`) and gives them, with the engine's
collaborators, to an `Engine` (`ecourse.engine.context`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class EngineSettings:
    min_gap: timedelta  # least time between two lessons of one enrollment
    batch_size: int  # deliveries claimed and sent together
    lease: timedelta  # how long a claim reserves a delivery
    pause_after_errors: int  # temporary failures in a row that pause all sending (0: never)
    pause_for: timedelta
    retry_first: timedelta  # the first wait after a temporary failure; it doubles
    retry_max: timedelta
    give_up_after: timedelta
    send_rate: int  # messages per second for all workers together (0: no limit)
    rate_storage_url: str
    mail_from: str
    academy_name: str  # the From name when a course names no sender (`ecourse.content.brand`)
    academy_url: str  # the academy's site when a course names none
    reply_to: str
    unsubscribe_mailto: str
    templates: Path  # the email templates' folder
    confirm_max_age_days: int
    forget_unconfirmed_days: int  # an unconfirmed sign-up is erased this long after it was made
    message_id_secret: bytes  # Message-IDs are keyed on it, so they reveal no ids

    @classmethod
    def from_values(cls, values: Mapping[str, Any], secret_key: str, templates: Path):
        """From the app's declared settings (`app.config["ECOURSE"]`) and its secret key."""
        return cls(
            min_gap=timedelta(hours=values["MIN_GAP_HOURS"]),
            batch_size=values["BATCH_SIZE"],
            lease=timedelta(seconds=values["LEASE_SECONDS"]),
            pause_after_errors=values["PAUSE_AFTER_ERRORS"],
            pause_for=timedelta(minutes=values["PAUSE_MINUTES"]),
            retry_first=timedelta(minutes=values["RETRY_FIRST_MINUTES"]),
            retry_max=timedelta(hours=values["RETRY_MAX_HOURS"]),
            give_up_after=timedelta(days=values["GIVE_UP_DAYS"]),
            send_rate=values["SEND_RATE"],
            rate_storage_url=values["RATELIMIT_STORAGE_URL"],
            mail_from=values["MAIL_FROM"],
            academy_name=values["ACADEMY_NAME"],
            academy_url=values["ACADEMY_URL"],
            reply_to=values["REPLY_TO"],
            unsubscribe_mailto=values["UNSUBSCRIBE_MAILTO"],
            templates=templates,
            confirm_max_age_days=values["CONFIRM_MAX_AGE_DAYS"],
            forget_unconfirmed_days=values["FORGET_UNCONFIRMED_DAYS"],
            message_id_secret=secret_key.encode(),
        )
