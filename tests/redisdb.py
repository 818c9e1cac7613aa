"""A Redis database of a test's own on the machine's Redis (127.0.0.1:6379).

The tests that share counters through Redis each clear or flush what they use first, so two
runs must never share a database: the clock sweep runs its instants side by side, one lane
each, and names the lane in `CLOCK_SWEEP_LANE`. Each lane gets its own block of databases.
"""

from __future__ import annotations

import os

HOST = "redis://127.0.0.1:6379"
PER_LANE = 3  # the databases one run uses: 1 to 3 below
LANES = 5  # Redis has 16 databases (0 to 15); 0 stays free for the machine's own use


def own_database(number: int) -> str:
    """The URL of database `number` (1 to PER_LANE) of this run's lane."""
    assert 1 <= number <= PER_LANE, number
    lane = int(os.environ.get("CLOCK_SWEEP_LANE", "0"))
    assert 0 <= lane < LANES, f"CLOCK_SWEEP_LANE={lane}: at most {LANES} lanes"
    return f"{HOST}/{lane * PER_LANE + number}"
