"""Opening tickets and handing out their numbers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.models import Counter, Ticket

CHANNELS = ("phone", "email", "remote")
# outage = register down ("Störung"), technical = other problems, legal = legal changes.
CATEGORIES = ("outage", "technical", "legal")


def next_ticket_number(session: Session) -> int:
    """The next ticket number; atomic on both databases, so parallel calls never share one."""
    value = session.scalar(
        update(Counter)
        .where(Counter.name == "ticket")
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    )
    if value is None:
        raise RuntimeError("the ticket counter is missing: run `hotline init-db`")
    return value


def open_ticket(
    session: Session,
    *,
    now: datetime,
    contract_id: int | None,
    station_id: int | None = None,
    call_id: int | None = None,
    channel: str = "phone",
    category: str | None = None,
    subject: str = "",
) -> Ticket:
    """Open a ticket; for a call that has one already, return that one."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown ticket channel {channel!r}")
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"unknown ticket category {category!r}")
    if call_id is not None:
        existing = session.scalar(select(Ticket).where(Ticket.call_id == call_id))
        if existing is not None:
            return existing
    ticket = Ticket(
        number=next_ticket_number(session),
        contract_id=contract_id,
        station_id=station_id,
        call_id=call_id,
        channel=channel,
        category=category,
        status="open",
        subject=subject,
        opened_at=now,
    )
    session.add(ticket)
    session.flush()
    return ticket
