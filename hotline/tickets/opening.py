"""Opening tickets and handing out their numbers."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, bindparam, select, update
from sqlalchemy.orm import Session

from hotline.models import Counter, Ticket

CHANNELS = ("phone", "email", "remote")
# outage = register down ("Störung"), technical = other problems, legal = legal changes.
CATEGORIES = ("outage", "technical", "legal")


# Built once per process, as Core statements: every entitled call opens a ticket, and the
# ORM's bulk-UPDATE path costs several times the statement itself.
_COUNTERS = cast(Table, Counter.__table__)
_TICKETS = cast(Table, Ticket.__table__)
_NEXT_NUMBER = (
    update(_COUNTERS)
    .where(_COUNTERS.c.name == "ticket")
    .values(value=_COUNTERS.c.value + 1)
    .returning(_COUNTERS.c.value)
)
_CATEGORISE = (
    update(_TICKETS)
    .where(_TICKETS.c.call_id == bindparam("of_call"))
    .values(category=bindparam("new_category"))
)


def next_ticket_number(session: Session) -> int:
    """The next ticket number; atomic on both databases, so parallel calls never share one."""
    value = session.connection().execute(_NEXT_NUMBER).scalar()
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
    new_call: bool = False,
) -> Ticket:
    """Open a ticket; for a call that has one already, return that one.

    `new_call`: the call was inserted in this transaction, so it has no ticket to look for.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown ticket channel {channel!r}")
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"unknown ticket category {category!r}")
    if call_id is not None and not new_call:
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


def categorise_call_ticket(conn: Connection, call_id: int, category: str) -> None:
    """Set the category of the call's ticket, if it has one."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown ticket category {category!r}")
    conn.execute(_CATEGORISE, {"of_call": call_id, "new_category": category})
