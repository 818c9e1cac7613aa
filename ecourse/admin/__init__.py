"""The admin area under /admin: lessons with their reach, subscribers, the course funnel.

Every view here needs a logged-in admin (see `auth`); learners' sessions never count.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("admin", __name__, url_prefix="/admin")


def init_app(app: Flask) -> None:
    from ecourse.admin import auth, wording

    auth.init_app(app)
    app.add_template_filter(wording.in_dutch, "in_dutch")
    app.register_blueprint(bp)


from ecourse.admin import (  # noqa: E402  (the routes register themselves on `bp`)
    auth,
    dashboard,
    embedding,
    lessons,
    people,
    peopleimport,
    previews,
    transfer,
)

__all__ = [
    "auth",
    "bp",
    "dashboard",
    "embedding",
    "init_app",
    "lessons",
    "people",
    "peopleimport",
    "previews",
    "transfer",
]
