"""The e-mail channel's tables: mails in and out (the outbox too), their attachments,
IMAP progress, cancellations received by mail and addresses that bounce."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base
from hotline.models.customers import Contact, Contract, Customer


class Mail(Base):
    """One message: received (direction "in") or written by the hotline ("out").

    Inbound mails that open no ticket keep `ticket_id` NULL and say why in
    `unassigned_reason`: the supervisors' inbox "Nicht zugeordnet" lists them.
    Outbound mails are the outbox: `send_status` pending → sending → sent, or failed
    (retried by the scheduler), with the whole message in `raw` so a retry sends the
    very same bytes and Message-ID.
    """

    __tablename__ = "mails"
    __table_args__ = (
        Index("ix_mails_ticket_at", "ticket_id", "created_at"),
        Index("ix_mails_message_id", "message_id"),
        # The hourly limit of automatic answers counts per recipient.
        Index("ix_mails_to_auto_at", "to_address", "auto", "created_at"),
        Index("ix_mails_send_status", "send_status", "next_attempt_at"),
        Index("ix_mails_unassigned", "unassigned_reason", "discarded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    # Message-ID plus a hash of the content: unique, so a mail delivered twice is stored once
    # while two different mails that reuse one Message-ID are both kept.
    dedup_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(998))
    in_reply_to: Mapped[str | None] = mapped_column(Text)
    references: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("contracts.id", ondelete="SET NULL"), index=True
    )
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    from_address: Mapped[str] = mapped_column(String(320), default="", index=True)
    from_name: Mapped[str] = mapped_column(String(320), default="")
    to_address: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # mail | bounce | ack | not_entitled | no_contract | reply | cancellation_confirmation
    kind: Mapped[str] = mapped_column(String(30), default="mail")
    # An automatic mail (ours with Auto-Submitted, or a received one that says it is one).
    auto: Mapped[bool] = mapped_column(default=False)
    unverified_sender: Mapped[bool] = mapped_column(default=False)
    # What the hotline noticed while reading it: headers kept raw, attachments left out.
    notes: Mapped[str] = mapped_column(Text, default="")
    unassigned_reason: Mapped[str | None] = mapped_column(String(40))
    discarded_at: Mapped[datetime | None]
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    raw_size: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    # Outbound only.
    send_status: Mapped[str | None] = mapped_column(String(20))
    send_attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class MailAttachment(Base):
    __tablename__ = "mail_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    mail_id: Mapped[int] = mapped_column(ForeignKey("mails.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(500), default="")
    content_type: Mapped[str] = mapped_column(String(200), default="application/octet-stream")
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ImapFolderState(Base):
    """How far `hotline mail fetch` got in one folder: UIDs count only within one UIDVALIDITY."""

    __tablename__ = "imap_folder_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(400), unique=True)
    uidvalidity: Mapped[int]
    last_uid: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]


class MailCancellation(Base):
    """A cancellation received by e-mail: flagged, until a supervisor confirms it."""

    __tablename__ = "mail_cancellations"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("mails.id", ondelete="SET NULL"))
    received_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL")
    )
    confirmation_mail_id: Mapped[int | None] = mapped_column(
        ForeignKey("mails.id", ondelete="SET NULL")
    )


class UndeliverableAddress(Base):
    """An address a mail of ours bounced from; shown on the contract page."""

    __tablename__ = "undeliverable_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320), unique=True)
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("contracts.id", ondelete="SET NULL"), index=True
    )
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("mails.id", ondelete="SET NULL"))
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]


# Senders are matched case-insensitively against customers' and admins' addresses, and
# from a customer to its contracts.
Index("ix_customers_email_lower", func.lower(Customer.email))
Index("ix_contacts_email_lower", func.lower(Contact.email))
Index("ix_contracts_customer_id", Contract.customer_id)
