"""Sending fast: the SMTP connection pool, connection reuse, and one rate for all workers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from ecourse.engine.ratelimit import SendRate
from ecourse.learners import current
from ecourse.mail.base import create
from ecourse.worker.passes import run_pass
from tests.factories import process_environment, sign_up
from tests.redisdb import own_database
from tests.test_wire import sample

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
# Redis databases of their own, so a run of these tests at the same moment (a colleague on this
# machine, the clock sweep's other lane) does not share their windows.
REDIS_URL = own_database(2)
SHARED_REDIS_URL = own_database(3)


class ArrivalTimes(list):
    """Stands in for `SMTPServer.received`, noting when each message arrived."""

    def __init__(self):
        super().__init__()
        self.times: list[float] = []

    def append(self, item) -> None:
        self.times.append(time.monotonic())
        super().append(item)


def clear_rate_counters(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.ping()  # Redis runs beside PostgreSQL on the development and CI machines
    for key in client.scan_iter("LIMITS:*ecourse*"):
        client.delete(key)


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


def test_an_app_keeps_one_limiter_for_every_pass(make_app, smtp_server):
    make_app(**smtp_server.settings, SEND_RATE=5)
    engine = current.engine()
    rate = engine.rate
    assert rate.window is not None and rate.window.per_second == 5
    sign_up("een@example.org", NOW)
    run_pass(NOW)
    run_pass(NOW)
    assert current.engine() is engine and engine.rate is rate  # passes share its window


def test_consecutive_passes_share_one_window(make_app, smtp_server):
    # `ecourse serve` runs passes back to back; a fresh counter per pass would let the second
    # pass send a full second's worth at once, right after the first.
    arrivals = smtp_server.received = ArrivalTimes()
    make_app(**smtp_server.settings, SEND_RATE=5, SMTP_CONCURRENCY=4)
    for number in range(5):
        sign_up(f"first{number}@example.org", NOW)
    started = time.monotonic()  # no grant of the window can come before this
    assert run_pass(NOW).send.sent == 5
    for number in range(5):
        sign_up(f"second{number}@example.org", NOW)
    assert run_pass(NOW).send.sent == 5
    # A message arrives after its grant, so the sixth arrival comes a full second after the
    # first grant at the earliest, however slowly the machine runs.
    assert sorted(arrivals.times)[5] >= started + 1.0


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
from ecourse.engine.ratelimit import SendRate
rate = SendRate(20, sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()  # all three start hitting together, inside one window
deadline = time.monotonic() + 0.5
granted = 0
while time.monotonic() < deadline:
    granted += rate.try_acquire()
print(granted)
"""


def test_rate_holds_across_worker_processes_with_redis():
    clear_rate_counters(REDIS_URL)
    env = os.environ | {"PYTHONPATH": os.getcwd()}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", HIT_SCRIPT, REDIS_URL],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(3)
    ]
    for worker in workers:  # started, imported and connected: slow on a busy machine
        assert worker.stdout.readline().strip() == "ready"
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    granted = [int(worker.communicate(timeout=30)[0]) for worker in workers]
    assert sum(granted) == 20, granted  # one window, three workers: 20 in total, not 60


WORKER_SCRIPT = """
import sys
from datetime import UTC, datetime
from pathlib import Path

from ecourse import create_app
from ecourse.content.catalog import import_path
from ecourse.core.db import upgrade_schema
from ecourse.worker.passes import run_pass
from tests.factories import sign_up

prefix = sys.argv[1]
app = create_app()
with app.app_context():
    upgrade_schema()
    now = datetime.now(UTC)
    import_path(Path(app.config["ECOURSE"]["LESSONS_DIR"]), "Europe/Amsterdam", now)
    batches = [[f"{prefix}{part}-{n}@example.org" for n in range(3)] for part in "ab"]
    print("ready", flush=True)
    sys.stdin.readline()
    sent = 0
    for batch in batches:  # two passes back to back, as `ecourse serve` runs them
        for address in batch:
            sign_up(address, now)
        sent += run_pass(now).send.sent
    print(sent, flush=True)
"""


@pytest.mark.clock
def test_sending_workers_in_two_processes_share_the_rate_through_redis(
    settings, smtp_server, tmp_path
):
    # Each worker has its own SQLite file (one writer each); they share the relay and Redis.
    clear_rate_counters(SHARED_REDIS_URL)
    arrivals = smtp_server.received = ArrivalTimes()
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER_SCRIPT, name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=worker_environment(settings, smtp_server, tmp_path / name)
            | {"PYTHONPATH": os.getcwd()},
        )
        for name in ("one", "two")
    ]
    for worker in workers:
        assert worker.stdout.readline().strip() == "ready"
    go = time.monotonic()  # no grant of the shared window can come before this
    for worker in workers:  # start together, so their sending overlaps
        worker.stdin.write("go\n")
        worker.stdin.flush()
    sent = [int(worker.communicate(timeout=60)[0]) for worker in workers]
    assert sent == [6, 6] and len(arrivals) == 12
    # 5 a second for both together, not each: a message arrives after its grant, so at most
    # 5 arrive within the first second, and the 11th a full two seconds after "go" at the
    # earliest. A window per worker would deliver all 12 within about a second.
    arrived = sorted(arrivals.times)
    assert sum(moment < go + 1.0 for moment in arrived) <= 5
    assert arrived[10] >= go + 2.0


def worker_environment(settings: dict, smtp_server, folder) -> dict:
    folder.mkdir()
    return process_environment(
        settings | smtp_server.settings,
        DATA_DIR=folder,
        DATABASE_URL=f"sqlite:///{folder / 'ecourse.sqlite3'}",
        SEND_RATE=5,
        RATELIMIT_STORAGE_URL=SHARED_REDIS_URL,
        SMTP_CONCURRENCY=4,
    )


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
