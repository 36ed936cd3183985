"""Bounces: a delivery status notification goes to the ticket of the mail it refers to, and
the addresses it names are marked undeliverable (shown on the contract page)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from email_support.mail_rows import note
from email_support.parsing import ParsedMail
from hotline.models import Mail, Ticket, UndeliverableAddress


def record_bounce(session: Session, parsed: ParsedMail, mail: Mail, now: datetime) -> int | None:
    """A delivery status notification: joins the ticket of the mail it reports on (its
    number is returned) and marks the addresses undeliverable."""
    assert parsed.bounce is not None
    bounce = parsed.bounce
    mail.kind, mail.auto = "bounce", True
    original = None
    if bounce.original_message_id:
        original = session.scalar(
            select(Mail).where(
                Mail.message_id == bounce.original_message_id, Mail.direction == "out"
            )
        )
    contract_id = original.contract_id if original else None
    mail.ticket_id = original.ticket_id if original else None
    mail.contract_id = contract_id
    if mail.ticket_id is None:
        mail.unassigned_reason = "bounce"
    for address in bounce.recipients:
        row = session.scalar(
            select(UndeliverableAddress).where(UndeliverableAddress.address == address[:320])
        )
        if row is None:
            row = UndeliverableAddress(address=address[:320], at=now)
            session.add(row)
        row.contract_id = contract_id or row.contract_id
        row.mail_id, row.detail, row.at = mail.id, bounce.diagnostic[:2000], now
    note(mail, f"Unzustellbar: {', '.join(bounce.recipients)}")
    if mail.ticket_id is None:
        return None
    return session.scalar(select(Ticket.number).where(Ticket.id == mail.ticket_id))
