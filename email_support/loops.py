"""Loop protection (RFC 3834): to which mails the hotline never answers automatically,
and the hourly limit of automatic answers per address."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, true
from sqlalchemy.orm import Session

from email_support.parsing import ParsedMail
from hotline.models import Mail, table_of

_BULK = frozenset({"bulk", "junk", "list"})
# An address an SMTP server takes as it is: ASCII local part and a dotted domain.
_DELIVERABLE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_ROBOTS = ("mailer-daemon", "postmaster")
_MAILS = table_of(Mail)
# Run for every answer the hotline would send: built once.
_AUTO_ANSWERS_SINCE = select(func.count(_MAILS.c.id)).where(
    _MAILS.c.to_address == bindparam("recipient"),
    _MAILS.c.auto == true(),
    _MAILS.c.direction == "out",
    _MAILS.c.created_at > bindparam("since"),
)


def automatic_reason(mail: ParsedMail) -> str | None:
    """Why this mail is itself an automatic one (RFC 3834 and the usual signs), or None."""
    if mail.auto_submitted and mail.auto_submitted.strip().lower() != "no":
        return f"Auto-Submitted: {mail.auto_submitted.strip()}"
    if mail.precedence in _BULK:
        return f"Precedence: {mail.precedence}"
    if mail.list_id:
        return "Mailingliste (List-Id)"
    if mail.return_path is not None and mail.return_path.strip() in ("", "<>"):
        return "leerer Return-Path"
    if mail.from_address.partition("@")[0] in _ROBOTS:
        return f"Absender {mail.from_address}"
    return None


def why_no_auto_answer(mail: ParsedMail, own_address: str) -> str | None:
    """The reason not to answer this mail automatically, or None when an answer may go."""
    automatic = automatic_reason(mail)
    if automatic is not None:
        return automatic
    if not mail.from_address:
        return "kein Absender"
    if not _DELIVERABLE.match(mail.from_address):
        return f"Absenderadresse nicht zustellbar: {mail.from_address!r}"
    if mail.from_address == own_address.lower():
        return "eigene Adresse"
    return None


def over_hourly_limit(session: Session, address: str, now: datetime, per_hour: int) -> bool:
    """True when `address` had `per_hour` automatic answers in the last hour already."""
    sent = session.scalar(
        _AUTO_ANSWERS_SINCE, {"recipient": address, "since": now - timedelta(hours=1)}
    )
    return (sent or 0) >= per_hour
