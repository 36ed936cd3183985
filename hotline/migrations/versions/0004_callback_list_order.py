"""callbacks: indexes in list order, so a page of the list does not sort every row

Revision ID: 0004_callback_list_order
Revises: 0003_ui
"""

from alembic import op

revision = "0004_callback_list_order"
down_revision = "0003_ui"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_callbacks_list_order", ["priority", "requested_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_callbacks_status_list_order",
            ["status", "priority", "requested_at", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_index("ix_callbacks_status_list_order")
        batch_op.drop_index("ix_callbacks_list_order")
