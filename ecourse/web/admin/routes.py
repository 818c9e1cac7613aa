"""The admin blueprint; its views are in the feature modules (lessons, people, …)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
