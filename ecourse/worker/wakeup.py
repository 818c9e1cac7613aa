"""Asking for a pass now, from a request: a sign-up's confirmation should not wait a minute.

Kept apart from `ecourse.worker.scheduler`, so that every web page that wakes the scheduler
does not load APScheduler into processes that never run it (web processes of a deployment
with its own worker, `ecourse tick`).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

WAKE = "ecourse.wake"  # where a process that runs the scheduler keeps its wake-up call


def wake() -> None:
    """Ask the in-process scheduler, if this process has one, for a pass right away."""
    waker = current_app.extensions.get(WAKE)
    if waker is not None:
        waker()


def runs_here() -> bool:
    """Whether this process runs the scheduler (`serve`, `worker`), so passes should be seen."""
    return WAKE in current_app.extensions


def listen(app: Flask, waker: Callable[[], None] | None) -> None:
    """Route `wake()` in this app to `waker` (None: this process stops running passes)."""
    if waker is None:
        app.extensions.pop(WAKE, None)
    else:
        app.extensions[WAKE] = waker
