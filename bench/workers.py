"""Several workers on PostgreSQL against a slow relay: two workers against one.

    python bench/workers.py [--messages 400] [--repeats 3] [--database-url URL]

Each worker is an `ecourse tick` process with the default 4 SMTP connections; the sink takes
100 ms per message. Goal: two workers deliver at least 1.6 times what one does.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from common import SinkProcess, add_enrollments, environment, fresh_app, median

from ecourse.db import db
from ecourse.planner import plan_due

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def one_run(workers: int, count: int, database_url: str) -> float:
    from common import NOW

    sink = SinkProcess(delay=0.1)
    app = fresh_app(database_url, **sink.settings())
    add_enrollments(count, due=count)
    plan_due(NOW)
    keys = ("DATA_DIR", "DATABASE_URL", "SECRET_KEY", "BASE_URL", "MAIL_FROM")
    settings = {key: app.config["ECOURSE"][key] for key in keys} | sink.settings()
    db.session.remove()
    db.engine.dispose()
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "ecourse", "tick", "--now", NOW.isoformat()],
            env=environment(settings),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(workers)
    ]
    for process in processes:
        assert process.wait() == 0, process.stderr.read()
    elapsed = time.perf_counter() - started
    assert sink.stop() == count
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    one, two = [], []
    for repeat in range(args.repeats):
        one.append(one_run(1, args.messages, args.database_url))
        two.append(one_run(2, args.messages, args.database_url))
        print(
            f"run {repeat + 1}: one worker {one[-1]:.0f}/s, two workers {two[-1]:.0f}/s", flush=True
        )
    ratio = median(two) / median(one)
    print(f"median one worker: {median(one):.0f} msg/s; two workers: {median(two):.0f} msg/s")
    print(f"ratio: {ratio:.2f} (goal: at least 1.6) -> {'met' if ratio >= 1.6 else 'NOT met'}")


if __name__ == "__main__":
    main()
