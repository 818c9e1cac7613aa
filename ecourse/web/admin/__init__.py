"""The admin area under /admin: lessons with their reach, subscribers, the course funnel.

Every view here needs a logged-in admin (see `auth`); learners' sessions never count.
"""

from flask import Flask

from ecourse.web.admin import (  # noqa: F401  (their routes join `routes.bp`)
    account,
    audio,
    audit,
    auth,
    consents,
    dashboard,
    embedding,
    lessons,
    people,
    peopleimport,
    previews,
    samplelinks,
    team,
    transfer,
    wording,
)


def init_app(app: Flask) -> None:
    """What the admin area needs besides its routes: logins and Dutch wording."""
    auth.init_app(app)
    app.add_template_filter(wording.in_dutch, "in_dutch")
