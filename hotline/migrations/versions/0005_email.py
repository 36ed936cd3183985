"""e-mail channel: mails (in and the outbox), attachments, IMAP progress, cancellations by
mail, undeliverable addresses; tickets get an assignee and the unverified-sender mark

Revision ID: 0005_email
Revises: 0004_callback_list_order
"""

import sqlalchemy as sa
from alembic import op

from hotline.models.base import UTCDateTime

revision = "0005_email"
down_revision = "0004_callback_list_order"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("dedup_key", sa.String(length=64), nullable=True),
        sa.Column("message_id", sa.String(length=998), nullable=True),
        sa.Column("in_reply_to", sa.Text(), nullable=True),
        sa.Column("references", sa.Text(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("from_address", sa.String(length=320), nullable=False),
        sa.Column("from_name", sa.String(length=320), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("auto", sa.Boolean(), nullable=False),
        sa.Column("unverified_sender", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("unassigned_reason", sa.String(length=40), nullable=True),
        sa.Column("discarded_at", UTCDateTime(), nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.Column("raw_size", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("send_status", sa.String(length=20), nullable=True),
        sa.Column("send_attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_mails_agent_id_agents"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_mails_contract_id_contracts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_mails_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mails")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_mails_dedup_key")),
    )
    op.create_index("ix_mails_ticket_at", "mails", ["ticket_id", "created_at"])
    op.create_index("ix_mails_message_id", "mails", ["message_id"])
    op.create_index("ix_mails_to_auto_at", "mails", ["to_address", "auto", "created_at"])
    op.create_index("ix_mails_send_status", "mails", ["send_status", "next_attempt_at"])
    op.create_index("ix_mails_unassigned", "mails", ["unassigned_reason", "discarded_at"])
    op.create_index(op.f("ix_mails_contract_id"), "mails", ["contract_id"])
    op.create_index(op.f("ix_mails_from_address"), "mails", ["from_address"])
    op.create_table(
        "mail_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=500), nullable=False),
        sa.Column("content_type", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mail_id"],
            ["mails.id"],
            name=op.f("fk_mail_attachments_mail_id_mails"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_attachments")),
    )
    op.create_index(op.f("ix_mail_attachments_mail_id"), "mail_attachments", ["mail_id"])
    op.create_table(
        "imap_folder_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=400), nullable=False),
        sa.Column("uidvalidity", sa.Integer(), nullable=False),
        sa.Column("last_uid", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imap_folder_states")),
        sa.UniqueConstraint("account", name=op.f("uq_imap_folder_states_account")),
    )
    op.create_table(
        "mail_cancellations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("mail_id", sa.Integer(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmation_mail_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["confirmation_mail_id"],
            ["mails.id"],
            name=op.f("fk_mail_cancellations_confirmation_mail_id_mails"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["agents.id"],
            name=op.f("fk_mail_cancellations_confirmed_by_id_agents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_mail_cancellations_contract_id_contracts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mail_id"],
            ["mails.id"],
            name=op.f("fk_mail_cancellations_mail_id_mails"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_mail_cancellations_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_cancellations")),
    )
    op.create_index(
        op.f("ix_mail_cancellations_contract_id"), "mail_cancellations", ["contract_id"]
    )
    op.create_table(
        "undeliverable_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("mail_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_undeliverable_addresses_contract_id_contracts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["mail_id"],
            ["mails.id"],
            name=op.f("fk_undeliverable_addresses_mail_id_mails"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_undeliverable_addresses")),
        sa.UniqueConstraint("address", name=op.f("uq_undeliverable_addresses_address")),
    )
    op.create_index(
        op.f("ix_undeliverable_addresses_contract_id"), "undeliverable_addresses", ["contract_id"]
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("unverified_sender", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_assignee_id_agents"),
            "agents",
            ["assignee_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # Senders are matched case-insensitively against customers' and admins' addresses.
    op.create_index("ix_customers_email_lower", "customers", [sa.text("lower(email)")])
    op.create_index("ix_contacts_email_lower", "contacts", [sa.text("lower(email)")])
    op.create_index("ix_contracts_customer_id", "contracts", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_contracts_customer_id", table_name="contracts")
    op.drop_index("ix_contacts_email_lower", table_name="contacts")
    op.drop_index("ix_customers_email_lower", table_name="customers")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_tickets_assignee_id_agents"), type_="foreignkey")
        batch_op.drop_column("unverified_sender")
        batch_op.drop_column("assignee_id")
    op.drop_table("undeliverable_addresses")
    op.drop_table("mail_cancellations")
    op.drop_table("imap_folder_states")
    op.drop_table("mail_attachments")
    op.drop_table("mails")
