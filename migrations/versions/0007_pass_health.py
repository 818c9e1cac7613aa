"""the last scheduler pass, kept where every process sees it

Each pass of the scheduler writes when it started, when it finished and how long it took
into the one `engine_state` row, so that `/healthz` on any web process can tell whether a
worker is alive, and `/metrics` can show the last pass to Prometheus.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 06:35:00

"""

import sqlalchemy as sa
from alembic import op

import ecourse.core.db  # noqa: F401  (custom column types)

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC_TIME = ecourse.core.db.UTCDateTime(timezone=True)


def upgrade():
    with op.batch_alter_table("engine_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_pass_started_at", UTC_TIME, nullable=True))
        batch_op.add_column(sa.Column("last_pass_finished_at", UTC_TIME, nullable=True))
        batch_op.add_column(sa.Column("last_pass_seconds", sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table("engine_state", schema=None) as batch_op:
        batch_op.drop_column("last_pass_seconds")
        batch_op.drop_column("last_pass_finished_at")
        batch_op.drop_column("last_pass_started_at")
