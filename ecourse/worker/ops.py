"""What a monitor asks any ecourse process: `/healthz` and `/metrics`, answered alike.

The web app answers them through its `ops` blueprint and a worker on its `--metrics-port`
(`ecourse.cli.metricsport`); both hand the request's parts to these functions, in an app context,
and send back the `Answer` as it is.
"""

from __future__ import annotations

import hmac
import json
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ecourse.core.db import db
from ecourse.engine import health
from ecourse.worker import wakeup

log = logging.getLogger(__name__)

JSON = "application/json"
# Nothing here may be kept by a cache: an old "ok" hides an outage.
NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


def _json(code: int, **body) -> Answer:
    return Answer(code, json.dumps(body).encode(), JSON, dict(NO_STORE))


def max_pass_age(settings: dict) -> timedelta:
    """How old the last pass may be: the setting, or three ticks plus ten minutes."""
    seconds = settings["HEALTH_MAX_PASS_AGE_SECONDS"] or 3 * settings["TICK_SECONDS"] + 600
    return timedelta(seconds=seconds)


def expects_scheduler(settings: dict) -> bool:
    """Whether this process should see recent passes: as set, or where it runs the scheduler."""
    if settings["EXPECT_SCHEDULER"] is None:
        return wakeup.runs_here()
    return settings["EXPECT_SCHEDULER"]


def healthz(now: datetime) -> Answer:
    """200 when the database answers and, where a scheduler should run, it passed lately."""
    settings = current_app.config["ECOURSE"]
    try:
        db.session.execute(text("SELECT 1"))
        last = health.last_pass()
    except SQLAlchemyError as error:
        db.session.rollback()
        # The error may name hosts and users: it goes to the log, not to whoever asks.
        log.warning("health check: the database does not answer: %s", _first_line(error))
        return _json(503, status="unavailable", reason="the database does not answer")
    expected = expects_scheduler(settings)
    finished = last.finished_at if last else None
    problem = health.pass_problem(now, finished, max_pass_age(settings))
    passes = {
        "expected": expected,
        "last_pass": finished.isoformat(timespec="seconds") if finished else None,
        "age_seconds": round((now - finished).total_seconds()) if finished else None,
    }
    if expected and problem:
        return _json(503, status="unavailable", reason=problem, scheduler=passes)
    return _json(200, status="ok", database="ok", scheduler=passes)


def metrics_answer(authorization: str | None, accept: str | None, now: datetime) -> Answer:
    """The metrics for a caller with the bearer token; 404 while no token is set."""
    token = current_app.config["ECOURSE"]["METRICS_TOKEN"]
    if not token:
        return _json(404, error="metrics are turned off: set ECOURSE_METRICS_TOKEN")
    if not _bearer_matches(authorization or "", token):
        refused = _json(401, error="wrong or missing bearer token")
        challenge = {"WWW-Authenticate": 'Bearer realm="ecourse metrics"'}
        return replace(refused, headers=refused.headers | challenge)
    # prometheus_client is loaded at the first scrape, not by every process that builds the
    # app (a tick, or a web process nobody scrapes).
    from ecourse.worker import metrics

    try:
        body, content_type = metrics.render(now, accept)
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("metrics: the database does not answer: %s", _first_line(error))
        return _json(503, error="the database does not answer")
    return Answer(200, body, content_type, dict(NO_STORE))


def _bearer_matches(authorization: str, token: str) -> bool:
    scheme, _, offered = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(offered.strip().encode(), token.encode())


def _first_line(error: SQLAlchemyError) -> str:
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
