"""On SQLite: once a stop, pause or unsubscribe has returned, nothing more leaves for it.

PostgreSQL gets this from row locks (see `ecourse.gate`). SQLite has no row locks, and in
WAL mode a reader never holds up a writer, so the last check before a handoff could read
"still active" a moment before a stop commits, and hand the lesson over after the stop has
answered the learner. This readers-writer lock closes that gap, between the threads of one
process (`ecourse serve`) and between processes sharing the data folder (`ecourse worker`):

- every handoff holds it shared, from its last check until the relay has answered;
- a stop, once committed, takes it exclusively for a moment: it waits for the handoffs
  checked before its commit, and every later check sees it.

It is built from `flock` on two files in the data folder (a turnstile first, so a waiting
stop is not starved by handoffs that keep coming). `flock` locks belong to an open file, so
each thread opens its own: threads of one process exclude each other like processes do. A
handoff thread keeps its two files open for its life (opening a file costs more than the
lock itself, once per message); a stop opens its own for the moment it waits.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TURNSTILE = "handoffs.turnstile.lock"
HANDOFFS = "handoffs.lock"


class HandoffLock:
    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.turnstile = folder / TURNSTILE
        self.handoffs = folder / HANDOFFS
        self._threads = threading.local()  # this thread's open files, for its handoffs

    @contextmanager
    def handing_over(self) -> Iterator[None]:
        """Hold while checking and handing over (shared: handoffs run side by side)."""
        files = self._thread_files()
        _flock(files.turnstile, fcntl.LOCK_SH)  # waits here while a stop is waiting
        _unlock(files.turnstile)
        _flock(files.handoffs, fcntl.LOCK_SH)
        try:
            yield
        finally:
            _unlock(files.handoffs)

    def _thread_files(self) -> _OpenFiles:
        files = getattr(self._threads, "files", None)
        if files is None or files.pid != os.getpid():  # a forked child opens its own
            files = self._threads.files = _OpenFiles(self.turnstile, self.handoffs)
        return files

    def settle(self) -> None:
        """Wait until the handoffs that were checked before now have been answered."""
        with self.settling():
            pass

    @contextmanager
    def settling(self) -> Iterator[None]:
        """Hold the lock exclusively: no handoff is on its way, and none starts."""
        with _locked(self.turnstile, fcntl.LOCK_EX), _locked(self.handoffs, fcntl.LOCK_EX):
            yield


class _OpenFiles:
    """One thread's descriptors of the two lock files, closed when the thread ends.

    A forked child must not use its parent's: they would share the parent's locks."""

    def __init__(self, turnstile: Path, handoffs: Path):
        self.pid = os.getpid()
        self.turnstile = _open(turnstile)
        self.handoffs = _open(handoffs)

    def __del__(self) -> None:
        os.close(self.turnstile)
        os.close(self.handoffs)


# libc's flock called without letting go of the GIL (ctypes.PyDLL), for the calls that do
# not wait. A handoff takes and drops two locks for every message; on the send threads,
# each call that lets go of the GIL costs a context switch under load (about 15 µs of CPU
# each, measured with bench/profile_send.py), more than the locks themselves.
_libc = ctypes.PyDLL(None, use_errno=True)


def _flock(descriptor: int, mode: int) -> None:
    """Take the lock: at once when it is free, else wait (letting the other threads run)."""
    if _libc.flock(descriptor, mode | fcntl.LOCK_NB) == 0:
        return
    if ctypes.get_errno() not in (errno.EWOULDBLOCK, errno.EINTR):
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    fcntl.flock(descriptor, mode)


def _unlock(descriptor: int) -> None:
    if _libc.flock(descriptor, fcntl.LOCK_UN) != 0:  # never waits
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))


def _open(path: Path) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


@contextmanager
def _locked(path: Path, mode: int) -> Iterator[None]:
    descriptor = _open(path)
    try:
        fcntl.flock(descriptor, mode)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


@contextmanager
def nothing() -> Iterator[None]:
    """What a handoff holds on PostgreSQL: the rows' locks do the work."""
    yield
