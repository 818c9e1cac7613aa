"""Time zones, looked up once: listing them reads hundreds of files from disk.

`KNOWN` is every name zoneinfo accepts (a stored zone stays valid). `PLACES` is the list a
person chooses from: the zones of `zone.tab`, one or more per country, so no aliases
(`Factory`, `localtime`, `Etc/GMT+3`) and no deprecated links (`Europe/Kiev`).
"""

from __future__ import annotations

from importlib import resources
from zoneinfo import available_timezones

KNOWN: frozenset[str] = frozenset(available_timezones())


def _places() -> frozenset[str]:
    """The zones named in tzdata's `zone.tab` (the lines that are not comments)."""
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # no tzdata package: the system's list
        return frozenset(zone for zone in KNOWN if "/" in zone and not zone.startswith("Etc/"))
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return frozenset(row[2] for row in rows if len(row) > 2) & KNOWN


PLACES: frozenset[str] = _places()


def region(zone: str) -> str:
    """The part of the world a zone lies in: `Europe` for `Europe/Amsterdam`."""
    return zone.split("/", 1)[0]
