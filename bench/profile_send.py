"""Where a message's CPU time goes: end-to-end sending, split by stage, against raw smtplib.

    python bench/profile_send.py [--messages 3000] [--repeats 3]

For the throughput goal (bench/throughput.py). Each repeat, against one SMTP sink in its own
process: the CPU time per message of the raw-wire baseline (pre-built messages, one
connection, plain smtplib), then `send_queued` end to end on a fresh SQLite database with
the default settings, its stages timed with `time.thread_time` (CPU time of the thread
that runs them, wherever it runs: the main thread claims, prepares and records; the send
threads check and hand over). The wrappers add a little of their own; the process's total
CPU time per message is printed beside them. Medians over the repeats.
"""

from __future__ import annotations

import argparse
import functools
import resource
import threading
import time
from collections import Counter

from common import NOW, SinkProcess, add_enrollments, fresh_app, load, median
from sqlalchemy.orm import Session
from throughput import raw_wire, real_lesson_emails

from ecourse.core import tokens
from ecourse.core.db import db
from ecourse.engine import claims, planner, recorder, sender
from ecourse.learners import current
from ecourse.mail import message, smtp

# (module or class, function, label); a label counts only the outermost call of its kind.
STAGES = [
    (claims, "claim", "claim: due rows to sending, with their commit"),
    (sender, "_prepare", "prepare: render, signed links, Message (main thread)"),
    (tokens, "make", "  of which the signed links (itsdangerous)"),
    (sender, "_handoff", "hand over: last-moment check + SMTP (send threads)"),
    (smtp.SMTPMessenger, "send", "  of which the SMTP client (smtplib)"),
    (message, "to_bytes", "    of which the MIME bytes (wire.to_bytes)"),
    (sender, "_record", "record: outcomes, next lesson planned (main thread)"),
    (planner, "advance", "  of which planning the next lesson (planner.advance)"),
    (recorder, "_mark_sent", "  of which marking sent in bulk (recorder._mark_sent)"),
]
# The main thread's other commits (a claim's own is part of the claim).
COMMITS = (Session, "commit", "commits of the recorded outcomes (main thread)", STAGES[0][2])


class StageClock:
    """CPU time per stage, summed over all threads."""

    def __init__(self) -> None:
        self.totals: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.active = threading.local()

    def wrap(self, owner, name: str, label: str, unless_in: str = ""):
        """Time `owner.name` under `label` (not when called inside `unless_in`); return the
        original, to put back."""
        function = getattr(owner, name)

        @functools.wraps(function)
        def timed(*args, **kwargs):
            running = self.active.__dict__.setdefault("labels", set())
            if label in running or unless_in in running:
                return function(*args, **kwargs)
            running.add(label)
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                running.discard(label)
                with self.lock:
                    self.totals[label] += time.thread_time() - started

        setattr(owner, name, timed)
        return function


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def profiled_send(count: int, sink: SinkProcess) -> tuple[float, float, Counter]:
    """(messages per second, process CPU µs per message, CPU µs per message per stage)."""
    fresh_app(**sink.settings())
    add_enrollments(count, due=count)
    planner.plan_due(NOW, current.settings())
    clock = StageClock()
    originals = [
        (owner, name, clock.wrap(owner, name, *details)) for owner, name, *details in STAGES
    ]
    originals.append((COMMITS[0], COMMITS[1], clock.wrap(*COMMITS)))
    try:
        cpu, started = cpu_seconds(), time.perf_counter()
        report = sender.send_queued(NOW, current.engine())
        elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
        db.session.remove()
        db.engine.dispose()
    assert report.sent == count, report
    stages = Counter({label: seconds / count * 1e6 for label, seconds in clock.totals.items()})
    return count / elapsed, cpu / count * 1e6, stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"start: {load()}", flush=True)
    prebuilt = real_lesson_emails(args.messages)
    raw_cpu, raw_rate, rates, cpus, stages = [], [], [], [], []
    for repeat in range(args.repeats):
        sink = SinkProcess()
        cpu = cpu_seconds()
        raw_rate.append(raw_wire(sink.port, prebuilt))
        raw_cpu.append((cpu_seconds() - cpu) / args.messages * 1e6)
        rate, cpu_per_message, split = profiled_send(args.messages, sink)
        sink.stop()
        rates.append(rate)
        cpus.append(cpu_per_message)
        stages.append(split)
        print(
            f"run {repeat + 1}: raw wire {raw_rate[-1]:.0f}/s at {raw_cpu[-1]:.0f} µs CPU a "
            f"message; ecourse {rate:.0f}/s at {cpu_per_message:.0f} µs; {load()}",
            flush=True,
        )
    print(f"raw wire (baseline): {median(raw_cpu):.0f} µs of CPU a message")
    print(
        f"ecourse end to end (instrumented): {median(cpus):.0f} µs of CPU a message, "
        f"{1e6 / median(rates):.0f} µs of wall time"
    )
    for label in [stage[2] for stage in STAGES] + [COMMITS[2]]:
        print(f"  {median([split[label] for split in stages]):5.0f} µs  {label}")
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
