"""admins in the web: roles, invitations, an optional second factor

Each admin gets a role: owner (everything) or editor (the lessons and their previews only).
Admins made before this migration were made on the server, so they become owners. An
invited admin is a row without a password until the invitation is followed; `invited_by`
names who invited them. The optional TOTP second factor keeps its secret, the last time
step used (a code works once) and hashed recovery codes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 07:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("admin", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(length=20), nullable=False, server_default="owner")
        )
        batch_op.add_column(
            sa.Column("invited_by", sa.String(length=320), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("recovery_hashes", sa.Text(), nullable=False, server_default="")
        )
        batch_op.create_check_constraint(batch_op.f("ck_admin_role"), "role IN ('owner', 'editor')")


def downgrade():
    with op.batch_alter_table("admin", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_admin_role"), type_="check")
        batch_op.drop_column("recovery_hashes")
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_secret")
        batch_op.drop_column("invited_by")
        batch_op.drop_column("role")
