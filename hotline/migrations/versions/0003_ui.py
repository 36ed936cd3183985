"""web UI: ticket notes and remote maintenance sessions

Revision ID: 0003_ui
Revises: 0002_callbacks
"""

import sqlalchemy as sa
from alembic import op

import hotline.models.base

revision = "0003_ui"
down_revision = "0002_callbacks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("at", hotline.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_ticket_notes_agent_id_agents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_notes_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_notes")),
    )
    with op.batch_alter_table("ticket_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_notes_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "remote_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("teamviewer_id", sa.String(length=40), nullable=True),
        sa.Column("started_at", hotline.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", hotline.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_remote_sessions_agent_id_agents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_remote_sessions_station_id_stations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_remote_sessions_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remote_sessions")),
    )
    with op.batch_alter_table("remote_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_remote_sessions_ticket_id"), ["ticket_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("remote_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_remote_sessions_ticket_id"))
    op.drop_table("remote_sessions")
    with op.batch_alter_table("ticket_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_notes_ticket_id"))
    op.drop_table("ticket_notes")
