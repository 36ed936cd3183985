"""Support agents and their API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # E.164, or "client:NAME" for a Twilio Client (browser/softphone) identity.
    phone: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    available: Mapped[bool] = mapped_column(default=False)
    supervisor: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Part of every session's identity: raising it (sign-out, deactivation, a new
    # password) ends all sessions of the agent at once, on the server side.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime]
    # Presence (the live queue): busy with this call (the caller's CallSid, or the agent's
    # leg of a callback) since then; reserved while being rung for a waiting caller.
    busy_call_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    busy_since: Mapped[datetime | None]
    reserved_for: Mapped[str | None] = mapped_column(String(64))
    reserved_until: Mapped[datetime | None]

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="agent", cascade="all, delete-orphan"
    )


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    agent: Mapped[Agent] = relationship(back_populates="tokens")
