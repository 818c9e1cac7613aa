"""The app's engine: built once when the app is made, and found here by the layers above it.

The engine itself never looks at the app (see `ecourse.engine.context`); what runs inside
an app (a request, a command, a pass of the scheduler) asks for it here and hands it on.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from ecourse.core.resources import bundled
from ecourse.engine.context import Engine
from ecourse.engine.settings import EngineSettings

EXTENSION = "ecourse.engine"


def init_app(app: Flask) -> None:
    """Build the engine from the app's settings, with the app's messenger."""
    values = app.config["ECOURSE"]
    configured = values["EMAIL_TEMPLATES_DIR"]
    templates = Path(configured) if configured else bundled("email_templates")
    settings = EngineSettings.from_values(values, app.secret_key, templates)
    sqlite = values["DATABASE_URL"].startswith("sqlite")
    data_dir = Path(values["DATA_DIR"]) if sqlite else None
    app.extensions[EXTENSION] = Engine.build(
        settings, app.extensions["ecourse.messenger"], data_dir
    )


def engine() -> Engine:
    """The engine of the app in whose context this runs."""
    return current_app.extensions[EXTENSION]


def settings() -> EngineSettings:
    return engine().settings
