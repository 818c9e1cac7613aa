"""Signing up from the academy's own website: an embedded plain HTML form, and a JSON API.

Browsers on sites not named in `EMBED_ORIGINS` are refused (by their Origin or Referer);
a request without an Origin header (not from a browser) is taken while the setting is on.
Both apply the landing page's rules: the same validation, honeypot, time trap (for the API,
as `elapsed_ms` measured by the calling page) and rate limit (docs/embedding.md).
"""

from ecourse.web.embed import form, signups  # noqa: F401  (their routes join `routes.bp`)
from ecourse.web.embed.routes import api, bp

bp.register_blueprint(api)
