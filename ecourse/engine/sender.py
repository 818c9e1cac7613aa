"""Sending: claim queued deliveries, apply the send policy, render, hand over, record.

The main thread owns the database session; handoffs run on a pool of
`messenger.concurrency` threads, so one slow recipient holds one connection, not the batch.
Outcomes are recorded as they arrive and committed at least every 50 milliseconds,
which keeps the window in which a crash could cause a resend small (docs/delivery.md).
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from queue import Empty, SimpleQueue

from sqlalchemy import select

from ecourse.core.db import db
from ecourse.core.models import Course, Delivery, Enrollment
from ecourse.core.statuses import DeliveryStatus
from ecourse.engine import claims, emails, health, recorder
from ecourse.engine.context import Engine
from ecourse.engine.gate import Gate, Item
from ecourse.engine.ratelimit import SendRate
from ecourse.engine.recorder import SendReport
from ecourse.engine.settings import EngineSettings
from ecourse.mail.base import Messenger, Outcome

log = logging.getLogger(__name__)

COMMIT_EVERY_SECONDS = 0.05  # the most accepted-but-unrecorded sending a crash can repeat
NOT_WANTED = "not wanted"  # the gate held it back: taken over, or the subscriber left
NOT_TRIED = "not tried"  # sending paused before its turn: back to the queue


@dataclass
class Pass:
    """What one sending pass carries from batch to batch."""

    now: datetime
    started: float
    settings: EngineSettings
    messenger: Messenger
    pool: ThreadPoolExecutor
    renderer: emails.Renderer
    gate: Gate
    rate: SendRate
    streak: health.Streak
    report: SendReport

    @property
    def elapsed(self) -> timedelta:
        return timedelta(seconds=time.monotonic() - self.started)


def send_queued(now: datetime, engine: Engine) -> SendReport:
    """Send every claimable delivery, unless sending is paused."""
    settings, messenger = engine.settings, engine.messenger
    report = SendReport()
    paused = health.paused_until(now)
    if paused:
        report.paused_until, report.pause_reason = paused
        return report
    with ThreadPoolExecutor(messenger.concurrency, thread_name_prefix="ecourse-send") as pool:
        run = Pass(
            now,
            time.monotonic(),
            settings,
            messenger,
            pool,
            emails.Renderer(settings),
            Gate(db.engine, engine.handoffs),
            engine.rate,  # one window for every pass of this process
            health.Streak(settings.pause_after_errors),
            report,
        )
        try:
            _pipeline(run)
        finally:
            messenger.close()
            run.gate.close()
    if run.streak.tripped:
        reason = f"{run.streak.count} failures in a row; last: {run.streak.last_error}"
        report.paused_until = health.pause(now, settings.pause_for, reason)
        report.pause_reason = reason
    return report


def _pipeline(run: Pass) -> None:
    """Keep the connections busy: claim and prepare the next batch while one is in flight,
    and record outcomes in groups as they come back."""
    batch_size = run.settings.batch_size
    in_flight = _InFlight()
    finished: list[tuple[list, list]] = []
    exhausted, last_commit = False, time.monotonic()
    while True:
        if (
            not exhausted
            and not run.streak.tripped
            and len(in_flight) * run.messenger.batch_size < batch_size
        ):
            # The lease counts from the moment of the claim, however long the pass has run.
            lease = run.settings.lease + run.elapsed
            token, batch = claims.claim(run.now, batch_size, lease, run.settings)
            exhausted = not batch
            in_flight.add(_submit(token, batch, run))
        if not in_flight:
            break
        finished += in_flight.collect(timeout=COMMIT_EVERY_SECONDS)
        if finished and (not in_flight or time.monotonic() - last_commit > COMMIT_EVERY_SECONDS):
            _record(finished, run)
            db.session.commit()
            finished, last_commit = [], time.monotonic()
    if finished:
        _record(finished, run)
        db.session.commit()


class _InFlight:
    """The chunks handed to the pool and not back yet. Each one queues itself as it comes
    back: `concurrent.futures.wait` hooked onto every pending future, a batch's worth, each
    time the main thread waited, which cost it more than planning the next lessons."""

    def __init__(self) -> None:
        self.chunks: dict[Future, list] = {}
        self.back: SimpleQueue[Future] = SimpleQueue()

    def __len__(self) -> int:
        return len(self.chunks)

    def add(self, chunks: dict[Future, list]) -> None:
        self.chunks |= chunks
        for future in chunks:
            future.add_done_callback(self.back.put)

    def collect(self, timeout: float) -> list[tuple[list, list]]:
        """Wait up to `timeout` for a chunk to come back; every chunk back by then, with
        its results."""
        try:
            futures = [self.back.get(timeout=timeout)]
        except Empty:
            return []
        while not self.back.empty():
            futures.append(self.back.get())
        return [(self.chunks.pop(future), future.result()) for future in futures]


def _submit(token: str, batch: list[Delivery], run: Pass) -> dict[Future, list]:
    """Prepare a claimed batch and hand its chunks to the pool."""
    enrollment_ids = {delivery.enrollment_id for delivery in batch if delivery.enrollment_id}
    # One query for the batch; held here so the session's (weak) identity map keeps them.
    enrollments = db.session.scalars(
        select(Enrollment).where(Enrollment.id.in_(enrollment_ids))
    ).all()
    prepared = [item for delivery in batch if (item := _prepare(token, delivery, run)) is not None]
    del enrollments
    if len(prepared) < len(batch):
        db.session.commit()  # withheld rows are final; release SQLite's write lock before the network
    size = run.messenger.batch_size
    chunks = [prepared[start : start + size] for start in range(0, len(prepared), size)]
    return {run.pool.submit(_handoff, chunk, run): chunk for chunk in chunks}


def _prepare(token: str, delivery: Delivery, run: Pass) -> tuple[Delivery, Item] | None:
    enrollment = (
        db.session.get(Enrollment, delivery.enrollment_id) if delivery.enrollment_id else None
    )
    reason = emails.skip_reason(delivery, enrollment)
    if reason:
        recorder.withhold(delivery, reason, run.now, run.report, run.settings)
        return None
    try:
        message = emails.build(
            delivery.kind,
            delivery.subscriber,
            _course_of(delivery),
            delivery.lesson,
            delivery.message_id,
            run.now,
            run.renderer,
            to=delivery.recipient,
            sign_up=delivery.consent,
        )
    except Exception as error:  # a broken template must not stall the other recipients
        log.exception("cannot render delivery %s", delivery.key)
        recorder.record(
            delivery,
            Outcome(ok=False, detail=f"render failed: {error}"),
            run.now,
            run.report,
            run.settings,
        )
        return None
    item = Item(
        delivery.id, delivery.subscriber_id, delivery.kind, token, message, delivery.enrollment_id
    )
    return delivery, item


def _handoff(chunk: list[tuple[Delivery, Item]], run: Pass) -> list[Outcome | str]:
    """In a pool thread: respect the rate, check, send, count failures in a row.

    Nothing raised here may end the pass: a failure before the handoff (the database or the
    rate store unreachable) becomes a temporary failure of these messages, which were not
    sent; once sent, their real outcomes are kept whatever happens after.
    """
    items = [item for _, item in chunk]
    if run.streak.tripped:
        return [NOT_TRIED] * len(items)
    positions, outcomes = [], None
    try:
        for _ in items:
            run.rate.wait()  # before the check, so the check is fresh at the handoff
        with run.gate.hold(items) as wanted:
            positions = [position for position in range(len(items)) if position in wanted]
            outcomes = _send_safely(
                run.messenger, [items[position].message for position in positions]
            )
    except Exception as error:
        log.exception("handoff failed")
        if outcomes is None:
            positions = list(range(len(items)))
            outcomes = [Outcome(ok=False, detail=f"not sent: {error!r}")] * len(items)
    results: list[Outcome | str] = [NOT_WANTED] * len(items)
    for position, outcome in zip(positions, outcomes, strict=True):
        results[position] = outcome
        run.streak.update(outcome)
    return results


def _send_safely(messenger: Messenger, messages: list) -> list[Outcome]:
    """Whatever goes wrong in a backend becomes a temporary failure of these messages only."""
    if not messages:
        return []
    try:
        return messenger.send(messages)
    except Exception as error:
        log.exception("%s backend failed", messenger.name)
        return [Outcome(ok=False, detail=f"{messenger.name} backend error: {error!r}")] * len(
            messages
        )


def _record(finished: list[tuple[list, list]], run: Pass) -> None:
    """Record the outcomes of finished handoffs, the sent ones in one go."""
    attempted = []
    for chunk, results in finished:
        for (delivery, item), outcome in zip(chunk, results, strict=True):
            if outcome == NOT_TRIED:
                recorder.release(delivery)
            elif outcome == NOT_WANTED:
                _not_sent_after_all(delivery, item.claim_token, run)
            else:
                attempted.append((delivery, item, outcome))
    recorder.record_many(attempted, run.now, run.report, run.settings)


def _not_sent_after_all(delivery: Delivery, token: str, run: Pass) -> None:
    """The gate held it back: another worker took it over, or the subscriber left."""
    db.session.refresh(delivery)
    if delivery.status != DeliveryStatus.SENDING or delivery.claim_token != token:
        return  # no longer ours: whoever holds it now records it
    db.session.refresh(delivery.subscriber)
    enrollment = None
    if delivery.enrollment_id:
        enrollment = db.session.get(Enrollment, delivery.enrollment_id)
        db.session.refresh(enrollment)
    reason = emails.skip_reason(delivery, enrollment) or "not wanted"
    recorder.withhold(delivery, f"{reason} meanwhile", run.now, run.report, run.settings)


def _course_of(delivery: Delivery) -> Course:
    """The course an email is from; a goodbye (no course of its own) signs as the person's
    last course, whose sender name they know."""
    if delivery.course is not None:
        return delivery.course
    enrollment = db.session.scalar(
        select(Enrollment)
        .where(Enrollment.subscriber_id == delivery.subscriber_id)
        .order_by(Enrollment.id.desc())
    )
    return enrollment.course
