"""Cancellations received by e-mail: a supervisor confirms, the contract rules compute the
end, and the customer gets the written confirmation with that date."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from email_support import wording
from email_support.outbox import queue_mail
from hotline.contracts.records import ContractError, cancel_contract
from hotline.models import Contract, Customer, Mail, MailCancellation, Ticket
from hotline.settings import Settings


def pending_cancellations(session: Session, contract_id: int) -> list[MailCancellation]:
    """The contract's cancellations by mail that no supervisor has confirmed yet."""
    return list(
        session.scalars(
            select(MailCancellation)
            .where(
                MailCancellation.contract_id == contract_id,
                MailCancellation.confirmed_at.is_(None),
            )
            .order_by(MailCancellation.received_at)
        )
    )


def confirm_cancellation(
    session: Session,
    settings: Settings,
    cancellation_id: int,
    *,
    agent_id: int | None,
    now: datetime,
    zone: object,
) -> tuple[Contract, Mail]:
    """Cancel the contract as received on the mail's arrival date and queue the
    confirmation; ContractError when it cannot be cancelled (code as in records)."""
    flagged = session.get(MailCancellation, cancellation_id)
    if flagged is None:
        raise ContractError("no such cancellation", code="not_found")
    if flagged.confirmed_at is not None:
        raise ContractError("this cancellation was confirmed already", code="cancelled_already")
    contract = session.get_one(Contract, flagged.contract_id)
    received = flagged.received_at.astimezone(zone).date()  # type: ignore[arg-type]
    cancel_contract(session, contract.number, received=received, by="customer", now=now)
    flagged.confirmed_at, flagged.confirmed_by_id = now, agent_id
    source = session.get(Mail, flagged.mail_id) if flagged.mail_id else None
    customer = session.get_one(Customer, contract.customer_id)
    ticket = session.get(Ticket, flagged.ticket_id) if flagged.ticket_id else None
    end = contract.effective_end
    mail = queue_mail(
        session,
        settings,
        now=now,
        to=(source.from_address if source is not None else customer.email.lower()),
        subject=wording.tagged_subject(
            ticket.number if ticket else None, "Bestätigung Ihrer Kündigung"
        ),
        body=wording.cancellation_confirmation(
            customer.name,
            contract.number,
            f"{received:%d.%m.%Y}",
            f"{end:%d.%m.%Y}" if end else "–",
        ),
        kind="cancellation_confirmation",
        auto=False,
        ticket_id=ticket.id if ticket else None,
        contract_id=contract.id,
        agent_id=agent_id,
        answers=source,
    )
    flagged.confirmation_mail_id = mail.id
    return contract, mail
