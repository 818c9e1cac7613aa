"""ecourse: an e-course delivered by email, one calm lesson at a time.

The package is in layers, each importing only those below it (the import-linter contracts
in pyproject.toml): `core` (settings, clock, database, models, tokens, links), `mail` and
`content`, `journey` (the one owner of a learner's status, and the journal), `engine`
(planning and sending), `learners` (pace, timeline, privacy, sign-ups), `worker` (a pass
and the scheduler), and on top `web` and `cli`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the web application; `test_config` overrides settings by name."""
    app = Flask(__name__)

    from ecourse import mail
    from ecourse.core import config, db, models  # noqa: F401  (models: the tables exist)
    from ecourse.learners import current
    from ecourse.web import brand, locale, security

    config.init_app(app, test_config)
    db.init_app(app)
    mail.init_app(app)
    current.init_app(app)  # the engine: its settings, messenger and send rate
    security.init_app(app)
    locale.init_app(app)
    brand.init_app(app)  # every page's academy: its name, its site, its privacy statement

    from ecourse.web import admin
    from ecourse.web.coursepages import routes as pages
    from ecourse.web.embed import routes as embed
    from ecourse.web.followup import routes as followup
    from ecourse.web.learn import routes as learn
    from ecourse.web.links import routes as links
    from ecourse.web.ops import routes as ops
    from ecourse.web.preferences import routes as preferences
    from ecourse.web.privacy import routes as privacy
    from ecourse.web.providers import routes as providers
    from ecourse.web.signup import routes as signup

    admin.init_app(app)
    blueprints = (signup, embed, followup, learn, pages, links, ops, preferences, privacy)
    for blueprint in (*blueprints, providers, admin.routes):
        app.register_blueprint(blueprint.bp)
    return app
