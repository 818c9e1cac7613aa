"""Who the learner in this browser is, and how sure we are of it: two tiers.

A link from an email (a lesson, the preferences, a confirmation) puts its learner in the
session. That opens the lessons, the exercise, the pace controls, and whatever the learner
writes in this session, since such a link may have been forwarded (docs/privacy.md). A fresh
link (`ecourse.learners.access`), emailed at the moment it was asked for and used once,
also marks the session as checked for `CHECKED_MINUTES`: then the data download, erasure and
the notes and check-ins of earlier days open too.

A link for another learner than the one in the session does not replace them silently: the
page asks for one click first (a POST with its CSRF token), so nobody can slip their own
session into someone else's browser and read what that person writes.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, redirect, render_template, request, session
from flask_login import current_user

from ecourse.core.models import Progress, Subscriber
from ecourse.learners import accounts
from ecourse.web import locale as i18n
from ecourse.web.learner import learner
from ecourse.web.signupforms import ConfirmForm

LEARNER, SINCE, CHECKED = "learner", "learner_since", "checked_at"
HIDDEN, WRITTEN = "hidden_checkins", "written_checkins"
CHECKED_MINUTES = 30
ADMIN_SESSION_HOURS = 12  # an admin's login, from the password on


def enter(subscriber: Subscriber, now: datetime, checked: bool = False) -> None:
    """Make `subscriber` this session's learner; a fresh link (`checked`) opens everything."""
    if session.get(LEARNER) != subscriber.public_id:
        session.permanent = True
        session[LEARNER] = subscriber.public_id
        session[SINCE] = now.timestamp()
        for key in (CHECKED, HIDDEN, WRITTEN):
            session.pop(key, None)
    if checked:
        session[CHECKED] = now.timestamp()


def leave() -> None:
    for key in (LEARNER, SINCE, CHECKED, HIDDEN, WRITTEN):
        session.pop(key, None)


def is_checked(now: datetime) -> bool:
    """Whether a fresh link was used in this session within the last `CHECKED_MINUTES`."""
    at = session.get(CHECKED)
    return isinstance(at, int | float) and 0 <= now.timestamp() - at <= CHECKED_MINUTES * 60


def checked_until(now: datetime) -> datetime | None:
    if not is_checked(now):
        return None
    return datetime.fromtimestamp(session[CHECKED] + CHECKED_MINUTES * 60, now.tzinfo)


def shows(progress: Progress | None, now: datetime) -> bool:
    """Whether this session may show a check-in's saved values: once checked, any; before,
    only one whose last save was this session's own (`wrote`).

    Time is no guide: a friend who opened a forwarded lesson link must not see what the
    learner writes after that moment either. A check-in this session added to while it held
    something hidden (`hide`) stays hidden here."""
    if progress is None or progress.checked_in_at is None or is_checked(now):
        return True
    if progress.id in session.get(HIDDEN, []):
        return False
    written = session.get(WRITTEN, {}).get(str(progress.id))
    return written == progress.checked_in_at.timestamp()


def wrote(progress: Progress) -> None:
    """Remember that this session made the check-in's last save (and when)."""
    session[WRITTEN] = session.get(WRITTEN, {}) | {
        str(progress.id): progress.checked_in_at.timestamp()
    }


def hide(progress: Progress) -> None:
    """Keep this check-in hidden in this session even once it is written to again: what it
    held before must not show because today's answer was added."""
    hidden = list(session.get(HIDDEN, []))
    if progress.id not in hidden:
        session[HIDDEN] = [*hidden, progress.id]


def names_someone_else(subscriber: Subscriber) -> bool:
    current = session.get(LEARNER)
    return current is not None and current != subscriber.public_id


def open_link(subscriber: Subscriber, target: str, now: datetime):
    """Follow an emailed link: enter its learner and go to `target`, a clean URL without the
    token. A session that holds another learner gets a question first (GET), and switches
    only on its answer (POST with CSRF token)."""
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            return render_template("learn/switch.html", form=ConfirmForm(), refused=True), 400
    elif names_someone_else(subscriber):
        response = render_template("learn/switch.html", form=ConfirmForm())
        return response, 200, {"Referrer-Policy": "no-referrer"}
    enter(subscriber, now)
    response = redirect(target)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def link_max_age() -> int:
    """How long a lesson or preferences link works, in seconds (`ECOURSE_LINK_MAX_AGE_DAYS`)."""
    return current_app.config["ECOURSE"]["LINK_MAX_AGE_DAYS"] * 86400


def link_refused(expired: bool = False, status: int = 400, payload: object = None):
    """A garbled, expired or unknown link: say so, and offer a fresh one. An expired link's
    `payload` (a public id, or a list that starts with one) still names its learner, who may
    open it in a browser that knows nothing of them: the page speaks their language."""
    owner = payload[0] if isinstance(payload, list) and payload else payload
    subscriber = learner(owner) if isinstance(owner, str) and len(owner) <= 64 else None
    if subscriber is not None:
        i18n.speak_for(subscriber=subscriber)
    return render_template("learn/link_invalid.html", expired=expired), status


def admin_session_live(now: datetime) -> bool:
    """Whether an admin is logged in in this browser and their login is still open on the
    server: not logged out, not `ADMIN_SESSION_HOURS` old. The admin area requires it; a
    learner's page that an admin may also open (an exercise's audio guide) asks it too."""
    if not current_user.is_authenticated:
        return False
    since = session.get("admin_since")
    if since is None or now.timestamp() - since > ADMIN_SESSION_HOURS * 3600:
        return False
    return accounts.session_open(session.get("admin_session"), current_user.id)
