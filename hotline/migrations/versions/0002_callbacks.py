"""callbacks: released_at and releases (the release sweep's trace)

Revision ID: 0002_callbacks
Revises: 0001_initial
"""

import sqlalchemy as sa
from alembic import op

import hotline.models.base

revision = "0002_callbacks"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("released_at", hotline.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("releases", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_column("releases")
        batch_op.drop_column("released_at")
