"""media: the SHA-256 of the file a course import last brought

An import replaces an audio guide or photo only when its file changed since the last
import, as it does a lesson: re-importing the same folder keeps an audio guide an admin
uploaded in the web since. Empty for a file that came from the web.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 12:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("imported_sha256", sa.String(length=64), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_column("imported_sha256")
