"""Signing up from the academy's own website: an embedded plain HTML form, and a JSON API.

Both answer only to the sites named in `EMBED_ORIGINS`, and apply the landing page's rules:
the same validation, honeypot, time trap and rate limit (docs/embedding.md).
"""

from flask import Blueprint

bp = Blueprint("embed", __name__)
api = Blueprint("api", __name__, url_prefix="/api/v1")

from ecourse.embed import form, signups  # noqa: E402, F401  (routes register themselves)

bp.register_blueprint(api)
