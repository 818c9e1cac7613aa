"""Print CI's closing table from its step log and the pytest reports; exit 1 if any failed."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from clock_sweep import junit_outcomes  # noqa: E402  (scripts/ is not a package)

REPORTS = {
    "tests on SQLite": ["sqlite.xml"],
    "tests on PostgreSQL": ["postgresql.xml"],
    "clock sweep (SQLite)": ["sweep/*.xml"],
}


def counts(folder: Path, patterns: list[str]) -> tuple[int, int] | None:
    files = [path for pattern in patterns for path in sorted(folder.glob(pattern))]
    if not files:
        return None
    outcomes = {
        f"{path.name}:{name}": ok for path in files for name, ok in junit_outcomes(path).items()
    }
    failed = sum(not ok for ok in outcomes.values())
    return len(outcomes) - failed, failed


def main(folder: Path) -> int:
    steps = [line.split("\t") for line in (folder / "steps.tsv").read_text().splitlines()]
    print(f"\n== summary\n{'step':<22} {'result':<7} {'passed':>7} {'failed':>7} {'time':>7}")
    broken = False
    for name, code, seconds in steps:
        found = counts(folder, REPORTS.get(name, []))
        passed, failed = (str(n) for n in found) if found else ("-", "-")
        result = "ok" if code == "0" else "FAILED"
        broken |= code != "0"
        print(
            f"{name:<22} {result:<7} {passed:>7} {failed:>7} {int(seconds) // 60:>4}:{int(seconds) % 60:02d}"
        )
    print("CI failed: see the steps marked FAILED above." if broken else "CI passed.")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
