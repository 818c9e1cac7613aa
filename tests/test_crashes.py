"""Never twice, never lost: workers killed mid-pass, and several workers sharing a queue."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ecourse.core.clock import utcnow
from ecourse.core.db import db
from ecourse.core.models import Delivery
from tests.factories import process_environment, sign_up

pytestmark = pytest.mark.slow
# Under `scripts/clock-sweep` the volume test runs at a tenth of its size, in batches of a
# tenth too, so three workers still share many batches: the sweep asks whether the hour
# matters, eight times over; both full suites ask whether the volume holds.
SWEEP = "CLOCK_SWEEP_INSTANT" in os.environ


def environment(settings: dict, smtp_server, **extra) -> dict:
    return process_environment(settings | smtp_server.settings, **extra)


def unfinished() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).where(Delivery.status.in_(["queued", "sending"])))


def arrivals(smtp_server) -> dict[str, list[str]]:
    by_recipient = defaultdict(list)
    with smtp_server.lock:
        for item in smtp_server.received:
            by_recipient[item.rcpt_tos[0]].append(item.message["Message-ID"])
    return by_recipient


def test_worker_killed_again_and_again_loses_nothing(settings, smtp_server, app):
    count = 400
    signed_up = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    for number in range(count):
        sign_up(f"crash{number}@example.org", signed_up)
    smtp_server.every_message_seconds = 0.01  # about 400 a second over 4 connections
    # A row taken over again and again starts to back off (a possible poison message); keep
    # that wait short here, so the test shows such a row still arrives.
    env = environment(
        settings, smtp_server, LEASE_SECONDS=1, BATCH_SIZE=20, RETRY_FIRST_MINUTES=0.01
    )
    # Each pass runs at its own moment, ten seconds after the one before: long past a dead
    # worker's one-second leases, and the same at whatever hour the test runs.
    moments = (signed_up + timedelta(seconds=10 * step) for step in range(1, 1000))
    random.seed(7)
    kills = 0
    for _ in range(6):
        before = len(smtp_server.received)
        worker = subprocess.Popen(
            [sys.executable, "-m", "ecourse", "tick", "--now", next(moments).isoformat()],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Kill it in the middle of sending: after it has handed over a few dozen messages.
        target = before + random.randint(10, 40)
        while len(smtp_server.received) < target and worker.poll() is None:
            time.sleep(0.002)
        if worker.poll() is None:
            os.kill(worker.pid, signal.SIGKILL)
            kills += 1
        worker.wait()
    while unfinished():
        subprocess.run(
            [sys.executable, "-m", "ecourse", "tick", "--now", next(moments).isoformat()],
            env=env,
            check=True,
            capture_output=True,
        )
    received = arrivals(smtp_server)
    assert kills >= 3, "the test must actually kill workers mid-pass"
    assert len(received) == count  # nothing lost
    duplicates = {to: ids for to, ids in received.items() if len(ids) > 1}
    print(f"{kills} kills, {len(duplicates)} resent with the same Message-ID")
    assert all(len(set(ids)) == 1 for ids in duplicates.values())  # a resend keeps its Message-ID
    # Only what the relay accepted in the last moments before each kill (commits come every
    # 50 ms; about 400 messages a second here) may go out again.
    assert len(duplicates) <= kills * 40
    statuses = db.session.scalars(select(Delivery.status).distinct()).all()
    assert statuses == ["sent"]


@pytest.mark.clock
def test_several_workers_share_thousands_of_messages_without_a_duplicate(
    settings, smtp_server, app
):
    count, batch = (200, 5) if SWEEP else (2000, 50)
    now = utcnow()
    for number in range(count):
        sign_up(f"many{number}@example.org", now)
    env = environment(settings, smtp_server, TICK_SECONDS=1, BATCH_SIZE=batch)
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "ecourse", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    try:
        smtp_server.wait_for(count, timeout=120)
        deadline = time.monotonic() + 30
        while unfinished() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.5)  # a straggling duplicate would arrive now
    finally:
        for worker in workers:
            worker.terminate()
        errors = [worker.communicate(timeout=20)[1] for worker in workers]
    received = arrivals(smtp_server)
    assert len(received) == count, errors
    assert all(len(ids) == 1 for ids in received.values()), "a message was sent twice"
    assert unfinished() == 0
    tokens = db.session.scalars(select(Delivery.claim_token)).all()
    processes = {token.split("-")[0] for token in tokens}
    assert len(processes) >= 2, "the workers did not share the queue"
