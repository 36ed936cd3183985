"""Phone calls (one row per Twilio CallSid), their steps and PIN attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base


class Call(Base):
    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(20), default="inbound")
    # As Twilio sent it (may be "anonymous"); caller_e164 when it was a valid number.
    from_raw: Mapped[str] = mapped_column(String(64), default="")
    caller_e164: Mapped[str | None] = mapped_column(String(20), index=True)
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("contracts.id", ondelete="SET NULL"), index=True
    )
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    # outage | technical | legal, once the caller chose.
    category: Mapped[str | None] = mapped_column(String(20))
    # Where the call ended up: agent, callback, no_contract, sent_to_admin, ...
    outcome: Mapped[str | None] = mapped_column(String(40))
    twilio_status: Mapped[str | None] = mapped_column(String(20))
    pin_failures: Mapped[int] = mapped_column(default=0)
    identify_failures: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]
    duration_seconds: Mapped[int | None]


class CallStep(Base):
    """A webhook already answered for a call, so Twilio's retry gets the same TwiML."""

    __tablename__ = "call_steps"
    __table_args__ = (UniqueConstraint("call_sid", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(200))
    twiml: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class PinAttempt(Base):
    """A wrong admin PIN, counted per contract for the hourly lock."""

    __tablename__ = "pin_attempts"
    __table_args__ = (Index("ix_pin_attempts_contract_at", "contract_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    call_sid: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
