"""An agent's answer by e-mail from a ticket: to the customer's last mail, quoting it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from email_support import wording
from email_support.outbox import queue_mail
from hotline.models import Contract, Customer, Mail, Ticket
from hotline.settings import Settings

MAX_REPLY_CHARS = 20_000


class ReplyError(ValueError):
    """The answer cannot be sent as asked; the message is German, for the agent."""


def reply_to_ticket(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    body: str,
    *,
    agent_id: int | None,
    now: datetime,
    zone: object,
) -> Mail:
    """Queue the agent's answer; the ticket then waits for the customer."""
    text = body.strip()
    if not text:
        raise ReplyError("Die Antwort ist leer und wurde nicht gesendet.")
    if len(text) > MAX_REPLY_CHARS:
        raise ReplyError(
            f"Die Antwort ist zu lang ({len(text)} Zeichen, höchstens {MAX_REPLY_CHARS})."
        )
    last_in = session.scalar(
        select(Mail)
        .where(Mail.ticket_id == ticket.id, Mail.direction == "in", Mail.kind == "mail")
        .order_by(Mail.created_at.desc(), Mail.id.desc())
        .limit(1)
    )
    to = last_in.from_address if last_in is not None else _customer_address(session, ticket)
    if not to:
        raise ReplyError("Für dieses Ticket ist keine E-Mail-Adresse des Kunden bekannt.")
    if last_in is not None:
        local = last_in.created_at.astimezone(zone)  # type: ignore[arg-type]
        text += wording.quoted(
            last_in.body[:8000],
            last_in.from_name or last_in.from_address,
            f"{local:%d.%m.%Y um %H:%M}",
        )
    mail = queue_mail(
        session,
        settings,
        now=now,
        to=to,
        subject=wording.tagged_subject(
            ticket.number, last_in.subject if last_in else ticket.subject, "Re: "
        ),
        body=text,
        kind="reply",
        auto=False,
        ticket_id=ticket.id,
        contract_id=ticket.contract_id,
        agent_id=agent_id,
        answers=last_in,
    )
    ticket.status, ticket.closed_at = "waiting", None
    return mail


def _customer_address(session: Session, ticket: Ticket) -> str:
    if ticket.contract_id is None:
        return ""
    email = session.scalar(
        select(Customer.email)
        .join(Contract, Contract.customer_id == Customer.id)
        .where(Contract.id == ticket.contract_id)
    )
    return (email or "").lower()
