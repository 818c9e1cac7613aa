"""The learner's own space: pace, pause, send time, and their data (download or delete).

Reached through a signed link in every lesson email and from every lesson page; no
password. Every change is shown first with the new dates of the coming lessons, and only
a second click saves it.
"""

from ecourse.web.preferences import data  # noqa: F401  (their routes join `routes.bp`)
