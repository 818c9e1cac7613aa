"""The `ecourse` command: set up, serve, run the scheduler, tick by hand, inspect."""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select

from ecourse.cli.admins import admin_group
from ecourse.cli.app import safe_url, with_app, with_current_schema
from ecourse.cli.backup import backup_command, restore_command
from ecourse.cli.lessons import import_and_report, lessons_group, warn_about_readiness

# Backends that deliver to real inboxes, where links must work for the learner.
REAL_MAIL_BACKENDS = {"smtp", "postmark"}
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def parse_now(_ctx, _param, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use ISO 8601, like 2026-12-01T07:30+01:00") from None
    if moment.tzinfo is None:
        raise click.BadParameter("give a UTC offset or Z, like 2026-12-01T07:30+01:00")
    return moment.astimezone(UTC)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="ecourse")
def main() -> None:
    """ecourse: an e-course delivered by email, one calm lesson at a time.

    Settings come from ECOURSE_* environment variables (see the README).
    """
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@main.command()
@with_app
def init(app: Flask) -> None:
    """Create or upgrade the database schema and import the lessons. Safe to run again."""
    from ecourse.core.db import upgrade_schema

    click.echo(describe_schema_change(upgrade_schema(), safe_url(app)))
    import_lessons_from(None)
    warn_about_readiness()


def describe_schema_change(change, where: str) -> str:
    """What `init` did to the schema, in words: created, upgraded, or nothing to do."""
    if change.created:
        return f"created the database schema (migration {change.after}) at {where}"
    if change.changed:
        return f"upgraded the database schema from migration {change.before} to {change.after} at {where}"
    return f"the database schema was already up to date (migration {change.after}) at {where}"


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=int, help="Request threads.")
@with_app
def serve(app: Flask, host: str, port: int, threads: int) -> None:
    """Run the web app (waitress) and the scheduler together in this one process.

    Creates the database and imports the lessons on first start.
    """
    from ecourse.worker.scheduler import Scheduler

    # On loopback, links to localhost work: a trial on this computer. Behind a proxy they
    # would not, though the app listens on loopback there too.
    if host not in LOOPBACK or app.config["ECOURSE"]["TRUST_PROXY"]:
        _refuse_real_mail_without_base_url()
    server = _listen(app, host, port, threads)
    _ensure_ready()
    if not _base_url_is_set():  # links in emails should reach this server
        app.config["ECOURSE"]["BASE_URL"] = _own_address(host, port)
    _warn_if_links_are_not_https()
    scheduler = Scheduler(app)
    scheduler.start()
    click.echo(f"ecourse on http://{host}:{port}/  (links in emails use {_setting('BASE_URL')})")
    _describe_mail()
    try:
        server.run()
    finally:
        scheduler.shutdown()


def _listen(app: Flask, host: str, port: int, threads: int):
    """Take the port before anything starts, so a busy one is one clear line, not a
    traceback after a greeting."""
    import waitress

    try:
        return waitress.create_server(
            app, host=host, port=port, threads=threads, ident="ecourse", **_proxy_options(app)
        )
    except OSError as error:
        raise click.ClickException(
            f"cannot listen on {host}:{port} ({error.strerror or error}): another program "
            "may use that port; stop it, or choose another with --port"
        ) from None


def _own_address(host: str, port: int) -> str:
    """Where emailed links point when ECOURSE_BASE_URL is unset: this machine, never a
    `localhost` that means the reader's own computer once the server listens for others."""
    if host in LOOPBACK:
        return f"http://localhost:{port}"  # a trial on this computer
    shown = _machine_name() if host in {"0.0.0.0", "::", ""} else host
    address = f"http://{shown}:{port}"
    _warn(
        f"ECOURSE_BASE_URL is not set, so links in emails use {address} (this machine's "
        "name); set it to the address learners open, like ECOURSE_BASE_URL=https://cursus.example.org"
    )
    return address


def _proxy_options(app: Flask) -> dict:
    """Behind a reverse proxy (`ECOURSE_TRUST_PROXY`), waitress must leave the proxy's
    X-Forwarded-* headers to the app, which trusts exactly one hop (`web.security`). Without
    it, waitress drops them, so no client can claim another address or scheme."""
    return {"clear_untrusted_proxy_headers": not app.config["ECOURSE"]["TRUST_PROXY"]}


@main.command()
@click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    help="Also serve /metrics (with ECOURSE_METRICS_TOKEN) and /healthz on this port.",
)
@click.option(
    "--metrics-host", default="127.0.0.1", show_default=True, help="Address for --metrics-port."
)
@with_app
def worker(app: Flask, metrics_port: int | None, metrics_host: str) -> None:
    """Run only the scheduler, for deployments whose web processes run elsewhere."""
    from ecourse.cli.metricsport import open_port
    from ecourse.worker.scheduler import Scheduler

    _refuse_real_mail_without_base_url()
    if metrics_port:
        open_port(app, metrics_host, metrics_port)
    _ensure_ready()
    _warn_about_base_url()
    _describe_mail()
    click.echo(f"worker: a pass every {_setting('TICK_SECONDS')} s; Ctrl+C stops")
    try:
        Scheduler(app, blocking=True).start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("worker stopped")


@main.command()
@click.option(
    "--now",
    callback=parse_now,
    metavar="ISO-8601",
    help="Pretend it is this moment (with offset), to try a course without waiting.",
)
@with_app
@with_current_schema
def tick(app: Flask, now: datetime | None) -> None:
    """Run one pass (plan what is due, send what is queued), print what it did, exit."""
    from ecourse.core.clock import utcnow
    from ecourse.worker.passes import run_pass

    _refuse_real_mail_without_base_url()
    _warn_about_base_url()
    report = run_pass(now or utcnow(), heartbeat=now is None)
    for line in report.lines():
        click.echo(line)


@main.command()
@with_app
@with_current_schema
def resume(app: Flask) -> None:
    """Resume sending after it paused for too many errors in a row."""
    from ecourse.core.clock import utcnow
    from ecourse.engine import health

    paused = health.paused_until(utcnow())
    health.resume()
    click.echo(
        f"sending resumed (it was paused: {paused[1]})" if paused else "sending was not paused"
    )


@main.command("timeline")
@click.argument("email")
@with_app
@with_current_schema
def timeline_command(app: Flask, email: str) -> None:
    """Show every lesson for one subscriber: sent, scheduled, or skipped and why."""
    from ecourse.cli.reports import print_timeline

    if not print_timeline(email, click.echo):
        raise click.ClickException(f"no subscriber with address {email}")


def _ensure_ready() -> None:
    """Create the schema on first start, and import the lessons if there are none yet."""
    from ecourse.core.db import db, upgrade_schema
    from ecourse.core.models import Course

    upgrade_schema()
    if db.session.scalar(select(Course.id).limit(1)) is None:
        import_lessons_from(None)


def _base_url_is_set() -> bool:
    return "ECOURSE_BASE_URL" in os.environ


def _machine_name() -> str:
    """The machine's full name where DNS knows one, else its host name (a container's
    resolver often answers `localhost` for the full name)."""
    full = socket.getfqdn()
    return full if full and not full.startswith("localhost") else socket.gethostname()


def _refuse_real_mail_without_base_url() -> None:
    """Real mail with links nobody can open helps no one: without ECOURSE_BASE_URL, links
    would point at a guess (`localhost`, or this machine's name behind a proxy)."""
    backend = _setting("MAIL_BACKEND")
    if backend in REAL_MAIL_BACKENDS and not _base_url_is_set():
        raise click.ClickException(
            f"mail goes out through {backend}, but ECOURSE_BASE_URL is not set, so emailed "
            "links would not reach learners; set it to the site's address, like "
            "ECOURSE_BASE_URL=https://cursus.example.org"
        )


def _warn_about_base_url() -> None:
    """Warn `tick` and `worker` users about the links they are about to email.

    Unlike `serve`, these commands have no address of their own to put into links, so an
    unset ECOURSE_BASE_URL silently means the default, which no learner can reach.
    """
    if not _base_url_is_set():
        _warn(
            f"ECOURSE_BASE_URL is not set, so links in emails use {_setting('BASE_URL')}; "
            "set it to the address learners open, like "
            "ECOURSE_BASE_URL=https://cursus.example.org"
        )
    _warn_if_links_are_not_https()


def _warn_if_links_are_not_https() -> None:
    """Real mail should carry https links: RFC 8058 wants an https List-Unsubscribe URL."""
    backend, base_url = _setting("MAIL_BACKEND"), _setting("BASE_URL")
    if backend in REAL_MAIL_BACKENDS and not base_url.startswith("https://"):
        _warn(
            f"mail goes out through {backend}, but links in emails use {base_url}; "
            "List-Unsubscribe should be an https URL (RFC 8058): "
            "set ECOURSE_BASE_URL to the site's https address"
        )


def _warn(text: str) -> None:
    click.echo(f"warning: {text}", err=True)


def _describe_mail() -> None:
    backend = _setting("MAIL_BACKEND")
    if backend == "outbox":
        click.echo(f"mail: written as .eml files to {Path(_setting('DATA_DIR')) / 'outbox'}")
    elif backend == "smtp":
        click.echo(f"mail: SMTP via {_setting('SMTP_HOST')}:{_setting('SMTP_PORT')}")


def _setting(name: str):
    return current_app.config["ECOURSE"][name]


def import_lessons_from(path: Path | None) -> None:
    import_and_report(path)


main.add_command(admin_group)
main.add_command(lessons_group)
main.add_command(backup_command)
main.add_command(restore_command)
