"""Every setting ecourse reads, declared once as data.

Each setting has a name, a default, a parser and one line of help. It is read from the
environment variable ``ECOURSE_<NAME>``; tests pass overrides by name instead. The README's
configuration table is checked against this list by a test, so the two cannot drift apart.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

PREFIX = "ECOURSE_"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str

    @property
    def env_var(self) -> str:
        return PREFIX + self.name


def parse_bool(text: str) -> bool:
    """Accept the usual spellings of yes and no; refuse anything else loudly."""
    value = text.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected a yes/no value, got {text!r}")


def parse_choice(*choices: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {text!r}")
        return value

    return parse


def parse_positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(f"expected a whole number of at least 1, got {text!r}")
    return value


def parse_origins(text: str) -> str:
    """A comma-separated list of web origins; refuses a bare host name, which could never
    match the Origin header a browser sends."""
    for origin in filter(None, (part.strip() for part in text.split(","))):
        if not origin.startswith(("https://", "http://")) or origin.rstrip("/").count("/") != 2:
            raise ValueError(f"expected origins like https://academie.nl, got {origin!r}")
    return text


def parse_web_address(text: str) -> str:
    """An absolute http(s) address, or empty; a footer link to `academie.nl` without its
    scheme would lead to a page of our own that does not exist."""
    value = text.strip()
    if value and (not value.startswith(("https://", "http://")) or "://" == value[-3:]):
        raise ValueError(f"expected an address like https://academie.nl, got {text!r}")
    return value


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATA_DIR",
        "instance",
        "Folder for the SQLite database, the generated secret key and the development outbox.",
    ),
    Setting(
        "DATABASE_URL",
        None,
        "SQLAlchemy URL. Default: a SQLite file `ecourse.sqlite3` in the data directory.",
    ),
    Setting(
        "SECRET_KEY",
        None,
        "Signs tokens and cookies. Default: a random key generated once and kept in the data directory.",
    ),
    Setting(
        "BASE_URL",
        "http://localhost:8000",
        "Absolute URL of the site, used in every emailed link. Unset, `ecourse serve` uses its own host and port.",
    ),
    Setting(
        "MAIL_BACKEND",
        "outbox",
        "Where mail goes: `outbox` (.eml files in the data directory), `smtp`, `postmark` (HTTP API), or `memory` (tests).",
        parse_choice("outbox", "smtp", "postmark", "memory"),
    ),
    Setting("SMTP_HOST", "localhost", "SMTP relay host."),
    Setting("SMTP_PORT", 587, "SMTP relay port.", int),
    Setting("SMTP_USERNAME", "", "SMTP AUTH user name; empty for no AUTH."),
    Setting("SMTP_PASSWORD", "", "SMTP AUTH password."),
    Setting(
        "SMTP_SECURITY",
        "starttls",
        "Transport security: `none`, `starttls` or `tls` (implicit TLS, usually port 465).",
        parse_choice("none", "starttls", "tls"),
    ),
    Setting(
        "SMTP_CA_FILE",
        "",
        "CA bundle to verify the relay's certificate with; empty for the system's.",
    ),
    Setting(
        "SMTP_TIMEOUT",
        30.0,
        "Seconds to wait for the SMTP relay before giving up on a connection.",
        float,
    ),
    Setting(
        "MAIL_FROM",
        "cursus@localhost",
        "Sender address, with a display name if you like; the From name is the academy's name "
        "(below), else this display name, else the course's title.",
    ),
    Setting(
        "ACADEMY_NAME",
        "",
        "The academy's name, at the top of every page and as every email's From name; a "
        "course's `sender_name` in its `course.yml` goes first.",
    ),
    Setting(
        "ACADEMY_URL",
        "",
        "The academy's own website (`https://academie.nl`), linked from every page's footer; "
        "empty for the course's landing page.",
        parse_web_address,
    ),
    Setting(
        "PRIVACY_URL",
        "",
        "The academy's privacy statement, linked from every page's footer; empty for the "
        "built-in one at `/privacy`, written from what ecourse stores and these settings.",
        parse_web_address,
    ),
    Setting(
        "REPLY_TO",
        "",
        "Reply-To address for the emails of a course whose `course.yml` names no `reply_to`; empty for none.",
    ),
    Setting(
        "UNSUBSCRIBE_MAILTO",
        "",
        "Address for a `mailto:` in the List-Unsubscribe header, besides the one-click URL; empty for none.",
    ),
    Setting("SMTP_CONCURRENCY", 4, "SMTP connections used in parallel by one worker.", int),
    Setting(
        "SMTP_MESSAGES_PER_CONNECTION",
        100,
        "Messages sent over one SMTP connection before it is re-opened.",
        int,
    ),
    Setting(
        "POSTMARK_TOKEN",
        "",
        "Server token for `ECOURSE_MAIL_BACKEND=postmark` (Postmark's batch HTTP API).",
    ),
    Setting("POSTMARK_API_URL", "https://api.postmarkapp.com", "Base URL of the Postmark API."),
    Setting("POSTMARK_MESSAGE_STREAM", "outbound", "Postmark message stream for every email."),
    Setting("HTTP_CONCURRENCY", 4, "Parallel requests to the HTTP email API by one worker.", int),
    Setting(
        "WEBHOOK_SECRET",
        "",
        "Shared secret the provider's bounce/complaint webhook must present; empty turns the webhook off.",
    ),
    Setting(
        "SEND_RATE",
        0,
        "Messages per second for all workers together; 0 for no limit. Shared through RATELIMIT_STORAGE_URL.",
        int,
    ),
    Setting(
        "RETRY_FIRST_MINUTES",
        5.0,
        "Wait before the first retry after a temporary failure; doubles each time.",
        float,
    ),
    Setting("RETRY_MAX_HOURS", 6.0, "Longest wait between two retries.", float),
    Setting(
        "GIVE_UP_DAYS",
        5.0,
        "Days after which a message that keeps failing temporarily is given up (RFC 5321 suggests 4-5).",
        float,
    ),
    Setting(
        "PAUSE_AFTER_ERRORS",
        20,
        "Temporary failures in a row that pause all sending; 0 never pauses.",
        int,
    ),
    Setting(
        "PAUSE_MINUTES", 15.0, "How long sending pauses after too many errors in a row.", float
    ),
    Setting("TIMEZONE", "Europe/Amsterdam", "Time zone for courses that do not name their own."),
    Setting(
        "LESSONS_DIR",
        None,
        "Folder of course folders with lesson files. Default: the project's `lessons/`.",
    ),
    Setting(
        "MAX_AUDIO_MB",
        40,
        "Largest audio guide for an exercise, in MB, in a course folder or uploaded in the editor.",
        parse_positive_int,
    ),
    Setting(
        "EMAIL_TEMPLATES_DIR",
        None,
        "Folder of email templates. Default: the project's `email_templates/`.",
    ),
    Setting("CONFIRM_MAX_AGE_DAYS", 7, "Days a confirmation link stays valid.", int),
    Setting(
        "LINK_MAX_AGE_DAYS",
        90,
        "Days a lesson or preferences link from an email keeps working; after that the page offers a fresh one.",
        parse_positive_int,
    ),
    Setting(
        "CONFIRM_RESEND_MINUTES",
        15,
        "A repeated sign-up re-sends the confirmation at most once per this many minutes.",
        int,
    ),
    Setting(
        "CONFIRM_REMINDER_HOURS",
        24.0,
        "Hours after an unconfirmed sign-up that the one reminder to confirm goes out; 0 sends none.",
        float,
    ),
    Setting(
        "FORGET_UNCONFIRMED_DAYS",
        30,
        "Days after which a sign-up that was never confirmed is erased, personal data and all.",
        parse_positive_int,
    ),
    Setting(
        "MIN_GAP_HOURS",
        12.0,
        "Least time between two lessons of one enrollment, so a catch-up is gentle.",
        float,
    ),
    Setting("TICK_SECONDS", 60, "Seconds between scheduler passes in `serve` and `worker`.", int),
    Setting("BATCH_SIZE", 100, "Deliveries claimed and sent together in one batch.", int),
    Setting(
        "LEASE_SECONDS",
        300,
        "How long a claimed delivery is reserved; after that another pass may take it over.",
        int,
    ),
    Setting(
        "HEALTH_MAX_PASS_AGE_SECONDS",
        0,
        "`/healthz` fails when the last scheduler pass ended longer ago than this; 0: three "
        "ticks plus ten minutes, room for a long sending pass.",
        int,
    ),
    Setting(
        "EXPECT_SCHEDULER",
        None,
        "Whether `/healthz` needs a recent scheduler pass. Unset: only in a process that runs the "
        "scheduler (`serve`, `worker`); `true` for web processes whose worker runs elsewhere.",
        parse_bool,
    ),
    Setting(
        "METRICS_TOKEN",
        "",
        "Bearer token Prometheus must send for `/metrics` (the web app's, and `ecourse worker "
        "--metrics-port`'s); empty turns metrics off.",
    ),
    Setting(
        "SIGNUP_RATE_LIMIT",
        "5 per minute;30 per hour",
        "Sign-ups accepted per IP address (Flask-Limiter syntax); mistakes and the one-click form do not count.",
    ),
    Setting(
        "SIGNUP_MIN_SECONDS",
        3,
        "A sign-up sent sooner than this after its form was shown comes back to send with one click; 0 turns this off.",
        int,
    ),
    Setting(
        "EMBED_ORIGINS",
        "",
        "Sites allowed to embed the sign-up form and call the sign-up API, comma-separated "
        "(`https://academie.nl`); empty turns both off.",
        parse_origins,
    ),
    Setting(
        "RATELIMIT_STORAGE_URL",
        "memory://",
        "Where rate-limit counters live; use a Redis URL when several web processes run.",
    ),
    Setting(
        "TRUST_PROXY",
        False,
        "Trust one proxy's X-Forwarded-For/-Proto headers (set when behind a reverse proxy).",
        parse_bool,
    ),
    Setting("LOG_LEVEL", "INFO", "Log level for ecourse's own messages."),
)

BY_NAME = {setting.name: setting for setting in SETTINGS}


class SettingsError(ValueError):
    """A setting's value could not be understood; the message names the variable."""


def load(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Return every setting's value: overrides first, then the environment, then the default."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(BY_NAME)
    if unknown:
        raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    values = {}
    for setting in SETTINGS:
        values[setting.name] = _value(setting, environ, overrides)
    return values


def _value(setting: Setting, environ: Mapping[str, str], overrides: Mapping[str, Any]) -> Any:
    # An override given as text is read like the environment's value (the tests' settings
    # are also exported as ECOURSE_* variables to processes they start).
    raw = overrides.get(setting.name, environ.get(setting.env_var))
    if setting.name in overrides and not isinstance(raw, str):
        return raw
    if raw is None:
        return setting.default
    try:
        return setting.parse(raw)
    except ValueError as error:
        raise SettingsError(f"{setting.env_var}: {error}") from None


def markdown_table() -> str:
    """The README's configuration table, generated from `SETTINGS` (a test keeps them equal)."""
    rows = ["| Variable | Default | Meaning |", "| --- | --- | --- |"]
    for setting in SETTINGS:
        default = "" if setting.default in (None, "") else f"`{setting.default}`"
        rows.append(f"| `{setting.env_var}` | {default} | {setting.help} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
