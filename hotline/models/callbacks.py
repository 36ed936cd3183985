"""Callback requests and their outbound attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base


class Callback(Base):
    __tablename__ = "callbacks"
    __table_args__ = (
        # The agents' list and the release sweep both read by status and time.
        Index("ix_callbacks_status_due", "status", "due_at"),
        # The list order (outage first, then oldest request): a page of 100 waiting
        # callbacks reads 100 index entries instead of sorting all of them.
        Index("ix_callbacks_list_order", "priority", "requested_at", "id"),
        Index("ix_callbacks_status_list_order", "status", "priority", "requested_at", "id"),
        Index("ix_callbacks_phone_contract", "phone", "contract_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id", ondelete="SET NULL"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id", ondelete="SET NULL"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    # The call that asked for it; unique so a repeated webhook stores it once.
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("calls.id", ondelete="SET NULL"), unique=True
    )
    category: Mapped[str] = mapped_column(String(20), default="technical")
    # Lower sorts first: 0 = outage ("Störung"), 1 = everything else.
    priority: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    requested_at: Mapped[datetime]
    due_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    recording_url: Mapped[str | None] = mapped_column(Text)
    recording_seconds: Mapped[int | None]
    customer_notified_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    # Set by the release sweep (queued -> due); `releases` counts how often, so
    # "released exactly once" is checkable after a scheduler fail-over.
    released_at: Mapped[datetime | None]
    releases: Mapped[int] = mapped_column(default=0, server_default="0")


class CallbackAttempt(Base):
    """One outbound try: the agent's leg and what became of the customer's leg."""

    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    callback_id: Mapped[int] = mapped_column(
        ForeignKey("callbacks.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    # completed | no_answer | busy | failed | twilio_error ...
    result: Mapped[str | None] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
