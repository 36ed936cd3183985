"""The call's phone ticket on the fast path: the domain's statements (hotline/tickets/
opening.py) prepared, and on PostgreSQL the counter's UPDATE and the ticket's INSERT in
one statement.

What a new ticket is stays the domain's (`ticket_values` and its `TICKET_COLUMNS`, the
counter's `NEXT_NUMBER`, `NEW_STATUS`); here is only how the webhooks run it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, insert, literal, select
from sqlalchemy.sql.dml import Insert

from hotline.tickets.opening import (
    INSERT_TICKET,
    NEW_STATUS,
    NEXT_NUMBER,
    NO_COUNTER,
    TICKET_COLUMNS,
    TICKET_OF_CALL,
    TICKETS,
)
from ivr_flows.fastpath.statements import Prepared

_NEXT_NUMBER = Prepared(NEXT_NUMBER)
_TICKET_OF_CALL = Prepared(TICKET_OF_CALL)
_INSERT = Prepared(INSERT_TICKET)
# PostgreSQL: the counter's UPDATE as a WITH of the INSERT (it runs once, atomically).
_NUMBER = NEXT_NUMBER.cte("next_number")


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
    return insert(TICKETS).from_select(
        ["number", "status", *TICKET_COLUMNS],
        select(
            number,
            literal(NEW_STATUS, TICKETS.c.status.type),
            *(
                call_id
                if name == "call_id" and call_id is not None
                else bindparam(f"t_{name}", type_=TICKETS.c[name].type)
                for name in TICKET_COLUMNS
            ),
        ),
    )


_INSERT_NUMBERED = Prepared(numbered_ticket().returning(TICKETS.c.id))


def open_phone_ticket(
    conn: Connection, values: Mapping[str, Any], *, new_call: bool = False
) -> int:
    """Open a ticket with these `ticket_values` and return its id; for a call that has one
    already, that one's id (hotline.tickets.open_ticket's rule, on the fast path).

    `new_call`: the call was inserted in this transaction, so it has no ticket to look for.
    """
    call_id = values["call_id"]
    if call_id is not None and not new_call:
        existing = _TICKET_OF_CALL.scalar(conn, {"of_call": call_id})
        if existing is not None:
            return int(existing)
    if conn.dialect.name == "postgresql":  # number and ticket in one round trip
        numbered = _INSERT_NUMBERED.scalar(conn, {f"t_{k}": v for k, v in values.items()})
        if numbered is None:
            raise RuntimeError(NO_COUNTER)
        return int(numbered)
    number = _NEXT_NUMBER.scalar(conn)
    if number is None:
        raise RuntimeError(NO_COUNTER)
    return int(_INSERT.scalar(conn, {"number": number, **values}))
