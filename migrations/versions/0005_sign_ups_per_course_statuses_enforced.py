"""sign-ups per course, statuses enforced

A sign-up (a `consent` row) becomes the unit of confirming: it gets its own public id for
its link, its own reminder and forget moments (moved from the subscriber), the first name,
time zone and language it asks for, and the enrollment it is for. Every course someone
signed up for but did not confirm gets a `pending` enrollment. Deliveries learn their course
and, for confirmations and reminders, their sign-up. Enrollments of bounced and erased
people say so. Every status and kind column gets a CHECK constraint.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 21:40:39.056236

"""

import secrets

import sqlalchemy as sa
from alembic import op

import ecourse.core.db  # noqa: F401  (custom column types)

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The values each column may hold from now on (ecourse/statuses.py at this revision).
CHECKS = {
    ("subscriber", "status"): ("pending", "active", "unsubscribed", "bounced", "erased"),
    ("enrollment", "status"): (
        "pending",
        "active",
        "paused",
        "completed",
        "stopped",
        "bounced",
        "erased",
    ),
    ("delivery", "kind"): ("confirm", "reminder", "lesson", "goodbye"),
    ("delivery", "status"): ("queued", "sending", "sent", "failed", "cancelled", "skipped"),
    ("delivery_attempt", "outcome"): ("sent", "retry", "failed", "reclaimed"),
    ("lesson", "status"): ("draft", "published"),
    ("lesson", "late_rule"): ("skip", "send"),
    ("lesson_change", "action"): ("created", "edited", "published", "unpublished", "moved"),
    ("lesson_change", "late_rule"): ("skip", "send"),
    ("admin_event", "actor"): ("learner", "admin", "system"),
}
UTC_TIME = ecourse.core.db.UTCDateTime(timezone=True)


def upgrade():
    _add_columns()
    connection = op.get_bind()
    _give_sign_ups_public_ids(connection)
    _pending_enrollments(connection)
    _move_follow_ups_to_sign_ups(connection)
    _ended_enrollments_say_why(connection)
    _deliveries_know_their_course(connection)
    _finish_columns()
    _enforce_statuses(connection)


def _add_columns():
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("enrollment_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("first_name", sa.String(length=100), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("language", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("remind_at", UTC_TIME, nullable=True))
        batch_op.add_column(sa.Column("forget_at", UTC_TIME, nullable=True))
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("course_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("consent_id", sa.Integer(), nullable=True))


def _give_sign_ups_public_ids(connection):
    ids = connection.execute(sa.text("SELECT id FROM consent")).scalars().all()
    for consent_id in ids:
        connection.execute(
            sa.text("UPDATE consent SET public_id = :public_id WHERE id = :id"),
            {"public_id": secrets.token_urlsafe(16), "id": consent_id},
        )


def _pending_enrollments(connection):
    """Every course signed up for gets an enrollment; one not yet confirmed is pending."""
    missing = connection.execute(
        sa.text(
            "SELECT consent.subscriber_id, consent.course_id, min(consent.created_at),"
            " subscriber.status FROM consent"
            " JOIN subscriber ON subscriber.id = consent.subscriber_id"
            " WHERE NOT EXISTS (SELECT 1 FROM enrollment WHERE"
            " enrollment.subscriber_id = consent.subscriber_id"
            " AND enrollment.course_id = consent.course_id)"
            " GROUP BY consent.subscriber_id, consent.course_id, subscriber.status"
        )
    ).all()
    enrollment = sa.table(
        "enrollment",
        *(sa.column(name) for name in ("subscriber_id", "course_id", "status", "round")),
        *(sa.column(name) for name in ("extra_days", "version")),
        sa.column("started_at", UTC_TIME),
    )
    for subscriber_id, course_id, first_signed_up, person in missing:
        connection.execute(
            sa.insert(enrollment).values(
                subscriber_id=subscriber_id,
                course_id=course_id,
                status="erased" if person == "erased" else "pending",
                round=1,
                extra_days=0,
                version=1,
                started_at=_aware(first_signed_up),
            )
        )
    connection.execute(
        sa.text(
            "UPDATE consent SET enrollment_id = (SELECT enrollment.id FROM enrollment"
            " WHERE enrollment.subscriber_id = consent.subscriber_id"
            " AND enrollment.course_id = consent.course_id)"
        )
    )


def _aware(value):
    """A value read back by raw SQL: SQLite gives naive UTC text, PostgreSQL an aware one."""
    from datetime import UTC, datetime

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _move_follow_ups_to_sign_ups(connection):
    """The reminder and forget moments belonged to the person; now to their latest sign-up."""
    connection.execute(
        sa.text(
            "UPDATE consent SET"
            " remind_at = (SELECT remind_at FROM subscriber WHERE subscriber.id = consent.subscriber_id),"
            " forget_at = (SELECT forget_at FROM subscriber WHERE subscriber.id = consent.subscriber_id)"
            " WHERE consent.id = (SELECT max(latest.id) FROM consent AS latest"
            " WHERE latest.subscriber_id = consent.subscriber_id)"
        )
    )


def _ended_enrollments_say_why(connection):
    for status in ("bounced", "erased"):
        connection.execute(
            sa.text(
                "UPDATE enrollment SET status = :status WHERE status = 'stopped'"
                " AND subscriber_id IN (SELECT id FROM subscriber WHERE status = :status)"
            ),
            {"status": status},
        )


def _deliveries_know_their_course(connection):
    """A lesson's course is its lesson's; a confirmation's or reminder's is that of the
    sign-up it was about: the subscriber's latest sign-up when it was queued."""
    connection.execute(
        sa.text(
            "UPDATE delivery SET course_id = (SELECT lesson.course_id FROM lesson"
            " WHERE lesson.id = delivery.lesson_id) WHERE lesson_id IS NOT NULL"
        )
    )
    connection.execute(
        sa.text(
            "UPDATE delivery SET consent_id = (SELECT max(consent.id) FROM consent"
            " WHERE consent.subscriber_id = delivery.subscriber_id"
            " AND consent.created_at <= delivery.created_at)"
            " WHERE kind IN ('confirm', 'reminder')"
        )
    )
    connection.execute(
        sa.text(
            "UPDATE delivery SET"
            " course_id = (SELECT consent.course_id FROM consent WHERE consent.id = delivery.consent_id),"
            " enrollment_id = (SELECT consent.enrollment_id FROM consent"
            " WHERE consent.id = delivery.consent_id)"
            " WHERE consent_id IS NOT NULL"
        )
    )


def _finish_columns():
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.alter_column("public_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_index(batch_op.f("ix_consent_enrollment_id"), ["enrollment_id"])
        batch_op.create_index(batch_op.f("ix_consent_forget_at"), ["forget_at"])
        batch_op.create_index(batch_op.f("ix_consent_remind_at"), ["remind_at"])
        batch_op.create_unique_constraint(batch_op.f("uq_consent_public_id"), ["public_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_consent_enrollment_id_enrollment"),
            "enrollment",
            ["enrollment_id"],
            ["id"],
        )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_consent_id"), ["consent_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_delivery_consent_id_consent"), "consent", ["consent_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_delivery_course_id_course"), "course", ["course_id"], ["id"]
        )
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriber_forget_at"))
        batch_op.drop_index(batch_op.f("ix_subscriber_remind_at"))
        batch_op.drop_column("forget_at")
        batch_op.drop_column("remind_at")


def _enforce_statuses(connection):
    """Refuse to go on if a row holds a value the code does not know; then the CHECKs."""
    for (table, column), values in CHECKS.items():
        allowed = ", ".join(f"'{value}'" for value in values)
        strays = connection.execute(
            sa.text(f"SELECT DISTINCT {column} FROM {table} WHERE {column} NOT IN ({allowed})")
        ).scalars()
        unknown = list(strays)
        if unknown:
            raise RuntimeError(f"{table}.{column} holds unknown values {unknown}: fix them first")
    for table in sorted({table for table, _ in CHECKS}):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for (checked, column), values in CHECKS.items():
                if checked == table:
                    allowed = ", ".join(f"'{value}'" for value in values)
                    batch_op.alter_column(
                        column, existing_type=sa.String(length=20), type_=sa.String(length=20)
                    )
                    batch_op.create_check_constraint(
                        batch_op.f(f"ck_{table}_{column}"), f"{column} IN ({allowed})"
                    )


def downgrade():
    raise NotImplementedError("going back means restoring the copy made before upgrading")
