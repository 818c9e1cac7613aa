"""the course's second edition: its academy, teacher and reply address; a FAQ, a worksheet
and a follow-up email in its files; audio guides and a teacher's photo; follow-up answers

The new course columns hold what `course.yml` and the course folder's `faq.md`,
`worksheet.md` and `follow-up.md` say. `media` keeps an exercise's audio guide (one per
lesson) and the teacher's photo in the database, so every worker and every backup has them.
A delivery may now be a follow-up; `follow_up_answer` keeps one answer per enrollment.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 10:40:00

"""

import sqlalchemy as sa
from alembic import op

import ecourse.core.db  # noqa: F401  (custom column types)

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC_TIME = ecourse.core.db.UTCDateTime(timezone=True)
KINDS = ("confirm", "reminder", "lesson", "goodbye", "access")
COURSE_TEXT = ("academy_url", "reply_to", "teacher_name", "teacher_bio")
COURSE_FILES = ("faq_md", "worksheet_md", "follow_up_md", "next_dates")
LENGTHS = {"academy_url": 500, "reply_to": 320, "teacher_name": 200}


def upgrade():
    with op.batch_alter_table("course", schema=None) as batch_op:
        for name in COURSE_TEXT + COURSE_FILES:
            kind = sa.String(length=LENGTHS[name]) if name in LENGTHS else sa.Text()
            batch_op.add_column(sa.Column(name, kind, nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("follow_up_days", sa.Integer(), nullable=False, server_default="7")
        )
    _media()
    _answers()
    _delivery_kinds(KINDS + ("follow_up",))


def _media():
    op.create_table(
        "media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "audio", "photo", name="kind", native_enum=False, length=20, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_media_course_id_course")
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lesson.id"], name=op.f("fk_media_lesson_id_lesson")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media")),
        sa.UniqueConstraint("lesson_id", name=op.f("uq_media_lesson_id")),
    )
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_course_id"), ["course_id"], unique=False)


def _answers():
    op.create_table(
        "follow_up_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("answered_at", UTC_TIME, nullable=False),
        sa.CheckConstraint(
            "score BETWEEN 1 AND 5", name=op.f("ck_follow_up_answer_score_one_to_five")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_follow_up_answer_course_id_course")
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollment.id"],
            name=op.f("fk_follow_up_answer_enrollment_id_enrollment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_answer")),
        sa.UniqueConstraint("enrollment_id", name=op.f("uq_follow_up_answer_enrollment_id")),
    )
    with op.batch_alter_table("follow_up_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_follow_up_answer_course_id"), ["course_id"], unique=False
        )


def _delivery_kinds(kinds):
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_delivery_kind"), type_="check")
        allowed = ", ".join(f"'{kind}'" for kind in kinds)
        batch_op.create_check_constraint(batch_op.f("ck_delivery_kind"), f"kind IN ({allowed})")


def downgrade():
    followups = "SELECT id FROM delivery WHERE kind = 'follow_up'"
    op.execute(f"DELETE FROM delivery_attempt WHERE delivery_id IN ({followups})")
    op.execute("DELETE FROM delivery WHERE kind = 'follow_up'")
    _delivery_kinds(KINDS)
    op.drop_table("follow_up_answer")
    op.drop_table("media")
    with op.batch_alter_table("course", schema=None) as batch_op:
        for name in ("follow_up_days",) + COURSE_FILES[::-1] + COURSE_TEXT[::-1]:
            batch_op.drop_column(name)
