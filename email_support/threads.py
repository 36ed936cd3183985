"""Which ticket an inbound mail continues: by the [Ticket#…] in its subject or the mails it
answers, never across customers."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from email_support import wording
from email_support.mail_rows import note
from email_support.parsing import ParsedMail
from email_support.senders import SenderContract
from hotline.models import Contract, Mail, Ticket


def ticket_continued(
    session: Session, parsed: ParsedMail, mail: Mail, matches: list[SenderContract]
) -> Ticket | None:
    """The ticket this mail continues: by [Ticket#…] or by the mails it answers, and only
    when the sender belongs to that ticket's customer or already wrote on it."""
    candidates: list[tuple[Ticket, int | None]] = []
    with_customer = select(Ticket, Contract.customer_id).outerjoin(
        Contract, Contract.id == Ticket.contract_id
    )
    numbers = wording.tagged_numbers(parsed.subject)
    if numbers:
        candidates.extend(session.execute(with_customer.where(Ticket.number.in_(numbers))))
    ids = parsed.referenced_ids[:50]
    if ids:
        candidates.extend(
            session.execute(
                with_customer.join(Mail, Mail.ticket_id == Ticket.id).where(
                    Mail.message_id.in_(ids)
                )
            )
        )
    # The customers on whose addresses (their own or an admin's) the sender is registered.
    senders_customers = {m.customer_id for m in matches}
    for ticket, customer_id in candidates:
        if customer_id in senders_customers or wrote_on(session, ticket, parsed.from_address):
            return ticket
    if candidates:
        note(
            mail,
            "Ticketbezug im Betreff/in den Kopfzeilen gehört nicht zum Absender: "
            "nicht an das Ticket angehängt",
        )
    return None


def wrote_on(session: Session, ticket: Ticket, address: str) -> bool:
    """Whether the address sent or received a mail of that ticket."""
    if not address:
        return False
    wrote = select(Mail.id).where(
        Mail.ticket_id == ticket.id,
        (Mail.from_address == address) | (Mail.to_address == address),
    )
    return bool(session.scalar(select(exists(wrote))))
