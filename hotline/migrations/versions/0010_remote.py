"""remote_sessions: TeamViewer Web API sessions (code, state, end-customer link, SMS)

Revision ID: 0010_remote
Revises: 0007_hardening
"""

import sqlalchemy as sa
from alembic import op

import hotline.models.base

revision = "0010_remote"
down_revision = "0007_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("remote_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("state", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("end_customer_link", sa.String(length=300), nullable=True))
        batch_op.add_column(
            sa.Column("valid_until", hotline.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("close_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("sms_to", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("sms_status", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("sms_sid", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("sms_error", sa.Text(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_remote_sessions_code"), ["code"])


def downgrade() -> None:
    with op.batch_alter_table("remote_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_remote_sessions_code"), type_="unique")
        for column in (
            "sms_error",
            "sms_sid",
            "sms_status",
            "sms_to",
            "close_error",
            "valid_until",
            "end_customer_link",
            "state",
            "code",
        ):
            batch_op.drop_column(column)
