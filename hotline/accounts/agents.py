"""Creating agents, their availability, and their API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from hotline.accounts.secrets import hash_password, hash_token, new_token, same_hash
from hotline.accounts.tokens import expiry
from hotline.directory.phones import normalize
from hotline.models import Agent, ApiToken, QueueEntry, table_of


class AgentError(ValueError):
    """An agent operation that cannot be done as asked."""


def agent_phone(raw: str) -> str:
    """The agent's reachable address: E.164, or a Twilio Client identity as client:NAME."""
    if raw.startswith("client:") and len(raw) > len("client:"):
        return raw
    e164 = normalize(raw)
    if e164 is None:
        raise AgentError(f"{raw!r} is not a valid phone number (or client:NAME)")
    return e164


def add_agent(
    session: Session,
    *,
    email: str,
    name: str,
    phone: str,
    now: datetime,
    password: str | None = None,
    supervisor: bool = False,
) -> Agent:
    """Create an agent; the e-mail address is the sign-in name and must be new."""
    email = email.strip().lower()
    if "@" not in email:
        raise AgentError(f"{email!r} is not an e-mail address")
    if session.scalar(select(Agent.id).where(Agent.email == email)) is not None:
        raise AgentError(f"an agent with e-mail {email} exists already")
    if password is not None and len(password) < 10:
        raise AgentError("the password needs at least 10 characters")
    agent = Agent(
        email=email,
        name=name.strip(),
        phone=agent_phone(phone),
        password_hash=hash_password(password) if password else None,
        supervisor=supervisor,
        available=False,
        active=True,
        created_at=now,
    )
    session.add(agent)
    session.flush()
    return agent


def find_agent(session: Session, email: str) -> Agent:
    """The agent with this e-mail address."""
    agent = session.scalar(select(Agent).where(Agent.email == email.strip().lower()))
    if agent is None:
        raise AgentError(f"no agent with e-mail {email}")
    return agent


def set_available(session: Session, email: str, available: bool) -> Agent:
    """Switch whether the IVR rings this agent."""
    agent = find_agent(session, email)
    if available and not agent.active:
        raise AgentError(f"agent {agent.email} is deactivated")
    agent.available = available
    return agent


_AGENTS = table_of(Agent)
_QUEUE = table_of(QueueEntry)
# The agents the IVR rings for a new caller now, in the order they were added: on duty,
# neither talking (busy) nor being rung for a waiting caller (reserved), and nobody waiting
# in the live queue (who comes first).
AVAILABLE_AGENTS = (
    select(_AGENTS.c.id, _AGENTS.c.phone)
    .where(
        _AGENTS.c.available,
        _AGENTS.c.active,
        _AGENTS.c.busy_call_sid.is_(None),
        _AGENTS.c.reserved_for.is_(None),
        ~exists().where(_QUEUE.c.status == "waiting"),
    )
    .order_by(_AGENTS.c.id)
)


def create_token(session: Session, email: str, now: datetime, days: int | None = None) -> str:
    """A new API token for the agent, valid `days` (default 365); only its hash is kept."""
    expires_at = expiry(now, days)
    agent = find_agent(session, email)
    token = new_token()
    session.add(
        ApiToken(
            agent_id=agent.id, token_hash=hash_token(token), created_at=now, expires_at=expires_at
        )
    )
    return token


def agent_for_token(session: Session, token: str, now: datetime) -> Agent | None:
    """The active agent a bearer token belongs to, or None (also when it expired)."""
    digest = hash_token(token)
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
    )
    # The index lookup finds the row; the explicit constant-time check keeps the
    # comparison itself from leaking timing even if the lookup ever changes.
    if row is None or not same_hash(row.token_hash, digest) or not row.agent.active:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    row.last_used_at = now
    return row.agent
