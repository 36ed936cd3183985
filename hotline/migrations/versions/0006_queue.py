"""the live queue: agents' presence, calls offered to the agents (queue_entries)

Revision ID: 0006_queue
Revises: 0005_email
"""

import sqlalchemy as sa
from alembic import op

from hotline.models.base import UTCDateTime

revision = "0006_queue"
down_revision = "0005_email"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("busy_call_sid", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("busy_since", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("reserved_for", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("reserved_until", UTCDateTime(), nullable=True))
        batch_op.create_index("ix_agents_busy_call_sid", ["busy_call_sid"], unique=False)
    op.create_table(
        "queue_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("queued", sa.Boolean(), nullable=False),
        sa.Column("offered_at", UTCDateTime(), nullable=False),
        sa.Column("queue_sid", sa.String(length=64), nullable=True),
        sa.Column("announced_at", UTCDateTime(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("dequeued_at", UTCDateTime(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("rest_failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("callback_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_queue_entries_agent_id_agents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_queue_entries_call_id_calls"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["callback_id"],
            ["callbacks.id"],
            name=op.f("fk_queue_entries_callback_id_callbacks"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_queue_entries_contract_id_contracts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_entries")),
        sa.UniqueConstraint("call_sid", name=op.f("uq_queue_entries_call_sid")),
    )
    op.create_index(
        "ix_queue_entries_order",
        "queue_entries",
        ["status", "priority", "offered_at", "id"],
        unique=False,
    )
    op.create_index("ix_queue_entries_offered_at", "queue_entries", ["offered_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_queue_entries_offered_at", table_name="queue_entries")
    op.drop_index("ix_queue_entries_order", table_name="queue_entries")
    op.drop_table("queue_entries")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_index("ix_agents_busy_call_sid")
        batch_op.drop_column("reserved_until")
        batch_op.drop_column("reserved_for")
        batch_op.drop_column("busy_since")
        batch_op.drop_column("busy_call_sid")
