"""Once a stop has answered the learner, nothing more leaves for that course.

Rounds of one-click unsubscribes (RFC 8058 POSTs to `ecourse serve`) race a pass in its
own process (`ecourse tick`) that hands lessons to a slow relay. For every learner whose
POST came back, no lesson may reach the relay after that moment. On PostgreSQL the last
check waits for the stop's row lock; on SQLite the stop waits for the handoffs already
checked (`ecourse.engine.handoffs`). Both are held to the same outcome.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests

from ecourse.core import links
from ecourse.core.db import db
from ecourse.core.models import Enrollment
from ecourse.engine import claims
from ecourse.engine.gate import Gate, Item
from ecourse.engine.handoffs import HandoffLock
from ecourse.engine.planner import plan_due
from ecourse.journey import journal, lifecycle
from ecourse.learners import current
from ecourse.worker.passes import run_pass
from tests.factories import confirm, process_environment, sign_up, the_course

# Under `scripts/clock-sweep` one round is enough to ask whether the hour matters; both full
# suites run all four.
ROUNDS = 1 if "CLOCK_SWEEP_INSTANT" in os.environ else 4
LEARNERS = 30
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _confirmed_with_lesson_one_due(number: int, moment: datetime) -> list:
    """A round's learners: signed up, their confirmations sent, then confirmed, so lesson 1
    of each waits for the racing pass."""
    learners = [sign_up(f"race{number}-{n}@example.org", moment) for n in range(LEARNERS)]
    run_pass(moment)
    for learner in learners:
        confirm(learner, moment)
    return learners


def _one_click(server: str, subscriber) -> str:
    url = links.one_click_unsubscribe_url(subscriber, the_course())
    return server + urlsplit(url).path


class Race:
    """One round: a pass hands lessons over while half of the learners leave."""

    def __init__(self, server: str, env: dict, moment: datetime, learners: list):
        self.server, self.env, self.moment, self.learners = server, env, moment, learners
        self.returned: dict[str, float] = {}
        self.tick_started = self.tick_ended = 0.0

    def run(self, rng: random.Random, relay) -> None:
        leaving = rng.sample(self.learners, len(self.learners) // 2)
        threads = [
            threading.Thread(
                target=self._leave,
                args=(learner.email, _one_click(self.server, learner), rng.uniform(0, 0.7)),
            )
            for learner in leaving
        ]
        command = [sys.executable, "-m", "ecourse", "tick", "--now", self.moment.isoformat()]
        before = len(relay.received)
        tick = subprocess.Popen(command, env=self.env, stdout=subprocess.DEVNULL)
        relay.wait_for(before + 1, timeout=60)  # the pass is handing lessons over now
        self.tick_started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert tick.wait(120) == 0
        self.tick_ended = time.monotonic()

    def _leave(self, address: str, url: str, delay: float) -> None:
        time.sleep(delay)
        answer = requests.post(url, data={"List-Unsubscribe": "One-Click"}, timeout=60)
        assert answer.status_code == 200, answer.text
        self.returned[address] = time.monotonic()

    def during_the_pass(self) -> int:
        return sum(self.tick_started < at < self.tick_ended for at in self.returned.values())


@pytest.mark.slow
@pytest.mark.clock
def test_no_lesson_reaches_the_relay_after_a_one_click_stop_has_returned(
    server, settings, smtp_server
):
    smtp_server.every_message_seconds = 0.1  # a slow relay: 30 lessons take most of a second
    env = process_environment(settings | smtp_server.settings, SMTP_CONCURRENCY=4, BATCH_SIZE=10)
    rng, returned, raced = random.Random(8058), {}, 0
    for number in range(ROUNDS):
        moment = START + timedelta(days=10 * number)  # earlier rounds are past their course
        learners = _confirmed_with_lesson_one_due(number, moment)
        race = Race(server, env, moment, learners)
        race.run(rng, smtp_server)
        returned |= race.returned
        raced += race.during_the_pass()
    late = [
        (item.rcpt_tos[0], round(item.arrived - returned[item.rcpt_tos[0]], 3))
        for item in smtp_server.received
        if item.rcpt_tos[0] in returned and item.arrived > returned[item.rcpt_tos[0]]
    ]
    assert late == [], "lessons reached the relay after the learner's stop had returned"
    assert len(returned) == ROUNDS * LEARNERS // 2
    # The race was real: many stops answered while the pass was handing lessons over, and
    # many lessons of those who stayed arrived.
    assert raced >= ROUNDS * LEARNERS // 4
    stayed = {item.rcpt_tos[0] for item in smtp_server.received} - set(returned)
    assert len(stayed) == ROUNDS * LEARNERS // 2


def test_a_settling_stop_waits_for_the_handoffs_before_it_and_holds_back_new_ones(tmp_path):
    lock = HandoffLock(tmp_path)
    events: list[str] = []
    handing_over = threading.Event()

    def handoff(name: str, seconds: float) -> None:
        with lock.handing_over():
            events.append(f"{name} checks")
            handing_over.set()
            time.sleep(seconds)
            events.append(f"{name} answered")

    first = threading.Thread(target=handoff, args=("first", 0.3))
    first.start()
    assert handing_over.wait(5)

    def stop() -> None:
        with lock.settling():
            events.append("stop settles")

    settling = threading.Thread(target=stop)
    settling.start()
    time.sleep(0.1)  # the stop is waiting for the first handoff now
    second = threading.Thread(target=handoff, args=("second", 0))
    second.start()
    for thread in (first, settling, second):
        thread.join(5)
    assert events == [
        "first checks",
        "first answered",
        "stop settles",
        "second checks",
        "second answered",
    ]


def test_a_check_during_a_stop_in_progress_never_hands_over_after_the_stop_returned(app):
    """The race made exact: the last check starts while a stop is still being written.

    PostgreSQL: the check waits for the stop and sees it, so nothing is handed over.
    SQLite: the check reads what was committed and may hand over, but the stop answers
    only once that handoff is done. Either way nothing leaves after the stop returned.
    """
    moment = START
    learner = _confirmed_with_lesson_one_due(0, moment)[0]
    plan_due(moment, current.settings())
    token, (lesson,) = [
        (token, [row for row in rows if row.subscriber_id == learner.id])
        for token, rows in [claims.claim(moment, 100, timedelta(minutes=5), current.settings())]
    ][0]
    item = Item(lesson.id, learner.id, "lesson", token, None, lesson.enrollment_id)
    stop_written, times = threading.Event(), {}

    def stop() -> None:
        with app.app_context():
            enrollment = db.session.get(Enrollment, lesson.enrollment_id)
            lifecycle.stop(enrollment, journal.LEARNER, moment)  # locked, not yet committed
            stop_written.set()
            time.sleep(0.3)  # the check below starts now
            db.session.commit()
            current.engine().settle()
            times["stop returned"] = time.monotonic()
            db.session.remove()

    def check_and_hand_over() -> None:
        with app.app_context():
            gate = Gate(db.engine, current.engine().handoffs)
            with gate.hold([item]) as wanted:
                times["wanted"] = bool(wanted)
                if wanted:
                    time.sleep(0.3)  # a slow relay
                times["handed over"] = time.monotonic()
            gate.close()

    stopping = threading.Thread(target=stop)
    stopping.start()
    assert stop_written.wait(10)
    checking = threading.Thread(target=check_and_hand_over)
    checking.start()
    for thread in (stopping, checking):
        thread.join(20)
    assert not (times["wanted"] and times["handed over"] > times["stop returned"])
    if db.engine.dialect.name == "postgresql":
        assert times["wanted"] is False  # the check waited for the stop and saw it


def test_handoff_threads_keep_their_lock_files_open_and_close_them_when_they_end(tmp_path):
    """One thread's handoffs reuse its two descriptors; a stop still waits for each of them,
    and threads that end leave no descriptor behind."""
    lock = HandoffLock(tmp_path)
    settled_during: list[bool] = []

    def many_handoffs() -> None:
        for _ in range(50):
            with lock.handing_over():
                pass
        with lock.handing_over():
            stopper = threading.Thread(target=lock.settle)
            stopper.start()
            stopper.join(0.3)
            settled_during.append(not stopper.is_alive())  # the stop waits for this handoff
        stopper.join(5)
        settled_during.append(not stopper.is_alive())  # and goes once it is answered

    threads = [threading.Thread(target=many_handoffs) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert settled_during.count(False) == 8 and settled_during.count(True) == 8
    assert lock_files_open(tmp_path) == 0  # each thread's ending closed its two


def lock_files_open(folder) -> int:
    """How many of this process's descriptors are open on a file in `folder`."""
    count = 0
    for descriptor in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{descriptor}").startswith(str(folder))
        except OSError:
            pass  # closed meanwhile (the listing's own descriptor)
    return count


def test_a_forked_child_never_releases_its_parents_handoff(tmp_path):
    """A server that forks workers after a handoff: the child opens its own lock files, so
    its handoffs ending cannot end the parent's, and a stop still waits for the parent."""
    lock = HandoffLock(tmp_path)
    with lock.handing_over():
        child = os.fork()
        if child == 0:  # the child: a handoff of its own, then gone
            try:
                with lock.handing_over():
                    pass
            finally:
                os._exit(0)
        os.waitpid(child, 0)
        stopper = threading.Thread(target=lock.settle)
        stopper.start()
        stopper.join(0.3)
        assert stopper.is_alive()  # still waiting for this process's handoff
    stopper.join(5)
    assert not stopper.is_alive()
