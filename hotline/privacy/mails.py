"""Mails in a person's data: found by address, exported, erased; and their retention.

Erased or expired mails keep their row (kind, direction, times: the ticket's history and
the reports stay whole) and lose addresses, subject, text, the raw message and the
attachments. Plain Python: no Flask."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from hotline.db import rows_changed
from hotline.models import Mail, MailAttachment, Ticket, UndeliverableAddress

_BLANK = {
    "from_address": "",
    "from_name": "",
    "to_address": "",
    "subject": "",
    "body": "",
    "notes": "",
    "raw": None,
    "last_error": None,
}


def mail_ids_of(session: Session, emails: Iterable[str]) -> set[int]:
    """Mails from or to any of these addresses (compared in lower case, as stored)."""
    addresses = sorted({e.lower() for e in emails if e})
    if not addresses:
        return set()
    return set(
        session.scalars(
            select(Mail.id).where(
                or_(Mail.from_address.in_(addresses), Mail.to_address.in_(addresses))
            )
        )
    )


def export_mails(session: Session, ids: set[int]) -> list[dict[str, Any]]:
    """The mails as plain data, with their ticket numbers and attachment names."""
    if not ids:
        return []
    attachments: dict[int, list[dict[str, Any]]] = {}
    for mail_id, name, kind, size in session.execute(
        select(
            MailAttachment.mail_id,
            MailAttachment.filename,
            MailAttachment.content_type,
            MailAttachment.size,
        ).where(MailAttachment.mail_id.in_(sorted(ids)))
    ):
        attachments.setdefault(mail_id, []).append(
            {"filename": name, "content_type": kind, "size": size}
        )
    rows = session.execute(
        select(Mail, Ticket.number)
        .outerjoin(Ticket, Ticket.id == Mail.ticket_id)
        .where(Mail.id.in_(sorted(ids)))
        .order_by(Mail.created_at, Mail.id)
    )
    return [
        {
            "direction": mail.direction,
            "from": mail.from_address,
            "to": mail.to_address,
            "subject": mail.subject,
            "body": mail.body,
            "created_at": mail.created_at.isoformat(),
            "ticket_number": number,
            "attachments": attachments.get(mail.id, []),
        }
        for mail, number in rows
    ]


def erase_mails(session: Session, ids: set[int], emails: Iterable[str]) -> int:
    """Blank the mails and drop their attachments and the addresses' bounce records."""
    addresses = sorted({e.lower() for e in emails if e})
    if addresses:
        session.execute(
            delete(UndeliverableAddress).where(UndeliverableAddress.address.in_(addresses))
        )
    if not ids:
        return 0
    session.execute(delete(MailAttachment).where(MailAttachment.mail_id.in_(sorted(ids))))
    result = session.execute(
        update(Mail)
        .where(Mail.id.in_(sorted(ids)))
        .values(**_BLANK)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result)


def forget_old_mails(session: Session, before: datetime) -> int:
    """Retention: mails older than `before` of closed tickets, or of none, lose their
    content; mails of open tickets stay readable however old."""
    done_with = or_(
        Mail.ticket_id.is_(None),
        Mail.ticket_id.in_(select(Ticket.id).where(Ticket.status == "closed")),
    )
    old = select(Mail.id).where(Mail.created_at < before, done_with)
    ids = set(
        session.scalars(
            old.where(or_(Mail.body != "", Mail.raw.is_not(None), Mail.from_address != ""))
        )
    )
    return erase_mails(session, ids, [])
