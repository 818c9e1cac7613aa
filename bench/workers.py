"""Several workers on PostgreSQL against a slow relay: two workers against one.

    python bench/workers.py [--messages 400] [--repeats 5] [--database-url URL]

Each worker is an `ecourse tick` process with the default 4 SMTP connections; the sink takes
100 ms per message. Goal: two workers deliver at least 1.6 times what one does. Every repeat
measures one worker (the baseline) and two (in turn first), each on a freshly built database; the
times include each process's start.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time

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

from ecourse.core.db import db
from ecourse.engine.planner import plan_due
from ecourse.learners import current

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SENT = re.compile(r"sent: (\d+)")


def tick(settings: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "ecourse", "tick", "--now", NOW.isoformat()],
        env=environment(settings),
        cwd=ROOT,  # the checkout under test, not whichever one is installed
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def one_run(workers: int, count: int, database_url: str) -> tuple[float, list[int], float]:
    """Messages per second for `workers` ticks at once; how many each sent; and the time
    of one more tick, with nothing left to send (what starting a worker costs)."""
    sink = SinkProcess(delay=0.1)
    app = fresh_app(database_url, **sink.settings())
    add_enrollments(count, due=count)
    plan_due(NOW, current.settings())
    keys = ("DATA_DIR", "DATABASE_URL", "SECRET_KEY", "BASE_URL", "MAIL_FROM")
    settings = {key: app.config["ECOURSE"][key] for key in keys} | sink.settings()
    db.session.remove()
    db.engine.dispose()
    started = time.perf_counter()
    processes = [tick(settings) for _ in range(workers)]
    outputs = [process.communicate() for process in processes]
    elapsed = time.perf_counter() - started
    for process, (_, errors) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, errors
    sent = [int(SENT.search(output).group(1)) for output, _ in outputs]
    started = time.perf_counter()
    output, errors = tick(settings).communicate()
    idle = time.perf_counter() - started
    assert SENT.search(output).group(1) == "0", output + errors
    assert sink.stop() == count == sum(sent)
    return count / elapsed, sent, idle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    print(f"start: {load()}", flush=True)
    one, two, ratios, idle = [], [], [], []
    for repeat in range(args.repeats):
        # Alternate which goes first, so neither always meets the same moment of the load.
        runs = {}
        for workers in (1, 2) if repeat % 2 == 0 else (2, 1):
            runs[workers] = one_run(workers, args.messages, args.database_url)
        one.append(runs[1][0])
        two.append(runs[2][0])
        idle += [runs[1][2], runs[2][2]]
        ratios.append(two[-1] / one[-1])
        print(
            f"run {repeat + 1}: one worker {one[-1]:.0f}/s, two workers {two[-1]:.0f}/s "
            f"(sent {' + '.join(map(str, runs[2][1]))}; {ratios[-1]:.2f}x); a tick with nothing "
            f"to send {runs[1][2]:.1f} and {runs[2][2]:.1f} s; {load()}",
            flush=True,
        )
    ratio = median(two) / median(one)
    print(f"one worker (baseline): {spread(one)} msg/s")
    print(f"two workers: {spread(two)} msg/s")
    print(f"ratio of the runs: {spread(ratios, digits=2)}")
    print(f"a tick with nothing to send (start-up and an empty pass): {spread(idle, digits=1)} s")
    print(
        f"ratio of the medians: {ratio:.2f} (goal: at least 1.6) -> "
        f"{'met' if ratio >= 1.6 else 'NOT met'}"
    )
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
