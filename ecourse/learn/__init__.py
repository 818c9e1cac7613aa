"""The learner's side: lesson pages opened from emails, the course overview, unsubscribing."""

from flask import Blueprint

bp = Blueprint("learn", __name__)

from ecourse.learn import exercise, leaving, routes  # noqa: E402, F401
