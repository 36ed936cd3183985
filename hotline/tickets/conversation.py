"""A ticket's conversation: its calls, callbacks, mails in and out and notes, in time order.

One list for the ticket page, the API (`articles`) and `hotline tickets show`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import (
    Agent,
    Call,
    Callback,
    Contract,
    Customer,
    Mail,
    MailAttachment,
    Ticket,
    TicketNote,
)

_QUOTE_START = re.compile(
    r"^(>|Am .+ schrieb|On .+ wrote|-{2,} ?(Ursprüngliche Nachricht|Original Message))",
    re.IGNORECASE,
)
_CALL_OUTCOMES = {
    "agent": "mit einem Agenten verbunden",
    "callback": "Rückruf gewünscht",
    "no_contract": "kein aktiver Vertrag",
    "sent_to_admin": "an den Admin verwiesen",
}


@dataclass
class Article:
    kind: str  # call | callback | mail | note
    direction: str  # in | out
    created_at: datetime
    sender: str = ""
    recipient: str = ""
    subject: str = ""
    body: str = ""
    auto: bool = False
    # Mails only: what the page shows besides the text.
    mail_id: int | None = None
    mail_kind: str = ""
    send_status: str | None = None
    last_error: str | None = None
    notes: str = ""
    attachments: list[tuple[int, str, int]] = field(default_factory=list)

    @property
    def own_text(self) -> str:
        """The text without the quoted history below it."""
        return split_quote(self.body)[0]

    @property
    def quoted_text(self) -> str:
        return split_quote(self.body)[1]

    def as_json(self, zone: Any) -> dict[str, Any]:
        """The API's article object."""
        document: dict[str, Any] = {
            "kind": self.kind,
            "direction": self.direction,
            "from": self.sender,
            "to": self.recipient,
            "subject": self.subject,
            "body": self.body,
            "auto": self.auto,
            "created_at": self.created_at.astimezone(zone).isoformat(),
        }
        if self.kind == "mail" and self.direction == "out":
            document["send_status"] = self.send_status
            document["send_error"] = self.last_error
        return document


def split_quote(body: str) -> tuple[str, str]:
    """(own text, quoted history): the history starts at the first quote line or header."""
    lines = body.splitlines()
    for index, line in enumerate(lines):
        if _QUOTE_START.match(line.strip()):
            return "\n".join(lines[:index]).rstrip(), "\n".join(lines[index:])
    return body, ""


def conversation(session: Session, ticket: Ticket, hotline_number: str = "") -> list[Article]:
    """Everything that happened on the ticket, oldest first."""
    agents = {agent_id: name for agent_id, name in session.execute(select(Agent.id, Agent.name))}
    articles: list[Article] = []
    if ticket.call_id is not None:
        call = session.get(Call, ticket.call_id)
        if call is not None:
            duration = f", {call.duration_seconds} s" if call.duration_seconds is not None else ""
            outcome = _CALL_OUTCOMES.get(call.outcome or "", call.outcome or "–")
            articles.append(
                Article(
                    kind="call",
                    direction="in" if call.direction == "inbound" else "out",
                    created_at=call.started_at,
                    sender=call.caller_e164 or "unterdrückt",
                    recipient=hotline_number,
                    body=f"Anruf: {outcome}{duration}",
                )
            )
    for callback in session.scalars(select(Callback).where(Callback.ticket_id == ticket.id)):
        articles.append(
            Article(
                kind="callback",
                direction="out",
                created_at=callback.requested_at,
                sender=agents.get(callback.claimed_by_id or 0, ""),
                recipient=callback.phone,
                body=f"Rückruf ({callback.status}, {callback.attempts} Versuch(e))"
                + (f": {callback.note}" if callback.note else ""),
            )
        )
    mails = list(session.scalars(select(Mail).where(Mail.ticket_id == ticket.id)))
    attachments: dict[int, list[tuple[int, str, int]]] = {}
    if mails:
        for att_id, mail_id, name, size in session.execute(
            select(
                MailAttachment.id,
                MailAttachment.mail_id,
                MailAttachment.filename,
                MailAttachment.size,
            ).where(MailAttachment.mail_id.in_([m.id for m in mails]))
        ):
            attachments.setdefault(mail_id, []).append((att_id, name or "Anhang", size))
    for mail in mails:
        articles.append(
            Article(
                kind="mail",
                direction=mail.direction,
                created_at=mail.created_at,
                sender=mail.from_address,
                recipient=mail.to_address,
                subject=mail.subject,
                body=mail.body,
                auto=mail.auto,
                mail_id=mail.id,
                mail_kind=mail.kind,
                send_status=mail.send_status,
                last_error=mail.last_error,
                notes=mail.notes,
                attachments=attachments.get(mail.id, []),
            )
        )
    for note in session.scalars(select(TicketNote).where(TicketNote.ticket_id == ticket.id)):
        articles.append(
            Article(
                kind="note",
                direction="in",
                created_at=note.at,
                sender=agents.get(note.agent_id or 0, ""),
                body=note.text,
            )
        )
    order = {"call": 0, "callback": 1, "mail": 2, "note": 3}
    articles.sort(key=lambda a: (a.created_at, order[a.kind], a.mail_id or 0))
    return articles


def ticket_document(
    session: Session, number: int, zone: Any, hotline_number: str = ""
) -> dict[str, Any] | None:
    """The API's ticket object with `articles`, or None."""
    row = session.execute(
        select(Ticket, Contract.number, Customer.number)
        .outerjoin(Contract, Contract.id == Ticket.contract_id)
        .outerjoin(Customer, Customer.id == Contract.customer_id)
        .where(Ticket.number == number)
    ).first()
    if row is None:
        return None
    ticket, contract_number, customer_number = row
    return {
        **ticket_summary(ticket, contract_number, customer_number, zone),
        "articles": [a.as_json(zone) for a in conversation(session, ticket, hotline_number)],
    }


def ticket_summary(
    ticket: Ticket, contract_number: str | None, customer_number: str | None, zone: Any
) -> dict[str, Any]:
    """The fields of a ticket in lists (API, CLI)."""
    return {
        "number": ticket.number,
        "channel": ticket.channel,
        "status": ticket.status,
        "subject": ticket.subject,
        "customer_number": customer_number,
        "contract_number": contract_number,
        "created_at": ticket.opened_at.astimezone(zone).isoformat(),
        "unverified_sender": ticket.unverified_sender,
    }
