"""The embed blueprint, and the JSON API nested in it: their routes are in `form` and
`signups`."""

from flask import Blueprint

bp = Blueprint("embed", __name__)
api = Blueprint("api", __name__, url_prefix="/api/v1")
