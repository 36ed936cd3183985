"""Who is on the team: the agents as `hotline agents list` shows them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Agent


def agent_roster(session: Session) -> list[dict[str, Any]]:
    """Every agent, by e-mail: email, name, phone, supervisor, available, busy, active.

    `busy`: on a call right now, as the live queue's presence records it (from answering
    until the call ends); `available`: switched on duty.
    """
    agents = session.scalars(select(Agent).order_by(Agent.email))
    return [
        {
            "email": a.email,
            "name": a.name,
            "phone": a.phone,
            "supervisor": a.supervisor,
            "available": a.available,
            "busy": a.busy_call_sid is not None,
            "active": a.active,
        }
        for a in agents
    ]
