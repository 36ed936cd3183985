"""The one serializer of callbacks: `hotline callbacks list --json` and GET /api/v1/callbacks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callback.lifecycle import STATES, CallbackError, in_list_order
from hotline.models import Callback, Contract, Customer, Station, Ticket

FIELDS = (
    "id",
    "phone",
    "customer_number",
    "contract_number",
    "station_number",
    "category",
    "priority",
    "status",
    "due_at",
    "attempts",
    "ticket_number",
)


def list_callbacks(
    session: Session,
    zone: tzinfo,
    status: str | None = None,
    *,
    ids: Sequence[int] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Callbacks in list order (outage first, then oldest request), as plain data.

    `limit`/`offset` give one page of that order (None: all of them).
    """
    if status is not None and status not in STATES:
        raise CallbackError(f"status must be one of {', '.join(STATES)}, not {status!r}")
    query = (
        select(Callback, Customer.number, Contract.number, Station.number, Ticket.number)
        .outerjoin(Contract, Contract.id == Callback.contract_id)
        .outerjoin(Customer, Customer.id == Contract.customer_id)
        .outerjoin(Station, Station.id == Callback.station_id)
        .outerjoin(Ticket, Ticket.id == Callback.ticket_id)
    )
    if status is not None:
        query = query.where(Callback.status == status)
    if ids is not None:
        query = query.where(Callback.id.in_(ids))
    query = in_list_order(query)
    if limit is not None or offset:
        query = query.limit(limit).offset(offset)
    rows = session.execute(query)
    return [
        serialize(cb, zone, customer, contract, station, ticket)
        for cb, customer, contract, station, ticket in rows
    ]


def serialize(
    callback: Callback,
    zone: tzinfo,
    customer_number: str | None,
    contract_number: str | None,
    station_number: str | None,
    ticket_number: int | None,
) -> dict[str, Any]:
    """One callback; `due_at` is when it may be called next, ISO 8601 in local time."""
    return {
        "id": callback.id,
        "phone": callback.phone,
        "customer_number": customer_number,
        "contract_number": contract_number,
        "station_number": station_number,
        "category": callback.category,
        "priority": callback.priority,
        "status": callback.status,
        "due_at": _iso(next_due(callback), zone),
        "attempts": callback.attempts,
        "ticket_number": ticket_number,
    }


def next_due(callback: Callback) -> datetime:
    """The request's due time, or the retry time after a failed attempt when later."""
    if callback.next_attempt_at is not None and callback.next_attempt_at > callback.due_at:
        return callback.next_attempt_at
    return callback.due_at


def _iso(at: datetime, zone: tzinfo) -> str:
    return at.astimezone(zone).isoformat()
