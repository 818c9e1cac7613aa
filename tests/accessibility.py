"""axe-core in the browser tests: every page a test visits can be checked for WCAG 2.1 AA.

axe-core comes from the npm registry (tests/a11y/package.json, installed by scripts/test).
It is evaluated through the DevTools protocol, which the pages' Content-Security-Policy
does not apply to, so the pages are checked exactly as they are served.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

AXE = Path(__file__).resolve().parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
STANDARDS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
# A page's markup, contrast and layout are the same whatever the hour or the database, and the
# suite on SQLite checks them with axe, and keeps a screenshot, on every page a browser test
# visits. The clock sweep (scripts/clock_sweep.py), which runs the browser tests again at seven
# instants to see what the hour changes (dates, words, what is sent), and the suite on
# PostgreSQL, which asks what the database changes, leave both out: that saves CI about a
# minute a run.
AUDITS = not ({"CLOCK_SWEEP_INSTANT", "ECOURSE_TEST_DATABASE_URL"} & set(os.environ))


@lru_cache(maxsize=1)
def _axe_source() -> str:
    assert AXE.exists(), "axe-core is missing: npm ci --prefix tests/a11y (scripts/test does it)"
    return AXE.read_text(encoding="utf-8")


def violations(page) -> list[dict]:
    """axe's violations on the page as it is now, all impacts."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", STANDARDS
    )
    return result["violations"]


def assert_accessible(page, where: str) -> None:
    """No serious or critical WCAG 2.1 AA violation on this page (where AUDITS, above)."""
    if not AUDITS:
        return
    found = [v for v in violations(page) if v["impact"] in BLOCKING]
    details = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in found
    ]
    assert not found, f"{where}: " + "; ".join(details)
