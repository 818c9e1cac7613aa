"""Latency hiding: against a sink that takes 100 ms per message, throughput with 20 connections.

    python bench/latency.py [--messages 1000] [--repeats 3]

Goal: at least 0.9 of the ideal 20 / 0.1 s = 200 messages per second.
"""

from __future__ import annotations

import argparse

from common import SinkProcess, median, timed_send

DELAY, CONCURRENCY = 0.1, 20


def one_run(count: int) -> float:
    sink = SinkProcess(delay=DELAY)
    rate = timed_send(count, sink, concurrency=CONCURRENCY)
    assert sink.stop() == count
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ideal = CONCURRENCY / DELAY
    rates = []
    for repeat in range(args.repeats):
        rates.append(one_run(args.messages))
        print(f"run {repeat + 1}: {rates[-1]:.0f}/s", flush=True)
    ratio = median(rates) / ideal
    print(f"median: {median(rates):.0f} msg/s against an ideal of {ideal:.0f}/s")
    print(f"ratio: {ratio:.2f} (goal: at least 0.90) -> {'met' if ratio >= 0.9 else 'NOT met'}")


if __name__ == "__main__":
    main()
