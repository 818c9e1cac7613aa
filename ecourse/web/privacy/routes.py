"""The built-in privacy statement at `/privacy`, linked from every page's footer.

Its numbers (how long a link works, when an unconfirmed sign-up is erased, how long the
cookie lasts) are read from the settings and the code that enforces them, so the statement
changes with the product instead of going stale beside it. An academy with a statement of
its own sets `ECOURSE_PRIVACY_URL`; this page then sends visitors there.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template

from ecourse.engine.emails import ACCESS_LINK_MINUTES
from ecourse.web import sessions, signing_up

bp = Blueprint("privacy", __name__)


@bp.get("/privacy")
def page():
    """What we keep, why and how long, in the page's language (the course's, as elsewhere)."""
    values = current_app.config["ECOURSE"]
    if values["PRIVACY_URL"]:
        return redirect(values["PRIVACY_URL"])
    return render_template("privacy/page.html", **periods(values))


def periods(values) -> dict[str, int]:
    """Every period the statement names, from where the product keeps it."""
    return {
        "forget_days": values["FORGET_UNCONFIRMED_DAYS"],
        "confirm_days": values["CONFIRM_MAX_AGE_DAYS"],
        "link_days": values["LINK_MAX_AGE_DAYS"],
        "fresh_minutes": ACCESS_LINK_MINUTES,
        "checked_minutes": sessions.CHECKED_MINUTES,
        "cookie_days": current_app.permanent_session_lifetime.days,
        "address_minutes": signing_up.SHOWN_FOR_SECONDS // 60,
    }
