"""Every status and kind a row can have, as enums the database enforces too.

Each is a `StrEnum`: its members compare equal to their stored strings, and the column
types in `models` turn them into a CHECK constraint, so a misspelt status can neither be
written by the code nor slip in by hand.
"""

from __future__ import annotations

from enum import StrEnum


class SubscriberStatus(StrEnum):
    """The person: may we mail this address at all?"""

    PENDING = "pending"  # never confirmed a sign-up
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"  # asked for no more mail at all (or marked us as spam)
    BOUNCED = "bounced"  # the address refused mail for good
    ERASED = "erased"  # personal data removed; an empty row behind the counts


class EnrollmentStatus(StrEnum):
    """One person's journey through one course; changed only by `ecourse.lifecycle`."""

    PENDING = "pending"  # signed up for this course, not yet confirmed
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"  # every lesson handled; a lesson added later reopens it
    STOPPED = "stopped"  # the learner, an admin or an unsubscribe ended it
    BOUNCED = "bounced"  # the address bounced
    ERASED = "erased"  # the person was erased


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a pass, under a lease
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"  # not sent after all, and may be queued again
    SKIPPED = "skipped"  # passed over on purpose (moved past it), never sent


class DeliveryKind(StrEnum):
    CONFIRM = "confirm"
    REMINDER = "reminder"
    LESSON = "lesson"
    GOODBYE = "goodbye"  # the one email after "delete me"
    ACCESS = "access"  # a fresh link asked for: an hour, once, to see or erase one's data
    FOLLOW_UP = "follow_up"  # one email some days after the last lesson: how was it?


class MediaKind(StrEnum):
    AUDIO = "audio"  # an exercise's audio guide
    PHOTO = "photo"  # the teacher's photo


class AttemptOutcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    RECLAIMED = "reclaimed"  # taken over after its lease ran out


class LessonStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class LateRule(StrEnum):
    """For learners already past a lesson's place when it was added, moved or published."""

    SKIP = "skip"
    SEND = "send"


class LessonAction(StrEnum):
    CREATED = "created"
    EDITED = "edited"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"
    MOVED = "moved"


class AdminRole(StrEnum):
    """What an admin may do: an owner everything, an editor only the lessons and their
    previews (no learner's data, no admin accounts). See `ecourse.web.admin.roles`."""

    OWNER = "owner"
    EDITOR = "editor"


class ActorKind(StrEnum):
    LEARNER = "learner"
    ADMIN = "admin"
    SYSTEM = "system"


IN_FLIGHT = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
SIGNUP_KINDS = (DeliveryKind.CONFIRM, DeliveryKind.REMINDER)
# A course still under way: the planner looks at these (a paused one for the end of its pause).
LIVE_ENROLLMENT = (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED)
# A course the person confirmed and has not left: live, or with every lesson had.
UNDER_WAY = (*LIVE_ENROLLMENT, EnrollmentStatus.COMPLETED)
