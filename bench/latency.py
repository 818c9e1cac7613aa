"""Latency hiding: against a sink that takes 100 ms per message, throughput with 20 connections.

    python bench/latency.py [--messages 1000] [--repeats 5]

Goal: at least 0.9 of the ideal 20 / 0.1 s = 200 messages per second. In every repeat, as a
baseline measured in the same run, 20 threads of plain smtplib send the same number of
pre-built lesson emails over 20 connections to the same kind of sink: what the sink and the
machine allow at all.
"""

from __future__ import annotations

import argparse
import smtplib
import time
from concurrent.futures import ThreadPoolExecutor

from common import SinkProcess, load, median, spread, timed_send
from throughput import real_lesson_emails

DELAY, CONCURRENCY = 0.1, 20


def raw_wire(messages: list[bytes]) -> float:
    """Plain smtplib, `CONCURRENCY` connections in parallel, on a fresh slow sink."""
    sink = SinkProcess(delay=DELAY)

    def send_share(share: int) -> None:
        with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
            for number in range(share, len(messages), CONCURRENCY):
                smtp.sendmail("cursus@example.nl", [f"r{number}@example.org"], messages[number])

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(send_share, range(CONCURRENCY)))
    rate = len(messages) / (time.perf_counter() - started)
    assert sink.stop() == len(messages)
    return rate


def ecourse(count: int) -> float:
    sink = SinkProcess(delay=DELAY)
    rate = timed_send(count, sink, concurrency=CONCURRENCY)
    assert sink.stop() == count
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"start: {load()}", flush=True)
    prebuilt = real_lesson_emails(args.messages)
    ideal = CONCURRENCY / DELAY
    raw, rates = [], []
    for repeat in range(args.repeats):
        # Alternate which goes first, so neither always meets the same moment of the load.
        if repeat % 2 == 0:
            raw.append(raw_wire(prebuilt))
        rates.append(ecourse(args.messages))
        if repeat % 2 == 1:
            raw.append(raw_wire(prebuilt))
        print(f"run {repeat + 1}: raw 20 connections {raw[-1]:.0f}/s, ecourse {rates[-1]:.0f}/s")
    ratio = median(rates) / ideal
    print(f"raw wire, 20 plain smtplib connections (baseline): {spread(raw)} msg/s")
    print(f"ecourse, SMTP_CONCURRENCY=20: {spread(rates)} msg/s")
    print(f"against the measured baseline: {median(rates) / median(raw):.2f}")
    print(
        f"against the ideal of {ideal:.0f}/s: {ratio:.2f} (goal: at least 0.90) -> "
        f"{'met' if ratio >= 0.9 else 'NOT met'}"
    )
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
