"""A pass (plan, tidy the sign-ups, send) and the scheduler that runs passes in
`ecourse serve` and `ecourse worker`."""
