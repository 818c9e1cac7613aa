"""The numbers Prometheus scrapes, read from the database at each scrape.

Every process (web or worker) answers with the same numbers, because they come from the
shared database rather than from counters in one process's memory. Each is one aggregate
query; nothing personal is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector, CollectorRegistry
from sqlalchemy import func, select

from ecourse.core.db import db
from ecourse.core.models import Consent, Delivery, EngineState, Event
from ecourse.core.statuses import IN_FLIGHT, DeliveryStatus

# The journal's action for an address that refused mail for good (SMTP 5xx or the
# provider's hard bounce): journal rows are never deleted, so their count only grows.
BOUNCE_ACTION = "bounce"


class DatabaseCollector(Collector):
    """Reads every metric from the database when Prometheus asks, as of `now`."""

    def __init__(self, now: datetime):
        self.now = now

    def collect(self) -> Iterator[Metric]:
        yield from _deliveries()
        yield from _sign_ups()
        yield from _engine_state(self.now)


def render(now: datetime, accept: str | None) -> tuple[bytes, str]:
    """The metrics in the format the scraper asked for (text, or OpenMetrics), and its type."""
    registry = CollectorRegistry(auto_describe=False)  # never the global one
    registry.register(DatabaseCollector(now))
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type


def _deliveries() -> Iterator[Metric]:
    # By status alone, the claim index (status first) answers without reading the table; the
    # kind only where it helps and the rows are few: the mail in flight. (An index on status
    # and kind would make every send's status change pay for the scrape.)
    by_status = dict(
        db.session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
    )
    yield _gauge("ecourse_deliveries", "Deliveries (one row per email) by status.", by_status)
    in_flight = db.session.execute(
        select(Delivery.status, Delivery.kind, func.count())
        .where(Delivery.status.in_(IN_FLIGHT))
        .group_by(Delivery.status, Delivery.kind)
    ).all()
    waiting = GaugeMetricFamily(
        "ecourse_deliveries_in_flight",
        "Deliveries queued or being sent, by status and kind (confirmation, lesson, ...).",
        labels=["status", "kind"],
    )
    for status, kind, count in in_flight:
        waiting.add_metric([str(status), str(kind)], count)
    yield waiting
    # Sent and failed are final: such a row never changes status again, so these only grow.
    sent, failed = (
        by_status.get(status, 0) for status in (DeliveryStatus.SENT, DeliveryStatus.FAILED)
    )
    yield _counter("ecourse_emails_sent", "Emails the relay accepted.", sent)
    yield _counter(
        "ecourse_emails_failed",
        "Emails given up: refused for good, or failing for too long.",
        failed,
    )
    bounces = db.session.scalar(
        select(func.count()).select_from(Event).where(Event.action == BOUNCE_ACTION)
    )
    yield _counter(
        "ecourse_addresses_bounced", "Addresses that refused mail for good (bounced).", bounces
    )


def _sign_ups() -> Iterator[Metric]:
    sign_ups, confirmed = db.session.execute(
        select(func.count(), func.count(Consent.confirmed_at)).select_from(Consent)
    ).one()
    yield _counter("ecourse_signups", "Sign-ups for a course (each its own consent).", sign_ups)
    yield _counter("ecourse_confirmations", "Sign-ups confirmed by their link.", confirmed)


def _engine_state(now: datetime) -> Iterator[Metric]:
    state = db.session.get(EngineState, 1) or EngineState(pause_reason="")
    paused = state.paused_until is not None and state.paused_until > now
    yield GaugeMetricFamily(
        "ecourse_sending_paused",
        "1 while sending is paused after too many errors in a row, else 0.",
        value=int(paused),
    )
    yield GaugeMetricFamily(
        "ecourse_sending_paused_until_timestamp_seconds",
        "When the current pause ends (Unix time); 0 when sending is not paused.",
        value=state.paused_until.timestamp() if paused else 0,
    )
    yield GaugeMetricFamily(
        "ecourse_last_pass_duration_seconds",
        "How long the last scheduler pass took.",
        value=state.last_pass_seconds or 0,
    )
    finished = state.last_pass_finished_at
    yield GaugeMetricFamily(
        "ecourse_last_pass_timestamp_seconds",
        "When the last scheduler pass ended (Unix time); 0 before the first.",
        value=finished.timestamp() if finished else 0,
    )


def _gauge(name: str, documentation: str, by_status: dict) -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(name, documentation, labels=["status"])
    for status in DeliveryStatus:
        gauge.add_metric([status.value], by_status.get(status, 0))
    return gauge


def _counter(name: str, documentation: str, value: int) -> CounterMetricFamily:
    return CounterMetricFamily(name, documentation, value=value)
