"""API tokens beyond creating them: their lifetime, the list with the last use, revoking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Agent, ApiToken
from hotline.models.base import MAX_ID

DEFAULT_DAYS = 365
MAX_DAYS = 10 * 365


class TokenError(ValueError):
    """A token operation that cannot be done as asked."""


def expiry(now: datetime, days: int | None) -> datetime:
    """When a token made now lives out: after `days` (default 365), 1 to 3650 days."""
    days = DEFAULT_DAYS if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(f"--expires must be 1 to {MAX_DAYS} days, not {days}")
    return now + timedelta(days=days)


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown of a token: never the token or its hash."""

    id: int
    agent: str
    agent_name: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    def usable(self, now: datetime) -> bool:
        """Neither revoked nor expired."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def as_json(self, zone: tzinfo) -> dict[str, Any]:
        """The fields of `hotline tokens list --json`; times ISO 8601 in `zone`."""

        def iso(value: datetime | None) -> str | None:
            return value.astimezone(zone).isoformat() if value else None

        return {
            "id": self.id,
            "agent": self.agent,
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "last_used_at": iso(self.last_used_at),
            "revoked": self.revoked_at is not None,
        }


def list_tokens(session: Session, email: str | None = None) -> list[TokenInfo]:
    """Every token (or the agent's), newest first."""
    query = (
        select(ApiToken, Agent.email, Agent.name)
        .join(Agent, Agent.id == ApiToken.agent_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    if email is not None:
        query = query.where(Agent.email == email.strip().lower())
    return [
        TokenInfo(
            id=token.id,
            agent=agent_email,
            agent_name=agent_name,
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )
        for token, agent_email, agent_name in session.execute(query)
    ]


def revoke_token(session: Session, token_id: int, now: datetime) -> TokenInfo:
    """Revoke a token for good (again: no change); TokenError when there is none."""
    token = session.get(ApiToken, token_id) if 0 < token_id <= MAX_ID else None
    if token is None:
        raise TokenError(f"no API token with id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = now
    session.flush()
    return next(t for t in list_tokens(session, token.agent.email) if t.id == token.id)
