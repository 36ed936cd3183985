"""One inbound message into the database: stored once, matched to a sender, threaded into
a ticket or kept for the supervisors, answered automatically where that is allowed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from email_support import wording
from email_support.bounces import record_bounce
from email_support.cancellations import flag_cancellation, is_cancellation
from email_support.loops import automatic_reason, over_hourly_limit, why_no_auto_answer
from email_support.mail_rows import note, saved, unsaved_mail
from email_support.outbox import queue_mail, send_due
from email_support.parsing import ParsedMail, parse_mail
from email_support.senders import (
    Decision,
    SenderContract,
    admin_names,
    decide,
    sender_contracts,
)
from email_support.threads import ticket_continued
from hotline.db import connection_was_dead, unpinged
from hotline.models import (
    Mail,
    MailAttachment,
    Ticket,
    table_of,
)
from hotline.runtime import Runtime
from hotline.tickets import open_ticket

_MAILS, _TICKETS = table_of(Mail), table_of(Ticket)
_KNOWN = (
    select(_MAILS.c.id, _TICKETS.c.number)
    .outerjoin(_TICKETS, _TICKETS.c.id == _MAILS.c.ticket_id)
    .where(_MAILS.c.dedup_key == bindparam("dedup_key"))
)


@dataclass
class Ingested:
    """What became of one message.

    `action`: duplicate, reply (joined a ticket), ticket (opened one), bounce,
    and for mails kept without a ticket: not_admin, no_contract, unknown, automatic."""

    action: str
    mail_id: int
    ticket_number: int | None = None
    answer: str | None = None
    no_answer: str | None = None
    cancellation: bool = False
    outbox: list[int] = field(default_factory=list)


def ingest(rt: Runtime, raw: bytes, *, send: bool = True) -> Ingested:
    """Store and route one message (NotAMessage for input that is none); `send`: hand the
    automatic answer to SMTP at once (else the scheduler's outbox run sends it)."""
    parsed = parse_mail(raw, rt.settings.mail.max_message_bytes)
    now = rt.clock.now()
    try:
        result = _stored(rt, parsed, now)
    except IntegrityError:
        # The same message arrived twice at the same moment: the other one stored it.
        with rt.sessions() as session:
            known = _known(session, parsed.dedup_key)
        if known is None:
            raise
        result = known
    if send and result.outbox:
        send_due(rt.sessions, rt.settings, now, only=result.outbox)
    return result


def _stored(rt: Runtime, parsed: ParsedMail, now: datetime) -> Ingested:
    """`_ingest` in one transaction. The pooled connection is not pinged first (on
    PostgreSQL a round trip and two autocommit switches per mail); one that turns out
    dead (the database restarted) has been replaced by then, and the mail is stored again
    from the start."""
    try:
        with unpinged(), rt.sessions() as session, session.begin():
            return _ingest(rt, session, parsed, now)
    except DBAPIError as exc:
        if not connection_was_dead(exc):
            raise
    with rt.sessions() as session, session.begin():
        return _ingest(rt, session, parsed, now)


def _known(session: Session, key: str) -> Ingested | None:
    row = session.execute(_KNOWN, {"dedup_key": key}).first()
    return Ingested("duplicate", row[0], row[1]) if row is not None else None


def _ingest(rt: Runtime, session: Session, parsed: ParsedMail, now: datetime) -> Ingested:
    known = _known(session, parsed.dedup_key)
    if known is not None:
        return known
    # Not in the session yet: the mail is inserted once its ticket and reason are known,
    # with the automatic answer where there is one, instead of inserted first and
    # updated at the commit.
    mail = unsaved_mail(parsed, now)
    if parsed.bounce is not None:
        saved(session, mail)  # the undeliverable addresses refer to it
        number = record_bounce(session, parsed, mail, now)
        result = Ingested("bounce", 0, number, no_answer="Unzustellbarkeitsmeldung")
    else:
        result = _route(rt, session, parsed, mail, now)
    result.mail_id = saved(session, mail)
    for attachment in parsed.attachments:
        session.add(
            MailAttachment(
                mail_id=mail.id,
                filename=attachment.filename,
                content_type=attachment.content_type[:200],
                size=len(attachment.data),
                data=attachment.data,
            )
        )
    return result


def _route(
    rt: Runtime, session: Session, parsed: ParsedMail, mail: Mail, now: datetime
) -> Ingested:
    """Thread, open a ticket or keep the mail for the supervisors; answer where allowed.
    The Ingested's mail_id is set by the caller once the mail is inserted."""
    today = now.astimezone(rt.calendar.zone).date()
    matches = sender_contracts(session, parsed.from_address, today)
    automatic = why_no_auto_answer(parsed, rt.settings.support_email)
    robot = automatic_reason(parsed)
    mail.auto = robot is not None
    ticket = ticket_continued(session, parsed, mail, matches)
    if ticket is not None:
        mail.ticket_id, mail.contract_id = ticket.id, ticket.contract_id
        # The customer answered: the ticket is open again (an out-of-office note is no answer).
        if ticket.status != "open" and robot is None:
            ticket.status, ticket.closed_at = "open", None
        result = Ingested("reply", 0, ticket.number)
        result.cancellation = flag_cancellation(session, parsed, mail, ticket, matches, now)
        return result
    if robot is not None:
        # Out-of-office notes, lists, bounces without a report: kept, never a new ticket.
        mail.unassigned_reason = "automatic"
        note(mail, f"Automatische Nachricht ({robot}): kein Ticket, keine Antwort")
        return Ingested("automatic", 0, no_answer=robot)
    decision = decide(session, matches, parsed.subject, today)
    if decision.action != "open" and is_cancellation(parsed) and any(m.entitled for m in matches):
        # A cancellation is the customer's right from any registered address.
        first = next(m for m in matches if m.entitled)
        decision = Decision("open", first.contract_id, first.customer_id, first.customer_name)
    if decision.action == "open":
        return _open(rt, session, parsed, mail, decision, matches, automatic, now)
    mail.contract_id = decision.contract_id
    mail.unassigned_reason = decision.action
    result = Ingested(decision.action, 0)
    if decision.action == "not_admin" and decision.contract_id is not None:
        body = wording.not_admin_answer(
            decision.customer_name, admin_names(session, decision.contract_id)
        )
    else:
        body = wording.no_contract_answer()
    session.add(mail)  # inserted with the answer
    _answer(rt, session, parsed, mail, result, automatic, now, decision.action, body, None)
    return result


def _open(
    rt: Runtime,
    session: Session,
    parsed: ParsedMail,
    mail: Mail,
    decision: Decision,
    matches: list[SenderContract],
    automatic: str | None,
    now: datetime,
) -> Ingested:
    ticket = open_ticket(
        session,
        now=now,
        contract_id=decision.contract_id,
        channel="email",
        subject=parsed.subject[:500] or "(ohne Betreff)",
    )
    ticket.unverified_sender = decision.unverified
    mail.ticket_id, mail.contract_id = ticket.id, ticket.contract_id
    mail.unverified_sender = decision.unverified
    session.add(mail)  # inserted with the answer
    result = Ingested("ticket", 0, ticket.number)
    result.cancellation = flag_cancellation(session, parsed, mail, ticket, matches, now)
    body = wording.acknowledgement(
        parsed.from_name or decision.customer_name,
        ticket.number,
        wording.when_support_answers(rt.calendar, now),
    )
    _answer(rt, session, parsed, mail, result, automatic, now, "ack", body, ticket)
    return result


def _answer(
    rt: Runtime,
    session: Session,
    parsed: ParsedMail,
    mail: Mail,
    result: Ingested,
    automatic: str | None,
    now: datetime,
    kind: str,
    body: str,
    ticket: Ticket | None,
) -> None:
    """Queue an automatic answer unless loop protection or the hourly limit says no."""
    reason = automatic
    limit = rt.settings.mail.auto_replies_per_hour
    if reason is None and over_hourly_limit(session, parsed.from_address, now, limit):
        reason = f"Stundenlimit von {limit} automatischen Antworten erreicht"
    if reason is not None:
        result.no_answer = reason
        note(mail, f"Keine automatische Antwort: {reason}")
        return
    answer = queue_mail(
        session,
        rt.settings,
        now=now,
        to=parsed.from_address,
        subject=wording.tagged_subject(ticket.number if ticket else None, parsed.subject, "Re: "),
        # No quote of the received text: an answer to a forged sender must not carry it.
        body=body,
        kind=kind,
        auto=True,
        ticket_id=ticket.id if ticket else None,
        contract_id=mail.contract_id,
        answers=mail,
    )
    result.answer = kind
    result.outbox.append(answer.id)
