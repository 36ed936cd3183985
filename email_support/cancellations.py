"""Cancellations received by e-mail: recognised and flagged on arrival, a supervisor
confirms, the contract rules compute the end, and the customer gets the written
confirmation with that date."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from email_support import wording
from email_support.mail_rows import note, saved
from email_support.outbox import queue_mail
from email_support.parsing import ParsedMail
from email_support.senders import SenderContract
from hotline.contracts.records import ContractError, cancel_contract
from hotline.models import Contract, Customer, Mail, MailCancellation, Ticket
from hotline.settings import Settings

_CANCELLATION = re.compile(r"k(?:ü|ue)ndig", re.IGNORECASE)
_QUOTE_START = re.compile(
    r"^(>|Am .+ schrieb|On .+ wrote|-{2,} ?(Ursprüngliche Nachricht|Original Message))",
    re.IGNORECASE,
)


def is_cancellation(parsed: ParsedMail) -> bool:
    """Whether the subject or the sender's own text (not the quoted history) cancels."""
    own_text: list[str] = []
    for line in parsed.body.splitlines():
        if _QUOTE_START.match(line.strip()):
            break
        own_text.append(line)
    return bool(_CANCELLATION.search(parsed.subject) or _CANCELLATION.search("\n".join(own_text)))


def flag_cancellation(
    session: Session,
    parsed: ParsedMail,
    mail: Mail,
    ticket: Ticket,
    matches: list[SenderContract],
    now: datetime,
) -> bool:
    """A "Kündigung" from a registered address: flagged on ticket and contract, unconfirmed."""
    if ticket.contract_id is None or not is_cancellation(parsed):
        return False
    if not any(m.contract_id == ticket.contract_id for m in matches):
        note(mail, "Enthält eine Kündigung, aber nicht von einer hinterlegten Adresse")
        return False
    pending = session.scalar(
        select(MailCancellation.id).where(
            MailCancellation.contract_id == ticket.contract_id,
            MailCancellation.confirmed_at.is_(None),
        )
    )
    if pending is None:
        session.add(
            MailCancellation(
                contract_id=ticket.contract_id,
                ticket_id=ticket.id,
                mail_id=saved(session, mail),
                received_at=now,
            )
        )
    note(mail, "Kündigung per E-Mail: wartet auf Bestätigung durch einen Supervisor")
    return True


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
