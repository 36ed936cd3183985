"""Messages for the office: a caller whose contract has ended leaves the number (and a
spoken message); the supervisors read them on "Nachrichten ans Büro" and mark them done.
They are no callbacks: the agents' list never shows them. Plain Python: no Flask."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Contract, Customer, OfficeMessage


def leave_office_message(
    session: Session,
    *,
    call_id: int,
    contract_id: int | None,
    phone: str | None,
    now: datetime,
) -> OfficeMessage:
    """The call's message for the office, stored once per call (a retried webhook finds it)."""
    found = session.scalar(select(OfficeMessage).where(OfficeMessage.call_id == call_id))
    if found is not None:
        return found
    message = OfficeMessage(
        call_id=call_id, contract_id=contract_id, phone=phone or "", left_at=now
    )
    session.add(message)
    session.flush()
    return message


@dataclass(frozen=True)
class Listed:
    """An office message as the supervisors' page shows it."""

    message: OfficeMessage
    customer: str | None
    customer_number: str | None
    contract_number: str | None


def office_messages(session: Session, *, done: bool = False) -> list[Listed]:
    """The open messages, oldest first; with `done`, the ones marked done, newest first."""
    m = OfficeMessage
    query = (
        select(m, Customer.name, Customer.number, Contract.number)
        .outerjoin(Contract, Contract.id == m.contract_id)
        .outerjoin(Customer, Customer.id == Contract.customer_id)
    )
    if done:
        query = query.where(m.done_at.is_not(None)).order_by(m.done_at.desc(), m.id.desc())
    else:
        query = query.where(m.done_at.is_(None)).order_by(m.left_at, m.id)
    return [Listed(*row) for row in session.execute(query).all()]


def mark_done(
    session: Session, message_id: int, agent_id: int, now: datetime
) -> OfficeMessage | None:
    """Mark the message done by this supervisor (once); None when there is no such message."""
    message = session.get(OfficeMessage, message_id)
    if message is not None and message.done_at is None:
        message.done_at = now
        message.done_by_id = agent_id
    return message
