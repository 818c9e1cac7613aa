"""Planning and sending: the drip rules, the planner, the delivery ledger, the send policy,
the sender with its last check, the recorder, health and the send rate."""
