"""queue_entries.language: the language a caller switched to, for the dispatcher's connect URL

Revision ID: 0012_queue_language
Revises: 0011_office_messages
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_queue_language"
down_revision = "0011_office_messages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queue_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("queue_entries", schema=None) as batch_op:
        batch_op.drop_column("language")
