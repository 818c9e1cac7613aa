"""Sending fast: the SMTP connection pool, connection reuse, and one rate for all workers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from ecourse.mail.base import create
from ecourse.passes import run_pass
from ecourse.ratelimit import SendRate
from tests.factories import sign_up
from tests.test_wire import sample

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
REDIS_URL = "redis://127.0.0.1:6379"


def test_pool_sends_over_parallel_connections(make_app, smtp_server):
    smtp_server.slow_seconds = 0.3
    make_app(**smtp_server.settings, SMTP_CONCURRENCY=4)
    for number in range(8):
        sign_up(f"slow{number}@example.org", NOW)
    report = run_pass(NOW)
    assert report.send.sent == 8
    assert smtp_server.most_in_flight == 4  # four handoffs at once, no more
    assert smtp_server.connections == 4


def test_connection_is_reopened_after_the_configured_number_of_messages(smtp_server):
    settings = smtp_server.settings | {
        "SMTP_MESSAGES_PER_CONNECTION": 3,
        "SMTP_USERNAME": "",
        "SMTP_PASSWORD": "",
    }
    messenger = create("smtp", settings | {"SMTP_CONCURRENCY": 1})
    outcomes = [messenger.send([sample(to=f"n{n}@example.org")])[0] for n in range(7)]
    messenger.close()
    assert all(outcome.ok for outcome in outcomes)
    assert smtp_server.connections == 3  # 3 + 3 + 1


def test_one_slow_recipient_does_not_hold_up_the_others(make_app, smtp_server):
    smtp_server.slow_seconds = 2.0
    make_app(**smtp_server.settings, SMTP_CONCURRENCY=2)
    sign_up("slow@example.org", NOW)
    for number in range(6):
        sign_up(f"quick{number}@example.org", NOW)
    run_pass(NOW)
    order = [item.rcpt_tos[0] for item in smtp_server.received]
    assert order[-1] == "slow@example.org"  # signed up first, delivered last
    assert len(order) == 7


def test_send_rate_allows_exactly_the_rate_per_second():
    rate = SendRate(5)
    assert [rate.try_acquire() for _ in range(6)] == [True] * 5 + [False]
    assert SendRate(0).try_acquire()  # no limit


def test_sender_keeps_to_the_rate(make_app, smtp_server):
    make_app(**smtp_server.settings, SEND_RATE=10, SMTP_CONCURRENCY=4)
    for number in range(25):
        sign_up(f"rate{number}@example.org", NOW)
    started = time.monotonic()
    assert run_pass(NOW).send.sent == 25
    # 10 a second: the 25th may leave no earlier than 2 s after the first.
    assert time.monotonic() - started >= 2.0


HIT_SCRIPT = """
import sys, time
from ecourse.ratelimit import SendRate
rate = SendRate(20, sys.argv[1])
deadline = time.monotonic() + 0.5
granted = 0
while time.monotonic() < deadline:
    granted += rate.try_acquire()
print(granted)
"""


def test_rate_holds_across_worker_processes_with_redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # Redis runs beside PostgreSQL on the development and CI machines
    for key in client.scan_iter("LIMITS:*ecourse*"):
        client.delete(key)
    env = os.environ | {"PYTHONPATH": os.getcwd()}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", HIT_SCRIPT, REDIS_URL],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(3)
    ]
    granted = [int(worker.communicate(timeout=30)[0]) for worker in workers]
    assert sum(granted) == 20, granted  # one window, three workers: 20 in total, not 60


@pytest.mark.parametrize("backend", ["memory", "outbox", "smtp"])
def test_every_backend_declares_how_it_wants_to_be_fed(backend, tmp_path, smtp_server):
    messenger = create(
        backend, {"DATA_DIR": str(tmp_path)} | smtp_server.settings | {"SMTP_USERNAME": ""}
    )
    assert messenger.concurrency >= 1 and messenger.batch_size >= 1


def test_many_parallel_connections_each_get_a_database_connection(make_app, smtp_server):
    smtp_server.slow_seconds = 0.2
    make_app(**smtp_server.settings, SMTP_CONCURRENCY=20)
    for number in range(40):
        sign_up(f"slow{number}@example.org", NOW)
    assert run_pass(NOW).send.sent == 40  # 20 send threads each hold a connection during the pass
    assert smtp_server.most_in_flight == 20
