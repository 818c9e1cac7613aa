"""Run the tests that read the wall clock at the instants where a clock goes wrong.

Usage: scripts/clock-sweep [--all] [--only TEXT] [--reports DIR] [pytest arguments]

Why libfaketime, and not a clock setting inside ecourse: the tests start real processes
(`ecourse serve`, `worker`, `tick`) and read the clock themselves, and Flask, itsdangerous and
SQLite read it too. A product-only offset would leave those on the real time, and the sweep
would test a mixture no deployment ever runs. libfaketime (Debian's `faketime` package) is
preloaded into the whole process tree, so every process started under it, Python and C code
alike, sees one moved wall clock. Three settings make it trustworthy:

- the offset is relative (`FAKETIME=+N`): a process started a minute later sees the same moved
  clock as its parent, where an absolute start time would make each child begin afresh;
- `FAKETIME_DONT_FAKE_MONOTONIC=1` keeps the monotonic clock real, so timeouts, lock waits and
  thread pools behave;
- `monotonic_sleep.c`, loaded first, works around libfaketime 0.9.10's broken
  `clock_nanosleep` on the monotonic clock (every `time.sleep` fails without it).

Before each instant the sweep checks that a process and its child both read the moved clock,
so a sweep that silently ran on the real time cannot pass. Chromium keeps its own clock: it is
the learner's device, whose time the product never trusts (see tests/browserkit.py).

The instants are computed from today: the next of each, in Europe/Amsterdam. With `--all` the
whole suite runs at each instant instead of the tests marked `clock`.

`--lanes N` runs N instants side by side, each lane with Redis databases of its own
(tests/redisdb.py). The default is one lane per two processors: one run keeps a small machine
busy (servers, workers, a browser), and on the two-processor CI machine two lanes took 840 s
each where one instant alone takes about 400, so nothing was won there.
"""

from __future__ import annotations

import argparse
import glob
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ElementTree
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ROOT = Path(__file__).resolve().parent.parent
SHIM_SOURCE = ROOT / "scripts" / "monotonic_sleep.c"
CLOCK_TOLERANCE = timedelta(minutes=1)
MAX_LANES = 4  # tests/redisdb.py has databases for five


@dataclass(frozen=True)
class Instant:
    label: str
    moment: datetime  # aware, in Amsterdam

    @property
    def utc(self) -> datetime:
        return self.moment.astimezone(UTC)


@dataclass
class Outcome:
    instant: Instant
    passed: int
    failed: int
    seconds: float
    failures: list[str]
    log: Path


def next_weekday(after: date, weekday: int) -> date:
    """The first date strictly after `after` that falls on `weekday` (Monday is 0)."""
    return after + timedelta(days=(weekday - after.weekday() - 1) % 7 + 1)


def last_sunday(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    last = first_of_next - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


def upcoming_last_sunday(after: date, month: int) -> date:
    day = last_sunday(after.year, month)
    return day if day > after else last_sunday(after.year + 1, month)


def at(day: date, hour: int, minute: int) -> datetime:
    """That wall-clock time in Amsterdam, as the instant Python's zoneinfo makes of it: a time
    that does not exist reads as the hour after, a time that comes twice as the first."""
    wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMSTERDAM)
    return wall.astimezone(UTC).astimezone(AMSTERDAM)


def instants(today: date) -> list[Instant]:
    """The moments a drip schedule meets its edges: evening, midnight, weekend, DST, new year."""
    tuesday = next_weekday(today, 1)
    march = upcoming_last_sunday(today, 3)
    october = upcoming_last_sunday(today, 10)
    new_years_eve = date(today.year, 12, 31)
    if new_years_eve <= today:
        new_years_eve = date(today.year + 1, 12, 31)
    # One midnight during the run is enough, and new year's eve's crosses a day, a month and a
    # year at once: a weekday's 23:59 beside it only doubled CI's longest step.
    return [
        Instant("weekday evening 19:45", at(tuesday, 19, 45)),
        Instant("weekday night 00:30", at(tuesday + timedelta(days=1), 0, 30)),
        Instant("Saturday 07:29", at(next_weekday(today, 5), 7, 29)),
        Instant("last Sunday of March 01:59, before the clock springs", at(march, 1, 59)),
        Instant("last Sunday of March 02:30, which does not exist (03:30)", at(march, 2, 30)),
        Instant("last Sunday of October 02:30, the hour that repeats", at(october, 2, 30)),
        Instant(
            "31 December 23:59, midnight and a new year during the run", at(new_years_eve, 23, 59)
        ),
    ]


def build_shim(folder: Path) -> Path:
    shim = folder / "monotonic_sleep.so"
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-O2", "-o", str(shim), str(SHIM_SOURCE), "-ldl"],
        check=True,
    )
    return shim


def libfaketime() -> str:
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1"))
    if not found:
        sys.exit("libfaketime is missing: apt-get install faketime")
    return found[0]


def faked_environment(instant: Instant, shim: Path, lane: int = 0) -> dict[str, str]:
    offset = round(instant.utc.timestamp() - time.time())
    return os.environ | {
        "CLOCK_SWEEP_INSTANT": instant.label,  # volume tests run smaller (tests/test_crashes.py)
        "CLOCK_SWEEP_LANE": str(lane),  # Redis databases of the lane's own (tests/redisdb.py)
        "LD_PRELOAD": f"{shim} {libfaketime()}",
        "FAKETIME": f"{offset:+d}",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }


CLOCK_PROBE = """
import subprocess, sys, time
child = subprocess.run([sys.executable, "-c", "import time; print(time.time())"],
                       capture_output=True, text=True, check=True)
time.sleep(0.05)
print(time.time(), float(child.stdout))
"""


def check_clock_moved(python: str, instant: Instant, env: dict[str, str]) -> None:
    """Refuse to sweep unless a process and its child both see the instant."""
    reply = subprocess.run(
        [python, "-c", CLOCK_PROBE], env=env, capture_output=True, text=True, timeout=30
    )
    if reply.returncode != 0:
        sys.exit(f"the moved clock does not work at {instant.label}:\n{reply.stderr}")
    for seen in map(float, reply.stdout.split()):
        moment = datetime.fromtimestamp(seen, UTC)
        if abs(moment - instant.utc) > CLOCK_TOLERANCE:
            sys.exit(f"the clock did not move to {instant.utc:%F %T} UTC (saw {moment:%F %T})")


def junit_outcomes(path: Path) -> dict[str, bool]:
    """Each test in a JUnit report and whether it passed; skipped tests are left out. A test
    that failed and then erred in its teardown is reported twice there, and counts once."""
    outcomes: dict[str, bool] = {}
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        tags = {child.tag for child in case}
        if "skipped" in tags and not tags & {"failure", "error"}:
            continue
        name = f"{case.get('classname')}::{case.get('name')}"
        outcomes[name] = outcomes.get(name, True) and not tags & {"failure", "error"}
    return outcomes


def read_junit(path: Path) -> tuple[int, int, list[str]]:
    if not path.exists():
        return 0, 1, ["pytest wrote no report"]
    outcomes = junit_outcomes(path)
    failures = [name for name, ok in outcomes.items() if not ok]
    return len(outcomes) - len(failures), len(failures), failures


def run_at(
    instant: Instant, python: str, shim: Path, work: Path, pytest_args: list[str], lane: int = 0
) -> Outcome:
    env = faked_environment(instant, shim, lane)
    check_clock_moved(python, instant, env)
    report, log = work / f"{instant.utc:%Y%m%dT%H%M}.xml", work / f"{instant.utc:%Y%m%dT%H%M}.log"
    command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}"]
    started = time.monotonic()
    with log.open("w") as output:
        code = subprocess.run(
            command + pytest_args, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        ).returncode
    passed, failed, failures = read_junit(report)
    if code != 0 and failed == 0:  # nothing selected, an error at collection, a crash
        failed, failures = 1, [f"pytest exited with {code}; see {log}"]
    return Outcome(instant, passed, failed, time.monotonic() - started, failures, log)


def print_table(outcomes: list[Outcome]) -> None:
    print("\n== clock sweep")
    print(f"{'instant (Europe/Amsterdam)':<27} {'UTC':<17} {'passed':>6} {'failed':>6} {'time':>6}")
    for outcome in outcomes:
        local = f"{outcome.instant.moment:%a %Y-%m-%d %H:%M %Z}"
        print(
            f"{local:<27} {outcome.instant.utc:%Y-%m-%d %H:%M} "
            f"{outcome.passed:>6} {outcome.failed:>6} {outcome.seconds:>5.0f}s"
        )


def parse(arguments: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="the whole suite, not only `clock`")
    parser.add_argument("--only", default="", help="only instants whose label holds this text")
    parser.add_argument("--reports", type=Path, help="keep each instant's JUnit report here")
    parser.add_argument(
        "--lanes",
        type=int,
        default=default_lanes(),
        help="instants run side by side (default: one per two processors, at most 4)",
    )
    options, pytest_args = parser.parse_known_args(arguments)
    if not 1 <= options.lanes <= MAX_LANES:
        parser.error(f"--lanes must be 1 to {MAX_LANES}")
    return options, ([] if options.all else ["-m", "clock"]) + pytest_args


def default_lanes() -> int:
    """Half the processors: the tests themselves start servers, workers and a browser, so one
    run keeps about two processors busy, and more lanes only make each test slower."""
    return max(1, min(MAX_LANES, (os.cpu_count() or 1) // 2))


def report(outcome: Outcome, number: int, total: int) -> None:
    verdict = "passed" if not outcome.failed else f"FAILED {outcome.failed}"
    print(f"[{number}/{total}] {outcome.instant.label}: {outcome.passed} passed, {verdict}")
    print(f"      in {outcome.seconds:.0f} s", flush=True)
    for failure in outcome.failures:
        print(f"      failed: {failure}")
    if outcome.failed:
        print(outcome.log.read_text()[-6000:], flush=True)


def sweep(chosen: list[Instant], lanes: int, run) -> list[Outcome]:
    """Run every instant, `lanes` at a time, each lane with its own Redis databases
    (tests/redisdb.py); report each as it ends, and return them in the instants' order."""
    free = queue.SimpleQueue()
    for lane in range(lanes):
        free.put(lane)
    printing, done = threading.Lock(), []

    def one(instant: Instant) -> Outcome:
        lane = free.get()
        with printing:  # what runs now, so a log cut short still says where it was
            print(f"starting {instant.label}: {instant.moment:%a %F %H:%M %Z}", flush=True)
        try:
            outcome = run(instant, lane)
        finally:
            free.put(lane)
        with printing:
            done.append(outcome)
            report(outcome, len(done), len(chosen))
        return outcome

    with ThreadPoolExecutor(max_workers=lanes) as pool:
        return list(pool.map(one, chosen))


def main() -> int:
    options, pytest_args = parse(sys.argv[1:])
    wanted = options.only.lower()
    chosen = [i for i in instants(datetime.now(UTC).date()) if wanted in i.label.lower()]
    lanes = min(options.lanes, len(chosen)) or 1
    print(f"{len(chosen)} instants, {lanes} at a time", flush=True)
    with tempfile.TemporaryDirectory(prefix="clock-sweep-") as folder:
        work = options.reports or Path(folder)
        work.mkdir(parents=True, exist_ok=True)
        shim = build_shim(Path(folder))
        outcomes = sweep(
            chosen,
            lanes,
            lambda instant, lane: run_at(instant, sys.executable, shim, work, pytest_args, lane),
        )
        print_table(outcomes)
    broken = [outcome for outcome in outcomes if outcome.failed]
    for outcome in broken:
        print(f"FAILED at {outcome.instant.label} ({outcome.instant.moment:%F %H:%M %Z})")
    return 1 if broken or not outcomes else 0


if __name__ == "__main__":
    sys.exit(main())
