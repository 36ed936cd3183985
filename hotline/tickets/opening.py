"""Opening tickets and handing out their numbers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, insert, literal, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from hotline.categories import KEYS
from hotline.models import Counter, Ticket, table_of
from hotline.prepared import Prepared

CHANNELS = ("phone", "email", "remote")
NO_COUNTER = "the ticket counter is missing: run `hotline init-db`"


# Built once per process, as Core statements: every entitled call opens a ticket, and the
# ORM's unit of work costs several times the statements themselves (see hotline.prepared).
_COUNTERS = table_of(Counter)
_TICKETS = table_of(Ticket)
_NEXT_NUMBER = Prepared(
    update(_COUNTERS)
    .where(_COUNTERS.c.name == "ticket")
    .values(value=_COUNTERS.c.value + 1)
    .returning(_COUNTERS.c.value)
)
_TICKET_OF_CALL = Prepared(select(_TICKETS.c.id).where(_TICKETS.c.call_id == bindparam("of_call")))
_INSERT = Prepared(insert(_TICKETS).values(status="open").returning(_TICKETS.c.id))
# PostgreSQL: the counter's UPDATE as a WITH of the INSERT (it runs once, atomically).
_NUMBER = _NEXT_NUMBER.statement.cte("next_number")
_COLUMNS = ("contract_id", "station_id", "call_id", "channel", "category", "subject", "opened_at")


def numbered_ticket(call_id: ColumnElement[Any] | None = None) -> Insert:
    """PostgreSQL: a ticket's INSERT ... SELECT with its number from the counter's UPDATE
    (a WITH of it). Binds `t_<column>`; without the counter nothing is inserted.

    `call_id`: the id of a call inserted by another WITH of the same statement (a column
    of it). Then the number is a scalar subquery: without the counter it is NULL, and the
    whole statement fails on the ticket's NOT NULL number instead of leaving it out.
    """
    number: Any = _NUMBER.c.value
    if call_id is not None:
        number = select(_NUMBER.c.value).scalar_subquery()
    return insert(_TICKETS).from_select(
        ["number", "status", *_COLUMNS],
        select(
            number,
            literal("open", _TICKETS.c.status.type),
            *(
                call_id
                if name == "call_id" and call_id is not None
                else bindparam(f"t_{name}", type_=_TICKETS.c[name].type)
                for name in _COLUMNS
            ),
        ),
    )


_INSERT_NUMBERED = Prepared(numbered_ticket().returning(_TICKETS.c.id))
# Bind names of its own: it may run as a WITH of a webhook's final statement (call_row).
_CATEGORISE = Prepared(
    update(_TICKETS)
    .where(_TICKETS.c.call_id == bindparam("categorised_call"))
    .values(category=bindparam("ticket_category"))
)


def next_ticket_number(conn: Connection) -> int:
    """The next ticket number; atomic on both databases, so parallel calls never share one."""
    value = _NEXT_NUMBER.scalar(conn)
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
    """A new ticket's columns (but its number and status), checked: for `insert_ticket`."""
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


def insert_ticket(conn: Connection, values: Mapping[str, Any], *, new_call: bool = False) -> int:
    """Open a ticket with these `ticket_values` and return its id; for a call that has one
    already, that one's id.

    `new_call`: the call was inserted in this transaction, so it has no ticket to look for.
    """
    call_id = values["call_id"]
    if call_id is not None and not new_call:
        existing = _TICKET_OF_CALL.scalar(conn, {"of_call": call_id})
        if existing is not None:
            return int(existing)
    if conn.dialect.name == "postgresql":  # number and ticket in one round trip
        numbered: int | None = _INSERT_NUMBERED.scalar(
            conn, {f"t_{k}": v for k, v in values.items()}
        )
        if numbered is None:
            raise RuntimeError(NO_COUNTER)
        return numbered
    ticket_id: int = _INSERT.scalar(conn, {"number": next_ticket_number(conn), **values})
    return ticket_id


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
    """`insert_ticket` for code that works with the ORM: the ticket as an object."""
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
    ticket_id = insert_ticket(session.connection(), values)
    return session.get_one(Ticket, ticket_id)


def categorise_call_ticket(call_id: int, category: str) -> tuple[Prepared, dict[str, Any]]:
    """The write that sets the category of the call's ticket, if it has one: statement and
    parameters, for `Step.write_with_answer`."""
    if category not in KEYS:
        raise ValueError(f"unknown ticket category {category!r}")
    return _CATEGORISE, {"categorised_call": call_id, "ticket_category": category}
