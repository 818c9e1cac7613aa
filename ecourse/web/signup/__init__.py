"""Sign-up with double opt-in: the landing page, the form, and the confirmation."""
