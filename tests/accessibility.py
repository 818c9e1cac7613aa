"""axe-core in the browser tests: every page a test visits can be checked for WCAG 2.1 AA.

axe-core comes from the npm registry (tests/a11y/package.json, installed by scripts/test).
It is evaluated through the DevTools protocol, which the pages' Content-Security-Policy
does not apply to, so the pages are checked exactly as they are served.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

AXE = Path(__file__).resolve().parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
STANDARDS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


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
    """No serious or critical WCAG 2.1 AA violation on this page."""
    found = [v for v in violations(page) if v["impact"] in BLOCKING]
    details = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in found
    ]
    assert not found, f"{where}: " + "; ".join(details)
