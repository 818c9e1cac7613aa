"""`GET /healthz` for load balancers and `GET /metrics` for Prometheus (with its token).

Both are answered by `ecourse.worker.ops`, as a worker's `--metrics-port` answers them.
Neither reads or writes a session. A monitor asks often, so only wrong tokens for
`/metrics` count against a limit: guessing gets a few tries a minute, a scraper is never held.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from ecourse.core.clock import utcnow
from ecourse.web.security import csrf, limiter, refused
from ecourse.worker import ops

bp = Blueprint("ops", __name__)
csrf.exempt(bp)


def _response(answer: ops.Answer) -> Response:
    return Response(answer.body, answer.status, answer.headers, content_type=answer.content_type)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    return _response(ops.healthz(utcnow()))


@bp.get("/metrics")
@limiter.limit("10 per minute;100 per day", deduct_when=refused)
def metrics():
    authorization = request.headers.get("Authorization")
    return _response(ops.metrics_answer(authorization, request.headers.get("Accept"), utcnow()))
