"""The tables: courses and lessons, subscribers with their consent, enrollments, deliveries.

A `Delivery` is the ledger row behind every email: it exists before anything is sent, its
`key` is unique, and only a row that is still claimable is ever sent. That is what makes a
pass safe to run twice, or in two processes at once.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecourse.core.db import UTCDateTime, db, status_type
from ecourse.core.statuses import (
    ActorKind,
    AdminRole,
    AttemptOutcome,
    DeliveryKind,
    DeliveryStatus,
    EnrollmentStatus,
    LateRule,
    LessonAction,
    LessonStatus,
    SubscriberStatus,
)


def zone_for(subscriber: Subscriber, course: Course) -> str:
    """The one rule for a learner's local times: their own time zone, or the course's."""
    return subscriber.timezone or course.timezone


def new_public_id() -> str:
    """An unguessable identifier for links and cookies; sequential ids never leave the server."""
    return secrets.token_urlsafe(16)


class Course(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(10), default="nl")
    send_time: Mapped[str] = mapped_column(String(5), default="07:30")
    timezone: Mapped[str] = mapped_column(String(64))
    skip_weekdays: Mapped[str] = mapped_column(String(80), default="")
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    cta_url: Mapped[str] = mapped_column(String(500), default="")
    cta_text: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # From `course.yml` and the course folder's pages (`ecourse.content.courseextras`).
    academy_url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    reply_to: Mapped[str] = mapped_column(String(320), default="", server_default="")
    teacher_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    teacher_bio: Mapped[str] = mapped_column(Text, default="", server_default="")
    faq_md: Mapped[str] = mapped_column(Text, default="", server_default="")
    worksheet_md: Mapped[str] = mapped_column(Text, default="", server_default="")
    follow_up_md: Mapped[str] = mapped_column(Text, default="", server_default="")
    follow_up_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    next_dates: Mapped[str] = mapped_column(Text, default="", server_default="")  # one a line

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="course", order_by="(Lesson.day, Lesson.slug)"
    )

    @property
    def published_lessons(self) -> list[Lesson]:
        return [lesson for lesson in self.lessons if lesson.status == LessonStatus.PUBLISHED]


class Lesson(db.Model):
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    day: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[LessonStatus] = mapped_column(
        status_type(LessonStatus, "status"), default=LessonStatus.PUBLISHED
    )
    body_md: Mapped[str] = mapped_column(Text, default="")
    exercise_title: Mapped[str] = mapped_column(String(200), default="")
    exercise_minutes: Mapped[int] = mapped_column(Integer, default=5)
    exercise_md: Mapped[str] = mapped_column(Text, default="")
    reflection_md: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    # For learners already past this lesson's place when it was added, moved or published:
    # "skip" it, or "send" it at their next send time. Chosen by the admin with the change.
    late_rule: Mapped[LateRule] = mapped_column(
        status_type(LateRule, "late_rule"), default=LateRule.SKIP, server_default="skip"
    )
    # Never due before the first send slot at or after this moment (set when an admin
    # publishes), so a lesson published at 15:00 still arrives at the calm morning hour.
    available_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship(back_populates="lessons")

    @property
    def order_key(self) -> tuple[int, str]:
        return (self.day, self.slug)


class Subscriber(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    # Whether this address may get mail at all; each course has its own status on its
    # enrollment. Both are changed only by `ecourse.lifecycle`.
    status: Mapped[SubscriberStatus] = mapped_column(
        status_type(SubscriberStatus, "status"), default=SubscriberStatus.PENDING
    )
    timezone: Mapped[str | None] = mapped_column(String(64))
    # The learner's own send time ("07:30") and language; None follows the course.
    send_time: Mapped[str | None] = mapped_column(String(5))
    language: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The first time this person confirmed a sign-up (any course).
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why mail stopped, in words: "unsubscribed", "550 5.1.1 …", "spam complaint".
    suppressed_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    consents: Mapped[list[Consent]] = relationship(
        back_populates="subscriber", order_by="Consent.id"
    )
    enrollments: Mapped[list[Enrollment]] = relationship(back_populates="subscriber")


# How a consent record made by an admin's CSV import names its source.
IMPORTED = "import: "


class Consent(db.Model):
    """One sign-up for one course: what the person agreed to, when and where, and what the
    sign-up asks for until it is confirmed.

    Its confirmation link names this row (`public_id`) and enrols in exactly its course. A
    first name, time zone or language given with it waits here, and reaches the person only
    when it is confirmed: a stranger signing up someone's address changes nothing about them.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"))
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollment.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    source_url: Mapped[str] = mapped_column(String(500), default="")
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(500), default="")
    first_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    timezone: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # While unconfirmed: when to send its one reminder, and when to forget it (its personal
    # data erased). Indexed, so a pass finds them without a scan; cleared once handled.
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    forget_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    subscriber: Mapped[Subscriber] = relationship(back_populates="consents")
    course: Mapped[Course] = relationship()
    enrollment: Mapped[Enrollment | None] = relationship()

    @property
    def imported_from(self) -> str:
        """The source an admin gave when importing this person from a list (a workshop's
        sign-up sheet), empty for a sign-up of their own: their emails say how they came."""
        source = self.source_url or ""  # a record not yet flushed has no default yet
        return source[len(IMPORTED) :].strip() if source.startswith(IMPORTED) else ""


class Enrollment(db.Model):
    __table_args__ = (UniqueConstraint("subscriber_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    status: Mapped[EnrollmentStatus] = mapped_column(
        status_type(EnrollmentStatus, "status"), default=EnrollmentStatus.PENDING
    )
    # Moving a learner back to an earlier lesson starts a new round: only the deliveries of
    # the current round say where the learner is; earlier rounds stay as history.
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The learner's slower pace: this many extra days between two lessons.
    extra_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the planner should look at this enrollment again; NULL while a lesson is in
    # flight or when nothing is left. Indexed so a pass costs what is due, not what exists.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped by every ORM update: a planner that read a stale copy (another process changed
    # the enrollment meanwhile) fails its update instead of overwriting newer state.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    subscriber: Mapped[Subscriber] = relationship(back_populates="enrollments")
    course: Mapped[Course] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def zone(self) -> str:
        return zone_for(self.subscriber, self.course)


class Delivery(db.Model):
    """One email, planned before it is sent: the ledger that prevents duplicates and losses."""

    __table_args__ = (Index("ix_delivery_claimable", "status", "send_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Built by `ecourse.keys` only; unique, so planning twice can never make a second email.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[DeliveryKind] = mapped_column(status_type(DeliveryKind, "kind"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id"), index=True)
    # The course it belongs to (none for the goodbye after "delete me"), and for a
    # confirmation or reminder the sign-up it is about.
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id"))
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent.id"), index=True)
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollment.id"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id"))
    status: Mapped[DeliveryStatus] = mapped_column(
        status_type(DeliveryStatus, "status"), default=DeliveryStatus.QUEUED
    )
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    send_after: Mapped[datetime] = mapped_column(UTCDateTime)
    message_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The address for a message that must outlive the subscriber's own (the goodbye after
    # "delete me"); blanked once the message is handled. Empty: the subscriber's address.
    recipient: Mapped[str] = mapped_column(String(320), default="", server_default="")

    subscriber: Mapped[Subscriber] = relationship()
    course: Mapped[Course | None] = relationship()
    consent: Mapped[Consent | None] = relationship()
    lesson: Mapped[Lesson | None] = relationship()
    attempts_log: Mapped[list[DeliveryAttempt]] = relationship(order_by="DeliveryAttempt.id")


class DeliveryAttempt(db.Model):
    """Every handoff of a delivery and the reply it got, for "why didn't I get lesson 3?"."""

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[AttemptOutcome] = mapped_column(status_type(AttemptOutcome, "outcome"))
    detail: Mapped[str] = mapped_column(Text, default="")


class EngineState(db.Model):
    """Shared by every worker: whether sending is paused, until when, and why; the last pass."""

    id: Mapped[int] = mapped_column(primary_key=True)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pause_reason: Mapped[str] = mapped_column(Text, default="")
    last_pass_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_pass_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_pass_seconds: Mapped[float | None] = mapped_column(Float)


class ProviderEvent(db.Model):
    """A bounce or complaint reported by the email provider's webhook, as received."""

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    provider: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))  # hard bounce, soft bounce, complaint, …
    email: Mapped[str] = mapped_column(String(320), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    suppressed: Mapped[bool] = mapped_column(default=False)


class Progress(db.Model):
    """What a learner did with a lesson on its page: opened it, did the exercise.

    Counted from the learner's own visits, never from a tracking pixel.
    """

    __table_args__ = (UniqueConstraint("enrollment_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    exercise_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The learner's own tension check-in (0 to 10, before and after the exercise) and
    # private note: shown only to the learner; admins see only how many there are.
    tension_before: Mapped[int | None] = mapped_column(Integer)
    tension_after: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Admin(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    # Part of the session's login id: a new password draws a new nonce, which ends every
    # session issued before it.
    session_nonce: Mapped[str] = mapped_column(String(32), default=new_public_id)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    role: Mapped[AdminRole] = mapped_column(
        status_type(AdminRole, "role"), default=AdminRole.OWNER, server_default="owner"
    )
    # An invited admin has no password until they follow the invitation (`adminteam`).
    invited_by: Mapped[str] = mapped_column(String(320), default="", server_default="")
    # The optional second factor (`twofactor`): the TOTP secret, the last time step used
    # (a code works once), and the recovery codes, hashed, one per line.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    recovery_hashes: Mapped[str] = mapped_column(Text, default="", server_default="")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @property
    def invited(self) -> bool:
        """Invited, and not yet joined: no password set."""
        return not self.password_hash


class AdminSession(db.Model):
    """One admin login, known to the server: logging out ends it here, so a copied session
    cookie stops working at once (not only when it is 12 hours old)."""

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the key in the cookie
    admin_id: Mapped[int] = mapped_column(ForeignKey("admin.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UsedLink(db.Model):
    """A one-time link that has been used (`ecourse.learners.access`): the unique key makes a
    second use fail, on every database and from every process."""

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LessonChange(db.Model):
    """One saved change to a lesson, with the reach the admin saw and the rule chosen."""

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    admin_email: Mapped[str] = mapped_column(String(320), default="")
    action: Mapped[LessonAction] = mapped_column(status_type(LessonAction, "action"))
    late_rule: Mapped[LateRule] = mapped_column(status_type(LateRule, "late_rule"))
    will_reach: Mapped[int] = mapped_column(Integer, default=0)
    already_past: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str] = mapped_column(Text, default="")

    lesson: Mapped[Lesson] = relationship()


class Event(db.Model):
    """A change to a subscriber's course (pause, slower pace, resend, erase, …), kept as a
    record for their timeline: made by an admin, by the learner, or by the system. Written
    only by `ecourse.journal`. (The table keeps its first name, from when only admins wrote.)"""

    __tablename__ = "admin_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[ActorKind] = mapped_column(
        status_type(ActorKind, "actor"), default=ActorKind.ADMIN, server_default="admin"
    )
    admin_email: Mapped[str] = mapped_column(String(320), default="")
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscriber.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")


# The tables around a course's lessons, in their own module: media and follow-up answers.
from ecourse.core.extras import FollowUpAnswer, Media  # noqa: E402, F401
