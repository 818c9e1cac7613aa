"""Throughput: lessons delivered end to end against the raw wire speed of the same sink.

    python bench/throughput.py [--messages 2000] [--repeats 5]

All three are measured in every repeat (each repeat starting with another of them), against
one SMTP sink in its own process:
- raw wire (the baseline): the same number of pre-built lesson emails (the very bytes
  ecourse would send) over one connection with plain smtplib;
- ecourse, as shipped: `send_queued` on due lesson deliveries (claim, render, last-moment
  check, hand over, record) on a fresh SQLite database, with the default pool of 4
  connections, each re-opened after 100 messages (the default
  `SMTP_MESSAGES_PER_CONNECTION`). The goal is judged on this one;
- ecourse with connections never re-opened (`SMTP_MESSAGES_PER_CONNECTION=100000`), for
  comparison only: what the re-opening costs.
"""

from __future__ import annotations

import argparse
import smtplib
import time

from common import NOW, SinkProcess, fresh_app, load, median, spread, timed_send

from ecourse.core.db import db
from ecourse.learners import current

KEPT_OPEN = 100_000  # messages per connection when comparing without re-opening


def raw_wire(port: int, messages: list[bytes]) -> float:
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for number, data in enumerate(messages):
            smtp.sendmail("cursus@example.nl", [f"r{number}@example.org"], data)
    return len(messages) / (time.perf_counter() - started)


def real_lesson_emails(count: int) -> list[bytes]:
    """The bytes of real lesson emails, as ecourse builds them, for the raw-wire baseline."""
    from ecourse.content.courses import default_course
    from ecourse.core.models import Subscriber
    from ecourse.engine import emails

    fresh_app(MAIL_BACKEND="memory")
    course = default_course()
    lesson = course.published_lessons[2]
    renderer = emails.Renderer(current.settings())
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
    print(f"start: {load()}", flush=True)
    prebuilt = real_lesson_emails(args.messages)
    print(f"message size: {sum(map(len, prebuilt)) / len(prebuilt) / 1024:.1f} KB", flush=True)
    raw, ours, kept, ratios = [], [], [], []
    measures = [
        lambda sink: raw.append(raw_wire(sink.port, prebuilt)),
        lambda sink: ours.append(timed_send(args.messages, sink)),
        lambda sink: kept.append(timed_send(args.messages, sink, KEPT_OPEN)),
    ]
    for repeat in range(args.repeats):
        sink = SinkProcess()
        # Each repeat starts with another of the three, so none always meets the same moment
        # of the machine's load.
        for measure in measures[repeat % 3 :] + measures[: repeat % 3]:
            measure(sink)
        sink.stop()
        ratios.append(ours[-1] / raw[-1])
        print(
            f"run {repeat + 1}: raw wire {raw[-1]:.0f}/s, ecourse {ours[-1]:.0f}/s "
            f"(ratio {ratios[-1]:.2f}), ecourse never re-opening {kept[-1]:.0f}/s; {load()}",
            flush=True,
        )
    ratio = median(ours) / median(raw)
    print(f"raw wire (baseline): {spread(raw)} msg/s")
    print(f"ecourse end to end, default re-opening every 100: {spread(ours)} msg/s")
    print(f"ecourse end to end, never re-opening (comparison): {spread(kept)} msg/s")
    print(f"ratio of the runs: {spread(ratios, digits=2)}")
    print(
        f"ratio of the medians: {ratio:.2f} (goal: at least 0.80) -> "
        f"{'met' if ratio >= 0.8 else 'NOT met'}"
    )
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
