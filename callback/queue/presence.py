"""Agents' presence from call state: free, busy (talking), reserved (rung for a waiting caller).

An agent is busy from the whisper request of their answer (or the answer of a callback's
agent leg) until that call ends; the row, not any process, holds it, so every web worker
and host sees the same presence.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.sql.dml import Update

from hotline.models import Agent, Call, table_of

log = logging.getLogger(__name__)

AGENTS = table_of(Agent)
CALLS = table_of(Call)
ON_DUTY = (AGENTS.c.available, AGENTS.c.active)
FREE = (*ON_DUTY, AGENTS.c.busy_call_sid.is_(None), AGENTS.c.reserved_for.is_(None))


def agent_answered(conn: Connection, *, phone: str, call_sid: str, now: datetime) -> int | None:
    """The agent reached at `phone` answered `call_sid`: busy now. Their id, or None."""
    if not phone:
        return None
    agent_id = conn.scalar(select(AGENTS.c.id).where(AGENTS.c.phone == phone).limit(1))
    if agent_id is None:
        return None
    conn.execute(
        update(AGENTS)
        .where(AGENTS.c.id == agent_id)
        .values(busy_call_sid=call_sid, busy_since=now, reserved_for=None, reserved_until=None)
    )
    return int(agent_id)


def phone_of(conn: Connection, agent_id: int) -> str | None:
    """The agent's phone; None for an agent that no longer exists."""
    phone = conn.scalar(select(AGENTS.c.phone).where(AGENTS.c.id == agent_id))
    return str(phone) if phone is not None else None


def agent_busy(conn: Connection, agent_id: int, call_sid: str, now: datetime) -> None:
    """The agent answered a callback's leg `call_sid`: busy until that call ends."""
    conn.execute(
        update(AGENTS)
        .where(AGENTS.c.id == agent_id)
        .values(busy_call_sid=call_sid, busy_since=now, reserved_for=None, reserved_until=None)
    )


# The call whose sid is bound is over: its agent is free (bind names unique among the
# statements a webhook writes with its answer, ivr_flows/fastpath/call_row.py).
FREE_BUSY = (
    update(AGENTS)
    .where(AGENTS.c.busy_call_sid == bindparam("qfb_sid"))
    .values(busy_call_sid=None, busy_since=None)
)
FREE_RESERVED = (
    update(AGENTS)
    .where(AGENTS.c.reserved_for == bindparam("qfr_sid"))
    .values(reserved_for=None, reserved_until=None)
)


def free_writes(call_sid: str) -> list[tuple[Update, dict[str, Any]]]:
    """The writes that free the agent of call `call_sid` (busy with it or reserved for it)."""
    return [(FREE_BUSY, {"qfb_sid": call_sid}), (FREE_RESERVED, {"qfr_sid": call_sid})]


def free_agents_of(conn: Connection, call_sid: str) -> int:
    """The call `call_sid` is over: its agent is free again (busy with it or reserved for it)."""
    if not call_sid:
        return 0
    return sum(conn.execute(write, params).rowcount for write, params in free_writes(call_sid))


def reserve(conn: Connection, agent_id: int, call_sid: str, until: datetime) -> bool:
    """Reserve a free agent for the waiting caller `call_sid`; False when no longer free."""
    result = conn.execute(
        update(AGENTS)
        .where(AGENTS.c.id == agent_id, *FREE)
        .values(reserved_for=call_sid, reserved_until=until)
    )
    return result.rowcount == 1


def release(conn: Connection, agent_id: int, call_sid: str) -> None:
    """Give up the agent's reservation for `call_sid` (the caller was not put through)."""
    conn.execute(
        update(AGENTS)
        .where(AGENTS.c.id == agent_id, AGENTS.c.reserved_for == call_sid)
        .values(reserved_for=None, reserved_until=None)
    )


def missed(conn: Connection, agent_id: int, call_sid: str) -> None:
    """The agent rung for waiting caller `call_sid` did not answer: off duty, so that the
    queue does not ring an empty desk again and again (they switch back on)."""
    changed = conn.execute(
        update(AGENTS)
        .where(AGENTS.c.id == agent_id, AGENTS.c.reserved_for == call_sid)
        .values(reserved_for=None, reserved_until=None, available=False)
    ).rowcount
    if changed:
        log.warning("agent %s did not answer waiting caller %s: off duty now", agent_id, call_sid)


def free_agent_ids(conn: Connection) -> list[int]:
    """The free agents, in a stable order."""
    return [int(i) for i in conn.scalars(select(AGENTS.c.id).where(*FREE).order_by(AGENTS.c.id))]


def on_duty(conn: Connection) -> int:
    """How many agents are switched available (free or not)."""
    return int(conn.scalar(select(func.count()).select_from(AGENTS).where(*ON_DUTY)) or 0)


def release_stale(conn: Connection, now: datetime, max_call_minutes: int) -> int:
    """Free agents whose call ended without its `<Dial action>`, whose end of call never
    came (after `max_call_minutes`, logged), and reservations whose ring is over. Reads
    first: writes only when needed."""
    oldest = now - timedelta(minutes=max_call_minutes)
    stale = conn.execute(
        select(AGENTS.c.id, AGENTS.c.email, AGENTS.c.busy_call_sid).where(
            AGENTS.c.busy_since < oldest
        )
    ).all()
    for agent_id, email, call_sid in stale:
        log.warning(
            "agent %s (%s) busy with %s for more than %d minutes without an end of call: "
            "free again",
            agent_id,
            email,
            call_sid,
            max_call_minutes,
        )
        conn.execute(
            update(AGENTS)
            .where(AGENTS.c.id == agent_id, AGENTS.c.busy_since < oldest)
            .values(busy_call_sid=None, busy_since=None)
        )
    # The call ended (Twilio's status callback) but its `<Dial action>` did not free them.
    over = conn.execute(
        select(AGENTS.c.id, AGENTS.c.busy_call_sid)
        .join(CALLS, CALLS.c.call_sid == AGENTS.c.busy_call_sid)
        .where(CALLS.c.ended_at.is_not(None))
    ).all()
    for agent_id, call_sid in over:
        conn.execute(
            update(AGENTS)
            .where(AGENTS.c.id == agent_id, AGENTS.c.busy_call_sid == call_sid)
            .values(busy_call_sid=None, busy_since=None)
        )
    expired = conn.scalars(select(AGENTS.c.id).where(AGENTS.c.reserved_until < now)).all()
    if expired:
        conn.execute(
            update(AGENTS)
            .where(AGENTS.c.id.in_(expired), AGENTS.c.reserved_until < now)
            .values(reserved_for=None, reserved_until=None)
        )
    return len(stale) + len(over) + len(expired)


@dataclass(frozen=True)
class Presence:
    """Agents by state, for the wallboard."""

    free: int
    busy: int
    off_duty: int


def presence(conn: Connection) -> Presence:
    """How many active agents are free, busy (talking or being rung) or off duty."""
    rows = conn.execute(
        select(AGENTS.c.available, AGENTS.c.busy_call_sid, AGENTS.c.reserved_for).where(
            AGENTS.c.active
        )
    ).all()
    free = busy = off = 0
    for available, busy_sid, reserved in rows:
        if busy_sid is not None or reserved is not None:
            busy += 1
        elif available:
            free += 1
        else:
            off += 1
    return Presence(free=free, busy=busy, off_duty=off)
