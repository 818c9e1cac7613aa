"""What the benchmarks share: a sink process, a fresh database with the real course, bulk data,
medians with their spread, and the machine's load."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The course the benchmarks send: the shipped one, or (to compare two versions of the code
# with the same emails) the lessons folder ECOURSE_BENCH_LESSONS names.
COURSE = Path(os.environ.get("ECOURSE_BENCH_LESSONS") or ROOT / "lessons")

from ecourse import create_app  # noqa: E402
from ecourse.content.catalog import import_path  # noqa: E402
from ecourse.core.db import db, upgrade_schema  # noqa: E402
from ecourse.core.models import Enrollment, Subscriber, new_public_id  # noqa: E402
from ecourse.learners import current  # noqa: E402
from tests.smtpserver import free_port  # noqa: E402

NOW = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)


class SinkProcess:
    """`bench/sink.py` in its own process."""

    def __init__(self, delay: float = 0.0):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "sink.py"), str(self.port), str(delay)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "ready"

    def stop(self) -> int:
        self.process.terminate()
        return int(self.process.communicate(timeout=30)[0].strip() or 0)

    def settings(self, concurrency: int = 4, messages_per_connection: int | None = None) -> dict:
        """SMTP settings for this sink. Without `messages_per_connection`, the product's
        default applies (a connection is re-opened every 100 messages), as users get it."""
        settings = {
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": self.port,
            "SMTP_SECURITY": "none",
            "SMTP_CONCURRENCY": concurrency,
        }
        if messages_per_connection:
            settings["SMTP_MESSAGES_PER_CONNECTION"] = messages_per_connection
        return settings


def fresh_app(database_url: str | None = None, **settings):
    """An app on a new database built by the migrations, with the shipped course imported."""
    folder = Path(tempfile.mkdtemp(prefix="ecourse-bench-"))
    url = database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    app = create_app(
        {
            "DATA_DIR": str(folder),
            "DATABASE_URL": url,
            "SECRET_KEY": "bench" * 8,
            "BASE_URL": "https://cursus.example.nl",
            "MAIL_FROM": "Academie <cursus@example.nl>",
            **settings,
        }
    )
    context = app.app_context()
    context.push()
    if database_url and database_url.startswith("postgresql"):
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    upgrade_schema()
    import_path(COURSE, "Europe/Amsterdam", NOW - timedelta(days=30))
    return app


def add_enrollments(
    count: int, due: int, now: datetime = NOW, chunk: int = 20000, start: int = 0
) -> None:
    """`count` active enrollments, of which the first `due` are due now (the rest in a week).

    Numbering starts at `start`, so a database can be grown in steps."""
    course_id = 1
    for offset in range(0, count, chunk):
        size = min(chunk, count - offset)
        first = start + offset
        subscribers = [
            {
                "public_id": new_public_id(),
                "email": f"s{first + n}@example.org",
                "first_name": "Sam",
                "status": "active",
                "created_at": now - timedelta(days=3),
                "suppressed_reason": "",
            }
            for n in range(size)
        ]
        ids = db.session.scalars(insert(Subscriber).returning(Subscriber.id), subscribers).all()
        enrollments = [
            {
                "subscriber_id": sid,
                "course_id": course_id,
                "status": "active",
                "started_at": now - timedelta(days=3),
                "version": 1,
                "next_due_at": now if start + n < due else now + timedelta(days=7),
            }
            for n, sid in enumerate(ids)
        ]
        db.session.execute(insert(Enrollment), enrollments)
        db.session.commit()


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float], scale: float = 1.0, digits: int = 0) -> str:
    """ "median M (min A, max B, n runs)", each value multiplied by `scale`."""
    low, mid, high = min(values) * scale, median(values) * scale, max(values) * scale
    return (
        f"median {mid:.{digits}f} (min {low:.{digits}f}, max {high:.{digits}f}, {len(values)} runs)"
    )


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes), to print beside every result: the
    development machine is shared, and its load moves the figures."""
    return "load average " + ", ".join(f"{value:.2f}" for value in os.getloadavg())


def environment(settings: dict) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ECOURSE_")}
    return env | {f"ECOURSE_{name}": str(value) for name, value in settings.items()}


def timed_send(
    count: int, sink: SinkProcess, concurrency: int = 4, messages_per_connection: int | None = None
) -> float:
    """Messages per second for `count` due lessons, end to end (claim to record), on a fresh
    SQLite database, sending to `sink` (with the default re-opening of connections unless
    `messages_per_connection` is given)."""
    from ecourse.engine.planner import plan_due
    from ecourse.engine.sender import send_queued

    fresh_app(**sink.settings(concurrency, messages_per_connection))
    add_enrollments(count, due=count)
    plan_due(NOW, current.settings())
    started = time.perf_counter()
    report = send_queued(NOW, current.engine())
    elapsed = time.perf_counter() - started
    assert report.sent == count, report
    db.session.remove()
    db.engine.dispose()
    return count / elapsed
