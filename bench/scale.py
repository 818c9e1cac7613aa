"""Scale: a pass's cost grows with what is due, not with the number of subscribers.

    python bench/scale.py [--total 1000000] [--due 100000] [--repeats 20]

On one SQLite database:
1. with a tenth of --total enrollments, none due: the time of a pass (median of --repeats);
   then with 1,000 due: the time of a pass that sends them;
2. the same at --total enrollments (the baseline for "does not grow with subscribers");
3. --due of the --total enrollments due: `ecourse tick` in its own process, its time and its
   peak memory (max RSS).
Mail goes to an SMTP sink in its own process.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import timedelta

from common import NOW, SinkProcess, add_enrollments, environment, fresh_app, median
from sqlalchemy import func, select, update

from ecourse.db import db
from ecourse.models import Enrollment
from ecourse.passes import run_pass

LATER = NOW + timedelta(days=7)

# `ecourse tick`, reporting its own peak memory as it exits. (The parent's view of a child's
# peak, RUSAGE_CHILDREN, counts the parent's pages copied at fork time, so it overstates.)
PEAK_REPORTING_TICK = """
import atexit, resource, runpy, sys
atexit.register(lambda: print("peak-rss-kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr))
sys.argv = ["ecourse", "tick", "--now", sys.argv[1]]
runpy.run_module("ecourse", run_name="__main__")
"""


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
        .where(Enrollment.last_sent_at.is_(None))
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


def grow_to(total: int) -> None:
    have = db.session.scalar(select(func.count()).select_from(Enrollment))
    started = time.perf_counter()
    add_enrollments(total - have, due=0, start=have)
    print(
        f"  ({total - have} enrollments added in {time.perf_counter() - started:.0f} s)", flush=True
    )


def big_tick(app, sink: SinkProcess, due: int) -> tuple[float, float]:
    make_due(due)
    settings = {
        key: value
        for key, value in app.config["ECOURSE"].items()
        if key in ("DATA_DIR", "DATABASE_URL", "SECRET_KEY", "BASE_URL", "MAIL_FROM")
    } | sink.settings()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK_REPORTING_TICK, NOW.isoformat()],
        env=environment(settings),
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    peak_mb = int(done.stderr.rsplit("peak-rss-kb ", 1)[1].split()[0]) / 1024
    print("  " + done.stdout.strip().replace("\n", "\n  "), flush=True)
    return elapsed, peak_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    sink = SinkProcess()
    app = fresh_app(**sink.settings())
    results = {}
    for total in (args.total // 10, args.total):
        grow_to(total)
        results[total] = (empty_pass(args.repeats), due_pass(1000))
        print(
            f"{total:>9} enrollments: empty pass {results[total][0] * 1000:.1f} ms, "
            f"pass with 1,000 due {results[total][1]:.2f} s",
            flush=True,
        )
    small, large = results[args.total // 10], results[args.total]
    print(
        f"empty pass at {args.total}: {large[0] * 1000:.1f} ms (goal under 20 ms) -> "
        f"{'met' if large[0] < 0.020 else 'NOT met'}"
    )
    print(
        f"1,000 due at 10x the enrollments costs {large[1] / small[1]:.2f}x (1.0 = independent of size)"
    )
    elapsed, peak_mb = big_tick(app, sink, args.due)
    print(
        f"{args.due} due of {args.total}: `ecourse tick` took {elapsed:.0f} s, "
        f"{args.due / elapsed:.0f} msg/s, peak memory {peak_mb:.0f} MB (goal under 150 MB) -> "
        f"{'met' if peak_mb < 150 else 'NOT met'}"
    )
    sink.stop()


if __name__ == "__main__":
    main()
