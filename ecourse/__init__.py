"""ecourse: an e-course delivered by email, one calm lesson at a time."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the web application; `test_config` overrides settings by name."""
    app = Flask(__name__)

    from ecourse import config, db, handoffs, i18n, mail, web

    config.init_app(app, test_config)
    db.init_app(app)
    handoffs.init_app(app)
    mail.init_app(app)
    web.init_app(app)
    i18n.init_app(app)

    from ecourse import admin, embed, learn, preferences, providers, signup

    app.register_blueprint(signup.bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(learn.bp)
    app.register_blueprint(preferences.bp)
    app.register_blueprint(providers.bp)
    admin.init_app(app)
    return app
