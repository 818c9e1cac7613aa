"""`ecourse worker --metrics-port`: the worker's own `/metrics` and `/healthz`.

A worker serves no web pages, so Prometheus and a health check reach it on a port of its
own: a small WSGI app on waitress, in a background thread, answering exactly as the web
app's `/metrics` and `/healthz` do (`ecourse.worker.ops`), bearer token included.
prometheus_client's own server cannot ask for a token, so it is not used.
"""

from __future__ import annotations

import threading
from http import HTTPStatus

import click
import waitress
from flask import Flask

from ecourse.core.clock import utcnow
from ecourse.worker import ops


def wsgi_app(app: Flask):
    """Answer `GET /metrics` and `GET /healthz`, each in an app context of `app`."""

    def answer(environ, start_response):
        with app.app_context():
            result = _route(environ)
        headers = [("Content-Type", result.content_type), *result.headers.items()]
        headers.append(("Content-Length", str(len(result.body))))
        start_response(f"{result.status} {HTTPStatus(result.status).phrase}", headers)
        return [result.body]

    return answer


def _route(environ) -> ops.Answer:
    path = environ.get("PATH_INFO", "")
    if path not in ("/metrics", "/healthz"):
        return ops.Answer(404, b"not found: try /metrics or /healthz\n", "text/plain")
    if environ["REQUEST_METHOD"] != "GET":
        return ops.Answer(405, b"only GET\n", "text/plain", {"Allow": "GET"})
    if path == "/healthz":
        return ops.healthz(utcnow())
    authorization, accept = environ.get("HTTP_AUTHORIZATION"), environ.get("HTTP_ACCEPT")
    return ops.metrics_answer(authorization, accept, utcnow())


def open_port(app: Flask, host: str, port: int) -> None:
    """Listen on host:port in a daemon thread; a port in use stops the command in one line."""
    try:
        server = waitress.create_server(wsgi_app(app), host=host, port=port, threads=2)
    except OSError as error:
        raise click.ClickException(
            f"cannot serve metrics on {host}:{port} ({error.strerror or error}): another "
            "program may use that port; stop it, or choose another with --metrics-port"
        ) from None
    threading.Thread(target=server.run, name="ecourse-metrics", daemon=True).start()
    click.echo(f"metrics: http://{host}:{port}/metrics and /healthz")
    if not app.config["ECOURSE"]["METRICS_TOKEN"]:
        click.echo(
            "warning: ECOURSE_METRICS_TOKEN is not set, so /metrics answers 404 (off); "
            "/healthz works without it",
            err=True,
        )
