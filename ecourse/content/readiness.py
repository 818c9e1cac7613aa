"""Is a course ready to send to real people? The things an operator forgets when a course
is copied from an example: an invitation that points at a placeholder site, and lessons
that ask for a reply while no reply address is set.

One rule each, for `ecourse init`, `ecourse lessons import` and the admin's dashboard.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from ecourse.core.models import Course

# RFC 2606 and RFC 6761: names that never belong to a real site.
PLACEHOLDER_DOMAINS = ("example.org", "example.com", "example.net", "localhost")
PLACEHOLDER_SUFFIXES = (".test", ".invalid", ".example", ".localhost")
_ASKS_FOR_REPLY = re.compile(r"\bantwoord|\breply\b", re.IGNORECASE)


def is_placeholder_url(url: str) -> bool:
    """True for an empty link, one that is not a web address, or one whose host is a
    reserved example name (example.org/com/net, localhost, *.test, *.invalid, *.example)
    or a loopback address."""
    try:
        host = (urlsplit((url or "").strip()).hostname or "").rstrip(".").lower()
    except ValueError:
        return True
    if not host:
        return True
    if any(host == name or host.endswith("." + name) for name in PLACEHOLDER_DOMAINS):
        return True
    return host.endswith(PLACEHOLDER_SUFFIXES) or _is_loopback(host)


def invitation_missing(course: Course) -> bool:
    """The last lesson's invitation (`call_to_action.url`) is empty or a placeholder."""
    return is_placeholder_url(course.cta_url)


def invites_replies(course: Course) -> bool:
    """A published lesson asks the learner to answer ("antwoord", "reply") by email."""
    return any(_ASKS_FOR_REPLY.search(lesson.body_md) for lesson in course.published_lessons)


def reply_address_missing(course: Course, fallback: str) -> bool:
    """The course's lessons invite replies, and neither it nor `ECOURSE_REPLY_TO` says where."""
    return not (course.reply_to or fallback) and invites_replies(course)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
