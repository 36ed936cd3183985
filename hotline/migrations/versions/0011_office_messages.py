"""office_messages: messages for the office from callers whose contract has ended

Revision ID: 0011_office_messages
Revises: 0010_remote
"""

import sqlalchemy as sa
from alembic import op

import hotline.models.base

revision = "0011_office_messages"
down_revision = "0010_remote"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("left_at", hotline.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recording_url", sa.String(length=300), nullable=True),
        sa.Column("recording_seconds", sa.Integer(), nullable=True),
        sa.Column("done_at", hotline.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_office_messages_call_id_calls"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_office_messages_contract_id_contracts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"],
            ["agents.id"],
            name=op.f("fk_office_messages_done_by_id_agents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_messages")),
        sa.UniqueConstraint("call_id", name=op.f("uq_office_messages_call_id")),
    )
    with op.batch_alter_table("office_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_office_messages_contract_id"), ["contract_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_office_messages_left_at"), ["left_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_office_messages_phone"), ["phone"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("office_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_office_messages_phone"))
        batch_op.drop_index(batch_op.f("ix_office_messages_left_at"))
        batch_op.drop_index(batch_op.f("ix_office_messages_contract_id"))
    op.drop_table("office_messages")
