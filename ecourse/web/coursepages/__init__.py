"""A course's public pages beside its lessons: the FAQ, the printable worksheet, and where
to find help (`/hulp`)."""
