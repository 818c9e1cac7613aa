"""Sign-up to confirmation email leaving the process, with `ecourse serve`.

    python bench/signup_latency.py [--signups 60]

Starts `ecourse serve` (SQLite, SMTP to a recording sink in this process), signs up through
the real form over HTTP, and times each sign-up from the POST to the moment the sink has
the confirmation. Goal: under 2 s at the 95th percentile.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time

import requests
from common import ROOT, environment

from tests.smtpserver import SMTPServer, free_port

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class RecordingSink(SMTPServer):
    def arrival(self, address: str, timeout: float = 30) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if any(address in item.rcpt_tos for item in self.received):
                    return time.perf_counter()
            time.sleep(0.005)
        raise AssertionError(f"no confirmation for {address}")


def start_server(sink: RecordingSink) -> tuple[subprocess.Popen, str]:
    port = free_port()
    settings = {
        "DATA_DIR": tempfile.mkdtemp(prefix="ecourse-bench-"),
        "SIGNUP_RATE_LIMIT": "10000 per minute",
        "MAIL_FROM": "Academie <cursus@example.nl>",
    } | sink.settings
    process = subprocess.Popen(
        [sys.executable, "-m", "ecourse", "serve", "--port", str(port)],
        env=environment(settings),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            requests.get(base, timeout=1)
            return process, base
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError("ecourse serve did not start")


def one_signup(base: str, sink: RecordingSink, number: int) -> float:
    session = requests.Session()
    token = CSRF.search(session.get(base).text).group(1)
    address = f"bench{number}@example.org"
    started = time.perf_counter()
    response = session.post(
        base + "/", data={"csrf_token": token, "email": address, "consent": "y"}
    )
    assert response.status_code == 200 and "aangemeld" in response.url, response.status_code
    return sink.arrival(address) - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signups", type=int, default=60)
    args = parser.parse_args()
    sink = RecordingSink()
    sink.start()
    process, base = start_server(sink)
    try:
        latencies = [one_signup(base, sink, number) for number in range(args.signups)]
    finally:
        process.terminate()
        process.wait()
        sink.stop()
    p95 = statistics.quantiles(latencies, n=20)[18]
    print(
        f"{args.signups} sign-ups: median {statistics.median(latencies) * 1000:.0f} ms, "
        f"95th percentile {p95 * 1000:.0f} ms, slowest {max(latencies) * 1000:.0f} ms"
    )
    print(f"goal: under 2 s at the 95th percentile -> {'met' if p95 < 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
