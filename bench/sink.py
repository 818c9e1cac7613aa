"""An SMTP sink for benchmarks, run as its own process: accepts everything, counts it.

    python bench/sink.py PORT [DELAY_SECONDS]

Prints "ready" once listening; on SIGTERM prints the number of messages accepted and exits.
With DELAY_SECONDS, each message is accepted only after that delay (a slow relay).
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, delay: float):
        self.delay, self.count = delay, 0

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.count += 1
        return "250 OK"


def main() -> None:
    port, delay = int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    sink = Sink(delay)
    controller = Controller(sink, hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    while not stop.is_set():
        time.sleep(0.05)
    controller.stop()
    print(sink.count, flush=True)


if __name__ == "__main__":
    main()
