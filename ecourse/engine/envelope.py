"""An email's envelope: who it is from, where a reply goes, how to unsubscribe in one click,
and what names the email in its one-time link. The same for every kind of email ecourse
sends (`ecourse.engine.emails` renders what goes inside)."""

from __future__ import annotations

from datetime import datetime

from ecourse.content import brand
from ecourse.core import links
from ecourse.core.models import Course, Subscriber
from ecourse.engine.settings import EngineSettings
from ecourse.mail.message import Message, format_sender


def message(
    rendered, to: str, course: Course, message_id: str, now: datetime, settings, headers
) -> Message:
    """The rendered email in its envelope: From (the academy), Reply-To, Date, Message-ID,
    and `headers` (List-Unsubscribe for the emails of a course under way)."""
    return Message(
        to=to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        sender=format_sender(sender_name(course, settings), settings.mail_from),
        reply_to=reply_to(course, settings),
        message_id=message_id,
        date=now,
        headers=headers,
    )


def reply_to(course: Course, settings: EngineSettings) -> str:
    """Where a learner's reply goes: the course's own `reply_to`, else `ECOURSE_REPLY_TO`
    (empty: replies go to the From address)."""
    return course.reply_to or settings.reply_to


def sender_name(course: Course, settings: EngineSettings) -> str:
    """The From name and the signature: the academy's name (`ecourse.content.brand`)."""
    return brand.academy_name(course, settings.academy_name, settings.mail_from)


def link_nonce(message_id: str) -> str:
    """What names one email in its one-time link: its Message-ID's unique part (an HMAC of
    the ledger key, so it reveals nothing and differs for every email)."""
    return message_id.strip("<>").partition("@")[0]


def unsubscribe_headers(
    subscriber: Subscriber, course: Course, token: str, settings: EngineSettings
) -> tuple[tuple[str, str], ...]:
    """RFC 2369 and RFC 8058: one-click unsubscribe by POST (it stops this course), plus a
    mailto when configured."""
    targets = [f"<{links.one_click_unsubscribe_url(subscriber, course, token)}>"]
    mailto = settings.unsubscribe_mailto
    if mailto:
        targets.append(f"<mailto:{mailto}?subject=unsubscribe>")
    return (
        ("List-Unsubscribe", ", ".join(targets)),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    )
