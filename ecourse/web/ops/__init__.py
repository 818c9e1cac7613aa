"""For monitors, not people: `/healthz` and the token-guarded `/metrics`."""
