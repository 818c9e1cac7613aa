"""The embedded scheduler: the only module that imports APScheduler.

It runs in exactly one place per deployment (`ecourse serve` or `ecourse worker`), and only
those commands import it; a request that wants a pass now calls `ecourse.worker.wakeup.wake`,
which needs nothing of APScheduler. A second process that ticks by mistake still cannot send
twice, because every send is claimed as a row first (see `ecourse.engine.claims`).
"""

from __future__ import annotations

import logging
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from ecourse.core.clock import utcnow
from ecourse.worker import wakeup
from ecourse.worker.passes import run_pass

log = logging.getLogger(__name__)

JOB_ID = "ecourse-pass"


def pass_job(app: Flask, wake_requested: threading.Event) -> None:
    """Run passes until no wake-up came in during the last one."""
    with app.app_context():
        while True:
            wake_requested.clear()
            try:
                report = run_pass(utcnow())
            except Exception:  # keep the scheduler alive; the next pass tries again
                log.exception("pass failed")
                return
            if report.send.sent or report.plan.queued or report.send.errors:
                log.info("; ".join(report.lines()))
            if not wake_requested.is_set():
                return


class Scheduler:
    """Runs `pass_job` every TICK_SECONDS, and at once when woken."""

    def __init__(self, app: Flask, blocking: bool = False):
        self.app = app
        self.wake_requested = threading.Event()
        kind = BlockingScheduler if blocking else BackgroundScheduler
        self._scheduler = kind(timezone="UTC")
        self._scheduler.add_job(
            pass_job,
            "interval",
            seconds=app.config["ECOURSE"]["TICK_SECONDS"],
            args=[app, self.wake_requested],
            id=JOB_ID,
            max_instances=1,
            coalesce=True,
            next_run_time=utcnow(),
            misfire_grace_time=None,
        )

    def start(self) -> None:
        wakeup.listen(self.app, self.wake)
        self._scheduler.start()

    def wake(self) -> None:
        # If a pass is running, APScheduler skips the extra run; the flag makes the running
        # pass go round once more instead.
        self.wake_requested.set()
        self._scheduler.modify_job(JOB_ID, next_run_time=utcnow())

    def shutdown(self) -> None:
        wakeup.listen(self.app, None)
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
