"""Scale: a pass's cost grows with what is due, not with the number of subscribers.

    python bench/scale.py [--total 1000000] [--due 100000] [--samples 5] [--repeats 20]

Two SQLite databases with the shipped course, built once: one with a tenth of --total
active enrollments (the baseline), one with --total. Mail goes to an SMTP sink in its own
process. Then:
1. --samples times, alternating between the two databases (so both see the same load on
   this shared machine): the time of a pass with nothing due (median of --repeats passes),
   then of a pass with 1,000 due (1,000 enrollments that have had no lesson made due now).
   The ratio of the 1,000-due pass at --total to the same at a tenth is taken per sample;
   1.0 means the cost does not depend on the number of subscribers, 10 would mean it grows
   with them.
2. --samples times, on a fresh copy of the --total database with --due enrollments made
   due: `ecourse tick` in its own process, its time and its peak memory (the high-water
   mark of its resident memory, VmHWM, reported by the process itself; Linux only).
Every figure is a median over the samples, with the lowest and highest.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from common import (
    NOW,
    ROOT,
    SinkProcess,
    add_enrollments,
    environment,
    fresh_app,
    load,
    median,
    spread,
)
from sqlalchemy import select, update

from ecourse.core.db import db
from ecourse.core.models import Enrollment
from ecourse.worker.passes import run_pass

LATER = NOW + timedelta(days=7)
DUE_IN_SAMPLE = 1000
# The size-independence goal: ten times the enrollments may cost at most this much more.
# (Cost proportional to the subscribers would give 10; an index one level deeper, a little
# over 1.)
RATIO_LIMIT = 1.25

# `ecourse tick`, reporting its own peak memory as it exits: the high-water mark of its
# resident memory, VmHWM, which Linux keeps per address space and starts afresh at exec.
# Not `ru_maxrss`: at exec Linux carries the high-water mark of the address space being
# replaced into it, and Python starts the child with vfork, so a child's `ru_maxrss` is
# at least this (big) benchmark process's own peak. (Until 2026-12 this script reported
# `ru_maxrss`, so its figures were this process's peak, not the worker's.)
PEAK_REPORTING_TICK = """
import atexit, resource, runpy, sys
def report():
    with open("/proc/self/status") as status:
        hwm = [line.split()[1] for line in status if line.startswith("VmHWM:")][0]
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("peak-rss-kb", hwm, "ru-maxrss-kb", maxrss, file=sys.stderr)
atexit.register(report)
sys.argv = ["ecourse", "tick", "--now", sys.argv[1]]
runpy.run_module("ecourse", run_name="__main__")
"""


def build(total: int, sink: SinkProcess):
    """A new database with `total` active enrollments, none due."""
    app = fresh_app(**sink.settings())
    started = time.perf_counter()
    add_enrollments(total, due=0)
    db.session.remove()
    print(f"  ({total} enrollments made in {time.perf_counter() - started:.0f} s)", flush=True)
    return app


def empty_pass(repeats: int) -> float:
    durations = []
    for _ in range(repeats):
        started = time.perf_counter()
        report = run_pass(NOW)
        durations.append(time.perf_counter() - started)
        assert report.plan.queued == 0 and report.send.sent == 0
    return median(durations)


def make_due(count: int) -> None:
    """Make `count` enrollments that have had no lesson yet due now."""
    fresh = db.session.scalars(
        select(Enrollment.id)
        .where(Enrollment.last_sent_at.is_(None), Enrollment.next_due_at > NOW)
        .order_by(Enrollment.id)
        .limit(count)
    ).all()
    for start in range(0, len(fresh), 900):
        chunk = fresh[start : start + 900]
        db.session.execute(
            update(Enrollment).where(Enrollment.id.in_(chunk)).values(next_due_at=NOW)
        )
    db.session.commit()


def due_pass(count: int) -> float:
    make_due(count)
    started = time.perf_counter()
    report = run_pass(NOW)
    elapsed = time.perf_counter() - started
    assert report.send.sent == count, report
    return elapsed


def sample(app, repeats: int) -> tuple[float, float]:
    """One sample on one database: (empty pass, pass with 1,000 due), in seconds."""
    with app.app_context():
        return empty_pass(repeats), due_pass(DUE_IN_SAMPLE)


def database_file(app) -> Path:
    return Path(app.config["ECOURSE"]["DATABASE_URL"].removeprefix("sqlite:///"))


def prepare_big_pass(app, due: int) -> Path:
    """Make `due` enrollments due, and leave the whole database in its main file."""
    with app.app_context():
        make_due(due)
        db.session.remove()
        db.engine.dispose()
    path = database_file(app)
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return path


def big_tick(app, original: Path, sink: SinkProcess) -> tuple[float, float]:
    """`ecourse tick` on a fresh copy of `original`: (seconds, peak memory in MB)."""
    copy = original.with_name("tick.sqlite3")
    shutil.copyfile(original, copy)
    keys = ("DATA_DIR", "SECRET_KEY", "BASE_URL", "MAIL_FROM")
    settings = {key: app.config["ECOURSE"][key] for key in keys} | sink.settings()
    settings["DATABASE_URL"] = f"sqlite:///{copy}"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK_REPORTING_TICK, NOW.isoformat()],
        env=environment(settings),
        cwd=ROOT,  # the checkout under test, not whichever one is installed
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    peak_kb, _, maxrss_kb = done.stderr.rsplit("peak-rss-kb ", 1)[1].split()[:3]
    print("  " + done.stdout.strip().replace("\n", "\n  "), flush=True)
    print(
        f"  (ru_maxrss would say {int(maxrss_kb) / 1024:.0f} MB: this process's own peak "
        f"is {own_peak_mb():.0f} MB)",
        flush=True,
    )
    return elapsed, int(peak_kb) / 1024


def own_peak_mb() -> float:
    with open("/proc/self/status") as status:
        return [int(line.split()[1]) for line in status if line.startswith("VmHWM:")][0] / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=20, help="empty passes per sample")
    args = parser.parse_args()
    assert args.samples * DUE_IN_SAMPLE <= args.total // 10, "too few enrollments to sample"
    assert args.due + args.samples * DUE_IN_SAMPLE <= args.total, "too few enrollments"
    print(f"start: {load()}", flush=True)
    sink = SinkProcess()
    sizes = (args.total // 10, args.total)
    apps = {size: build(size, sink) for size in sizes}
    empty: dict[int, list[float]] = {size: [] for size in sizes}
    due: dict[int, list[float]] = {size: [] for size in sizes}
    for number in range(args.samples):
        for size in sizes if number % 2 == 0 else reversed(sizes):
            result = sample(apps[size], args.repeats)
            empty[size].append(result[0])
            due[size].append(result[1])
        small, large = (due[size][-1] for size in sizes)
        print(
            f"sample {number + 1}: 1,000 due {small:.2f} s at {sizes[0]}, {large:.2f} s at "
            f"{sizes[1]} ({large / small:.2f}x); empty pass {empty[sizes[0]][-1] * 1000:.1f} "
            f"and {empty[sizes[1]][-1] * 1000:.1f} ms; {load()}",
            flush=True,
        )
    for size in sizes:
        print(
            f"{size:>9} enrollments: empty pass {spread(empty[size], 1000, 1)} ms; "
            f"pass with 1,000 due {spread(due[size], digits=2)} s"
        )
    ratios = [large / small for small, large in zip(due[sizes[0]], due[sizes[1]], strict=True)]
    ratio = median(due[sizes[1]]) / median(due[sizes[0]])
    largest_empty = median(empty[sizes[1]])
    print(
        f"empty pass at {args.total}: {largest_empty * 1000:.1f} ms (goal under 20 ms) -> "
        f"{'met' if largest_empty < 0.020 else 'NOT met'}"
    )
    print(f"1,000 due at 10x the enrollments, ratio of each sample: {spread(ratios, digits=2)}")
    print(
        f"1,000 due at 10x the enrollments, ratio of the medians: {ratio:.2f}x (1.0 = independent "
        f"of size; goal under {RATIO_LIMIT}) -> {'met' if ratio < RATIO_LIMIT else 'NOT met'}"
    )
    original = prepare_big_pass(apps[args.total], args.due)
    times, peaks = [], []
    for number in range(args.samples):
        elapsed, peak_mb = big_tick(apps[args.total], original, sink)
        times.append(elapsed)
        peaks.append(peak_mb)
        print(
            f"tick {number + 1}: {elapsed:.0f} s, {args.due / elapsed:.0f} msg/s, "
            f"peak {peak_mb:.0f} MB; {load()}",
            flush=True,
        )
    sink.stop()
    per_message = [elapsed / args.due * 1000 for elapsed in times]
    print(f"{args.due} due of {args.total}: `ecourse tick` took {spread(times)} s")
    print(
        f"  per message {median(per_message):.2f} ms (at 1,000 due: "
        f"{median(due[args.total]):.2f} ms): cost follows what is due"
    )
    print(
        f"peak memory {spread(peaks)} MB (goal under 150 MB in every run) -> "
        f"{'met' if max(peaks) < 150 else 'NOT met'}"
    )
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
