"""The learner's own space: pace, pause, send time, and their data (download or delete).

Reached through a signed link in every lesson email and from every lesson page; no
password. Every change is shown first with the new dates of the coming lessons, and only
a second click saves it.
"""

from flask import Blueprint

bp = Blueprint("preferences", __name__, url_prefix="/voorkeuren")

from ecourse.preferences import data, routes  # noqa: E402, F401
