"""Ending an agent's web sessions on the server side.

A session cookie names the agent's session epoch (hotline/web/ui.py); a cookie with an
older epoch signs nobody in. Raising the epoch ends every session of the agent at once,
on every device, including copies of a cookie taken before the sign-out.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from hotline.models import Agent


def end_all_sessions(session: Session, agent_id: int) -> None:
    """Raise the agent's session epoch in the database (the caller commits)."""
    session.execute(
        update(Agent)
        .where(Agent.id == agent_id)
        .values(session_epoch=Agent.session_epoch + 1)
        .execution_options(synchronize_session="fetch")
    )
