"""hardening: session epochs, sign-in throttles, an atomic PIN counter, token expiry

Revision ID: 0007_hardening
Revises: 0006_queue
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import hotline.models.base

revision = "0007_hardening"
down_revision = "0006_queue"
branch_labels = None
depends_on = None

# Tokens made before expiry existed get the default lifetime, counted from their creation.
_TOKEN_DAYS = 365


def upgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False)
        )
        # The hard lock-out is gone (sign-in throttling has its own table).
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pin_wrong", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "pin_window_start", hotline.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expires_at", hotline.models.base.UTCDateTime(timezone=True), nullable=True)
        )
    tokens = sa.table(
        "api_tokens",
        sa.column("id", sa.Integer()),
        sa.column("created_at", hotline.models.base.UTCDateTime(timezone=True)),
        sa.column("expires_at", hotline.models.base.UTCDateTime(timezone=True)),
    )
    conn = op.get_bind()
    # Row by row in Python: date arithmetic in SQL differs between SQLite and PostgreSQL.
    for token_id, created_at in conn.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        conn.execute(
            tokens.update()
            .where(tokens.c.id == token_id)
            .values(expires_at=created_at + timedelta(days=_TOKEN_DAYS))
        )
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", hotline.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_try_at", hotline.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )


def downgrade() -> None:
    op.drop_table("login_throttles")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_column("pin_window_start")
        batch_op.drop_column("pin_wrong")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("locked_until", hotline.models.base.UTCDateTime(timezone=True), nullable=True)
        )
