"""Sign-up with double opt-in: the landing page, the form, and the confirmation."""

from flask import Blueprint

bp = Blueprint("signup", __name__)

from ecourse.signup import routes  # noqa: E402, F401
