"""Events from the email provider: bounces and complaints, pushed to a webhook."""

from flask import Blueprint

bp = Blueprint("providers", __name__, url_prefix="/webhooks")

from ecourse.providers import routes  # noqa: E402, F401
