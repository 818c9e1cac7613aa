"""Throughput: lessons delivered end to end against the raw wire speed of the same sink.

    python bench/throughput.py [--messages 2000] [--repeats 5]

Both are measured in the same run against one SMTP sink in its own process:
- raw wire: the same number of pre-built lesson emails (the very bytes ecourse would send)
  over one connection with plain smtplib;
- ecourse: `send_queued` on due lesson deliveries (claim, render, hand over, record), with
  the default pool of 4 connections, on a fresh SQLite database.
"""

from __future__ import annotations

import argparse
import smtplib
import time

from common import NOW, SinkProcess, fresh_app, median, timed_send

from ecourse.db import db


def raw_wire(port: int, messages: list[bytes]) -> float:
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for number, data in enumerate(messages):
            smtp.sendmail("cursus@example.nl", [f"r{number}@example.org"], data)
    return len(messages) / (time.perf_counter() - started)


def real_lesson_emails(count: int) -> list[bytes]:
    """The bytes of real lesson emails, as ecourse builds them, for the raw-wire baseline."""
    from ecourse import emails
    from ecourse.models import Subscriber
    from ecourse.planner import default_course

    fresh_app(MAIL_BACKEND="memory")
    course = default_course()
    lesson = course.published_lessons[2]
    renderer = emails.Renderer()
    result = []
    for number in range(count):
        reader = Subscriber(
            email=f"r{number}@example.org",
            first_name="Sam",
            public_id=f"{number:022d}",
            status="active",
        )
        message = emails.build(
            "lesson", reader, course, lesson, f"<{number}@example.nl>", NOW, renderer
        )
        result.append(message.as_bytes())
    db.session.remove()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    prebuilt = real_lesson_emails(args.messages)
    raw, ours = [], []
    for repeat in range(args.repeats):
        sink = SinkProcess()
        raw.append(raw_wire(sink.port, prebuilt))
        ours.append(timed_send(args.messages, sink))
        sink.stop()
        print(f"run {repeat + 1}: raw wire {raw[-1]:.0f}/s, ecourse {ours[-1]:.0f}/s", flush=True)
    ratio = median(ours) / median(raw)
    print(f"median raw wire: {median(raw):.0f} msg/s")
    print(f"median ecourse end to end: {median(ours):.0f} msg/s")
    print(f"ratio: {ratio:.2f} (goal: at least 0.80) -> {'met' if ratio >= 0.8 else 'NOT met'}")


if __name__ == "__main__":
    main()
