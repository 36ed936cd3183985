"""Tickets: unlimited, numbered sequentially, one per entitled call or e-mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base


class Counter(Base):
    """Named counters; an UPDATE ... RETURNING hands out the next number atomically."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int]


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("contracts.id", ondelete="SET NULL"), index=True
    )
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id", ondelete="SET NULL"))
    # The call that opened it; unique so a repeated webhook cannot open a second ticket.
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("calls.id", ondelete="SET NULL"), unique=True
    )
    channel: Mapped[str] = mapped_column(String(20), default="phone")
    category: Mapped[str | None] = mapped_column(String(20))
    # open | waiting (for the customer) | closed
    status: Mapped[str] = mapped_column(String(20), default="open")
    subject: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[datetime] = mapped_column(index=True)
    closed_at: Mapped[datetime | None]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    # Opened by a mail from an unknown address that named a customer number.
    # A server default only: the prepared ticket INSERTs of the webhooks leave it out.
    unverified_sender: Mapped[bool] = mapped_column(server_default=false())


class TicketNote(Base):
    """An agent's note on a ticket (what was tried, what was agreed)."""

    __tablename__ = "ticket_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)


class RemoteSession(Base):
    """A remote maintenance session (TeamViewer) on a ticket: started, ended, what was done."""

    __tablename__ = "remote_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id", ondelete="SET NULL"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    # As it was when the session started: the station's id may change later.
    teamviewer_id: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    # A session created through TeamViewer's Web API; all None when recorded by hand.
    # The supporter_link is deliberately not stored: the agent's page asks TeamViewer for
    # it when opening the session, so no output built from this row can pass it on.
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    state: Mapped[str | None] = mapped_column(String(20))
    end_customer_link: Mapped[str | None] = mapped_column(String(300))
    valid_until: Mapped[datetime | None]
    # Why TeamViewer still has the session open after the agent ended it (retry shown).
    close_error: Mapped[str | None] = mapped_column(Text)
    # The SMS with the end_customer_link: sent | failed | landline | no_number | not_configured.
    sms_to: Mapped[str | None] = mapped_column(String(20))
    sms_status: Mapped[str | None] = mapped_column(String(20))
    sms_sid: Mapped[str | None] = mapped_column(String(64))
    sms_error: Mapped[str | None] = mapped_column(Text)
