"""Browser-test fixtures: `ecourse serve` in its own process, and Debian's chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.accessibility import AUDITS, assert_accessible
from tests.factories import process_environment
from tests.smtpserver import free_port

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    """Under the clock sweep, a browser test made for a phone and a desktop runs on the phone
    only. The sweep asks what the hour changes (dates, words, what is sent), and the hour
    changes nothing about a viewport; both full suites run both. That keeps the sweep's seven
    instants within CI's time (about a quarter of each)."""
    if "CLOCK_SWEEP_INSTANT" not in os.environ:
        return
    desktop = [item for item in items if _viewport(item) == "desktop"]
    if desktop:
        config.hook.pytest_deselected(items=desktop)
        items[:] = [item for item in items if _viewport(item) != "desktop"]


def _viewport(item) -> str | None:
    params = getattr(item, "callspec", None)
    values = params.params.values() if params else ()
    return next((value for value in values if value in ("phone", "desktop")), None)


@pytest.fixture
def server(settings, smtp_server, app):
    """`ecourse serve` on a free port, sharing the test's database and lessons."""
    port = free_port()
    env = process_environment(settings | smtp_server.settings)
    # No ECOURSE_BASE_URL: `serve` must put its own port into emailed links.
    env.pop("ECOURSE_BASE_URL")
    env["ECOURSE_TICK_SECONDS"] = "3600"  # only the wake-up can make mail leave quickly
    process = subprocess.Popen(
        [sys.executable, "-m", "ecourse", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
    except BaseException:
        process.kill()  # never leave a server behind for the next test, or the next run
        process.communicate(timeout=10)
        raise
    yield base
    process.terminate()
    output = process.communicate(timeout=10)[0]
    assert "Traceback" not in output, output


def wait_until_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"ecourse serve exited:\n{process.stdout.read()}")
        try:
            # The first page renders cold (templates, the course): on a busy machine that
            # takes more than a second, and is still a server that is up.
            requests.get(base, timeout=15)
            return
        except requests.ConnectionError:  # not listening yet
            time.sleep(0.2)
    raise AssertionError("ecourse serve did not start within 30 s")


def _device_environment() -> dict[str, str]:
    """The browser is the learner's own device: it keeps its own clock.

    `scripts/clock-sweep` moves the clock of the test and of every ecourse process with
    libfaketime; the product never trusts a visitor's clock, and chromium does not run under
    libfaketime (it spins), so the sweep's settings stop here.
    """
    return {
        name: value
        for name, value in os.environ.items()
        if name != "LD_PRELOAD" and not name.startswith("FAKETIME")
    }


@pytest.fixture(scope="session")
def chromium():
    """One chromium for the whole run: starting it costs about half a second a test."""
    from playwright.sync_api import sync_playwright

    assert shutil.which(CHROMIUM), "Debian's chromium is needed: apt-get install chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS, env=_device_environment()
        )
        yield launched
        launched.close()


@pytest.fixture
def browser(chromium):
    """The shared chromium; every page a test opens lives in a context of its own (cookies
    included), closed when the test ends."""
    before = set(chromium.contexts)
    yield chromium
    for context in chromium.contexts:
        if context not in before:
            context.close()


def look(page, where: str, shot: str) -> None:
    """The page as it is now: accessible (axe), no sideways scrolling, and kept as
    ARTIFACTS/`shot`.png to be looked at. `where` names it in a failure."""
    assert_accessible(page, where)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{where} scrolls sideways ({width}px)"
    shoot(page, ARTIFACTS / f"{shot}.png", full_page=True)


def shoot(target, path: Path, **options) -> None:
    """A screenshot of a page or an element, kept at `path` to be looked at; taken where the
    axe checks run (tests/accessibility.py's AUDITS)."""
    if AUDITS:
        path.parent.mkdir(exist_ok=True)
        target.screenshot(path=str(path), **options)
