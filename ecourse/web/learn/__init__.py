"""The learner's side: lesson pages opened from emails, the course overview, unsubscribing."""

from ecourse.web.learn import exercise, leaving, media  # noqa: F401  (their routes join `routes.bp`)
