"""Creating callback requests: queued while closed, due at once while open, joined when repeated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.calendar import BusinessCalendar
from hotline.categories import category as category_of
from hotline.models import Callback, Contract, Customer, Ticket

OPEN_STATUSES = ("queued", "due", "claimed", "calling")


def priority_for(category: str) -> int:
    """Outages ("Kasse steht") are called back first (hotline.categories)."""
    return category_of(category).priority


def request_callback(
    session: Session,
    *,
    now: datetime,
    calendar: BusinessCalendar,
    phone: str,
    category: str,
    contract_id: int | None,
    station_id: int | None = None,
    ticket_id: int | None = None,
    call_id: int | None = None,
    recording_url: str | None = None,
    recording_seconds: int | None = None,
) -> Callback:
    """Store a callback request, or return the open one it joins.

    The same call asking twice (Twilio retried a webhook) returns its first
    request. Another call from the same number for the same contract joins the
    request that is still open: it keeps its earlier place in the list and is
    raised to outage priority if the new call is an outage.
    """
    if call_id is not None:
        same_call = session.scalar(select(Callback).where(Callback.call_id == call_id))
        if same_call is not None:
            return same_call
    open_request = session.scalar(
        select(Callback)
        .where(
            Callback.phone == phone,
            Callback.contract_id.is_(None)
            if contract_id is None
            else Callback.contract_id == contract_id,
            Callback.status.in_(OPEN_STATUSES),
        )
        .order_by(Callback.requested_at)
        .limit(1)
    )
    if open_request is not None:
        if priority_for(category) < open_request.priority:
            open_request.priority = priority_for(category)
            open_request.category = category
        if recording_url and not open_request.recording_url:
            open_request.recording_url = recording_url
            open_request.recording_seconds = recording_seconds
        open_request.updated_at = now
        return open_request
    due_at = calendar.next_opening(now)
    callback = Callback(
        phone=phone,
        contract_id=contract_id,
        station_id=station_id,
        ticket_id=ticket_id,
        call_id=call_id,
        category=category,
        priority=priority_for(category),
        status="due" if due_at <= now else "queued",
        requested_at=now,
        due_at=due_at,
        attempts=0,
        note="",
        recording_url=recording_url,
        recording_seconds=recording_seconds,
        updated_at=now,
    )
    session.add(callback)
    session.flush()
    return callback


def one_ticket(session: Session, callback: Callback, ticket: Ticket | None, now: datetime) -> None:
    """A call that joined an open `callback` with its own `ticket`: one ticket per open
    problem. A callback without a ticket takes the call's; otherwise the call's ticket is
    closed as a repeat of the callback's (kept, not deleted: whatever it holds stays)."""
    if ticket is None or callback.ticket_id == ticket.id:
        return
    if callback.ticket_id is None:
        callback.ticket_id = ticket.id
        return
    kept = session.get(Ticket, callback.ticket_id)
    ticket.status = "closed"
    ticket.closed_at = now
    if kept is not None and not ticket.subject:
        ticket.subject = f"Wiederholter Anruf zu Ticket {kept.number} (offener Rückruf)"


def callback_of_call(session: Session, call_id: int) -> Callback | None:
    """The callback request the call left, if any."""
    return session.scalar(select(Callback).where(Callback.call_id == call_id))


def callback_and_customer(session: Session, callback_id: int) -> tuple[Callback, str | None] | None:
    """The callback with its customer's name (None for a caller without a contract)."""
    row = session.execute(
        select(Callback, Customer.name)
        .outerjoin(Contract, Contract.id == Callback.contract_id)
        .outerjoin(Customer, Customer.id == Contract.customer_id)
        .where(Callback.id == callback_id)
    ).first()
    return (row[0], row[1]) if row is not None else None
