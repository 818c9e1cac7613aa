"""The privacy statement: what ecourse stores about a learner, and for how long."""
