"""What learners and admins do with a course, on top of the engine: signing up and
confirming, pace, the timeline, privacy, sign-up hygiene, lesson changes and their reach."""
