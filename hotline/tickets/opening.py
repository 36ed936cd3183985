"""Opening tickets and handing out their numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Update

from hotline.categories import KEYS
from hotline.models import Counter, Ticket, table_of

CHANNELS = ("phone", "email", "remote")
NO_COUNTER = "the ticket counter is missing: run `hotline init-db`"

# Core statements, built once per process: every entitled call opens a ticket, and the
# webhooks run these through their fast path (ivr_flows/fastpath/tickets.py).
COUNTERS = table_of(Counter)
TICKETS = table_of(Ticket)
# The next ticket number: the counter's UPDATE, atomic on both databases, so parallel
# openings never share one.
NEXT_NUMBER = (
    update(COUNTERS)
    .where(COUNTERS.c.name == "ticket")
    .values(value=COUNTERS.c.value + 1)
    .returning(COUNTERS.c.value)
)
# The ticket of a call, if it has one: a call has one ticket at most.
TICKET_OF_CALL = select(TICKETS.c.id).where(TICKETS.c.call_id == bindparam("of_call"))
# Every ticket opens with this status.
NEW_STATUS = "open"
# A new ticket: its `number` and the columns of `ticket_values`.
INSERT_TICKET = insert(TICKETS).values(status=NEW_STATUS).returning(TICKETS.c.id)
# The columns `ticket_values` gives a new ticket.
TICKET_COLUMNS = (
    "contract_id", "station_id", "call_id", "channel", "category", "subject", "opened_at",
)  # fmt: skip
# Bind names of its own: the fast path may run it as a WITH of a webhook's final statement.
CATEGORISE = (
    update(TICKETS)
    .where(TICKETS.c.call_id == bindparam("categorised_call"))
    .values(category=bindparam("ticket_category"))
)


def next_ticket_number(conn: Connection) -> int:
    """The next ticket number; atomic on both databases, so parallel calls never share one."""
    value = conn.execute(NEXT_NUMBER).scalar()
    if value is None:
        raise RuntimeError(NO_COUNTER)
    return int(value)


def ticket_values(
    *,
    now: datetime,
    contract_id: int | None,
    station_id: int | None = None,
    call_id: int | None = None,
    channel: str = "phone",
    category: str | None = None,
    subject: str = "",
) -> dict[str, Any]:
    """A new ticket's columns (`TICKET_COLUMNS`: all but its number and status), checked:
    what a new ticket is, wherever it is opened."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown ticket channel {channel!r}")
    if category is not None and category not in KEYS:
        raise ValueError(f"unknown ticket category {category!r}")
    return {
        "contract_id": contract_id,
        "station_id": station_id,
        "call_id": call_id,
        "channel": channel,
        "category": category,
        "subject": subject,
        "opened_at": now,
    }


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
    """Open a ticket (`ticket_values`, numbered from the counter) and return it; for a call
    that has one already, that one. The one way to open a ticket outside the voice
    webhooks (the e-mail channel, the demo data); the webhooks run the same statements
    with the same values through their fast path (ivr_flows/fastpath/tickets.py)."""
    session.flush()  # what the ticket refers to may still be pending
    values = ticket_values(
        now=now,
        contract_id=contract_id,
        station_id=station_id,
        call_id=call_id,
        channel=channel,
        category=category,
        subject=subject,
    )
    conn = session.connection()
    ticket_id = None
    if call_id is not None:
        ticket_id = conn.execute(TICKET_OF_CALL, {"of_call": call_id}).scalar()
    if ticket_id is None:
        number = next_ticket_number(conn)
        ticket_id = conn.execute(INSERT_TICKET, {"number": number, **values}).scalar_one()
    return session.get_one(Ticket, ticket_id)


_CALL_TICKET = select(Ticket).where(Ticket.call_id == bindparam("call_id"))


def ticket_of_call(session: Session, call_id: int) -> Ticket | None:
    """The call's ticket, if it has one."""
    return session.scalar(_CALL_TICKET, {"call_id": call_id})


def categorise_call_ticket(call_id: int, category: str) -> tuple[Update, dict[str, Any]]:
    """The write that sets the category of the call's ticket, if it has one: statement and
    parameters (the webhooks write it with a step's answer)."""
    if category not in KEYS:
        raise ValueError(f"unknown ticket category {category!r}")
    return CATEGORISE, {"categorised_call": call_id, "ticket_category": category}
