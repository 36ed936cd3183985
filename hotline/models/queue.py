"""Calls offered to the agents while open: rung at once or waiting in the live queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base


class QueueEntry(Base):
    """One call that reached the agents (or their queue); the reports count these rows.

    status: ringing (all free agents rung at once) | waiting (in Twilio's queue) |
    connecting (taken out of the queue for one agent) | answered | unanswered (nobody
    answered the ring) | left (key 1: a callback keeps the place) | abandoned (hung up
    while waiting) | failed (Twilio's queue was full or failed).
    """

    __tablename__ = "queue_entries"
    __table_args__ = (
        # The hotline's order: outage first, then the longest waiting.
        Index("ix_queue_entries_order", "status", "priority", "offered_at", "id"),
        Index("ix_queue_entries_offered_at", "offered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(String(20))
    # Lower first: 0 = outage, 1 = everything else (as callbacks).
    priority: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    queued: Mapped[bool] = mapped_column(default=False)
    offered_at: Mapped[datetime]
    # Twilio's queue, as posted to the wait URL; needed to take the caller out by REST.
    queue_sid: Mapped[str | None] = mapped_column(String(64))
    announced_at: Mapped[datetime | None]
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    dequeued_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    rest_failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    callback_id: Mapped[int | None] = mapped_column(ForeignKey("callbacks.id", ondelete="SET NULL"))
    # The caller switched to the other language (the greeting's key): the dispatcher's
    # connect URL carries it, so a caller taken out of the queue is answered in it.
    language: Mapped[str | None] = mapped_column(String(8))
