"""fresh links, admin sessions, sign-up pages without their query string

A learner may ask for a fresh link by email (a delivery of the new kind `access`), usable
once: `used_link` remembers each used one. Each admin login becomes a row, so logging out
ends it on the server. The page a sign-up came from is kept without its query string and
fragment, which may name the person (`?email=…&naam=…` from a newsletter link): stored
pages lose theirs now.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 03:30:00

"""

from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from alembic import op

import ecourse.core.db  # noqa: F401  (custom column types)

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC_TIME = ecourse.core.db.UTCDateTime(timezone=True)
KINDS = ("confirm", "reminder", "lesson", "goodbye", "access")


def upgrade():
    op.create_table(
        "admin_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTC_TIME, nullable=False),
        sa.Column("ended_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["admin_id"], ["admin.id"], name=op.f("fk_admin_session_admin_id_admin")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_session")),
    )
    with op.batch_alter_table("admin_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_session_admin_id"), ["admin_id"], unique=False)
    op.create_table(
        "used_link",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("used_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_used_link")),
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_delivery_kind"), type_="check")
        allowed = ", ".join(f"'{kind}'" for kind in KINDS)
        batch_op.create_check_constraint(batch_op.f("ck_delivery_kind"), f"kind IN ({allowed})")
    _pages_without_query(op.get_bind())


def _pages_without_query(connection):
    rows = connection.execute(
        sa.text(
            "SELECT id, source_url FROM consent WHERE source_url LIKE '%?%'"
            " OR source_url LIKE '%#%'"
        )
    ).all()
    for consent_id, url in rows:
        connection.execute(
            sa.text("UPDATE consent SET source_url = :url WHERE id = :id"),
            {"url": page_only(url), "id": consent_id},
        )


def page_only(url: str) -> str:
    """The page, without what follows `?` or `#` (the same rule as `signups.page_only`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("?", 1)[0].split("#", 1)[0]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def downgrade():
    raise NotImplementedError("going back means restoring the copy made before upgrading")
