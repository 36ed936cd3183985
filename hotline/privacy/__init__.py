"""A person's data: export (GDPR Art. 15) and erasure (Art. 17), by phone number or e-mail.

A "person" is whatever the hotline holds under one phone number or e-mail address:
the calls made from the number, the callbacks asked for it, the messages left for the
office from it, the tickets of those calls and callbacks, the admin contacts and station
numbers that carry it, and the agents with that address. An e-mail address finds
contacts (and their phones), customers and agents; the phones found that way widen
the search to their calls.

Erasure keeps the rows reports count (calls, tickets, callbacks) and blanks what
identifies the person in them; it deletes phone numbers, the replayable TwiML of the
person's calls (it reads numbers back), and recording URLs. Plain Python: no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from hotline.db import rows_changed
from hotline.directory.phones import normalize
from hotline.models import (
    Agent,
    ApiToken,
    Call,
    Callback,
    CallbackAttempt,
    CallStep,
    Contact,
    Customer,
    PhoneNumber,
    Ticket,
)
from hotline.privacy.mails import erase_mails, export_mails, mail_ids_of
from hotline.privacy.office_messages import (
    erase_office_messages,
    export_office_messages,
    office_message_ids_of,
)

ERASED = "gelöscht"
_OPEN_CALLBACK = ("queued", "due", "claimed", "calling")


class PrivacyError(ValueError):
    """The subject is neither a phone number nor an e-mail address."""


@dataclass
class Person:
    """Rows that belong to one subject (ids), found by `find_person`."""

    query: str
    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    call_ids: set[int] = field(default_factory=set)
    callback_ids: set[int] = field(default_factory=set)
    ticket_ids: set[int] = field(default_factory=set)
    contact_ids: set[int] = field(default_factory=set)
    customer_ids: set[int] = field(default_factory=set)
    agent_ids: set[int] = field(default_factory=set)
    phone_number_ids: set[int] = field(default_factory=set)
    mail_ids: set[int] = field(default_factory=set)
    office_message_ids: set[int] = field(default_factory=set)

    @property
    def found(self) -> bool:
        return any(
            (
                self.call_ids,
                self.callback_ids,
                self.contact_ids,
                self.customer_ids,
                self.agent_ids,
                self.phone_number_ids,
                self.mail_ids,
                self.office_message_ids,
            )
        )


def find_person(session: Session, subject: str) -> Person:
    """Everything stored under a phone number (any usual format) or an e-mail address."""
    text = subject.strip()
    person = Person(query=text)
    if "@" in text:
        email = text.lower()
        person.emails.add(email)
        contacts = session.scalars(select(Contact).where(Contact.email.ilike(email)))
        for contact in contacts:
            person.contact_ids.add(contact.id)
            person.phones.update(p.e164 for p in contact.phones)
        person.customer_ids.update(
            session.scalars(select(Customer.id).where(Customer.email.ilike(email)))
        )
        person.agent_ids.update(session.scalars(select(Agent.id).where(Agent.email == email)))
        person.mail_ids.update(mail_ids_of(session, [email]))
    else:
        e164 = normalize(text)
        if e164 is None:
            raise PrivacyError(f"{subject!r} is neither a phone number nor an e-mail address")
        person.phones.add(e164)
        person.agent_ids.update(session.scalars(select(Agent.id).where(Agent.phone == e164)))
    phones = sorted(person.phones)
    if phones:
        numbers = session.scalars(select(PhoneNumber).where(PhoneNumber.e164.in_(phones)))
        for number in numbers:
            person.phone_number_ids.add(number.id)
            if number.contact_id is not None:
                person.contact_ids.add(number.contact_id)
        person.call_ids.update(
            session.scalars(
                select(Call.id).where(
                    or_(Call.caller_e164.in_(phones), Call.from_raw.in_(phones + [text]))
                )
            )
        )
        person.callback_ids.update(
            session.scalars(select(Callback.id).where(Callback.phone.in_(phones)))
        )
    person.office_message_ids.update(office_message_ids_of(session, person.phones, person.call_ids))
    if person.call_ids or person.callback_ids:
        person.ticket_ids.update(
            session.scalars(select(Ticket.id).where(Ticket.call_id.in_(sorted(person.call_ids))))
        )
        person.ticket_ids.update(
            t
            for t in session.scalars(
                select(Callback.ticket_id).where(Callback.id.in_(sorted(person.callback_ids)))
            )
            if t is not None
        )
    return person


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def export_person(session: Session, subject: str) -> dict[str, Any]:
    """One JSON-ready document of everything stored about the subject (Art. 15)."""
    person = find_person(session, subject)

    def rows(model: Any, ids: set[int]) -> list[Any]:
        if not ids:
            return []
        return list(session.scalars(select(model).where(model.id.in_(sorted(ids)))))

    calls = [
        {
            "call_sid": c.call_sid,
            "direction": c.direction,
            "from": c.from_raw,
            "caller": c.caller_e164,
            "category": c.category,
            "outcome": c.outcome,
            "started_at": _iso(c.started_at),
            "ended_at": _iso(c.ended_at),
            "duration_seconds": c.duration_seconds,
        }
        for c in rows(Call, person.call_ids)
    ]
    callbacks = [
        {
            "id": cb.id,
            "phone": cb.phone,
            "category": cb.category,
            "status": cb.status,
            "requested_at": _iso(cb.requested_at),
            "due_at": _iso(cb.due_at),
            "attempts": cb.attempts,
            "outcome": cb.outcome,
            "note": cb.note,
            "recording_url": cb.recording_url,
        }
        for cb in rows(Callback, person.callback_ids)
    ]
    tickets = [
        {
            "number": t.number,
            "channel": t.channel,
            "category": t.category,
            "status": t.status,
            "subject": t.subject,
            "opened_at": _iso(t.opened_at),
            "closed_at": _iso(t.closed_at),
        }
        for t in rows(Ticket, person.ticket_ids)
    ]
    contacts = [
        {
            "name": c.name,
            "role": c.role,
            "email": c.email,
            "contract_number": c.contract.number,
            "phones": sorted(p.e164 for p in c.phones),
            "has_pin": c.pin_hash is not None,
        }
        for c in rows(Contact, person.contact_ids)
    ]
    phone_numbers = [
        {
            "phone": p.e164,
            "contract_number": p.station.contract.number if p.station else None,
            "station_number": p.station.number if p.station else None,
            "contact": p.contact.name if p.contact else None,
        }
        for p in rows(PhoneNumber, person.phone_number_ids)
    ]
    customers = [
        {"number": c.number, "name": c.name, "email": c.email}
        for c in rows(Customer, person.customer_ids)
    ]
    agents = [
        {"email": a.email, "name": a.name, "phone": a.phone, "active": a.active}
        for a in rows(Agent, person.agent_ids)
    ]
    office_messages = export_office_messages(session, person.office_message_ids)
    return {
        "subject": person.query,
        "phones": sorted(person.phones),
        "emails": sorted(person.emails),
        "calls": calls,
        "callbacks": callbacks,
        "tickets": tickets,
        "contacts": contacts,
        "phone_numbers": phone_numbers,
        "customers": customers,
        "agents": agents,
        "office_messages": office_messages,
        "recordings": [
            row["recording_url"] for row in (*callbacks, *office_messages) if row["recording_url"]
        ],
        "mails": export_mails(session, person.mail_ids),
    }


def erase_person(session: Session, subject: str, now: datetime) -> dict[str, int]:
    """Remove or blank the subject's personal data (Art. 17); returns what was touched.

    Rows that reports count stay: calls keep time, category, outcome and duration;
    callbacks keep category, status and attempts; messages for the office keep their
    time and contract; tickets are untouched (they hold no caller data). Open callbacks
    are cancelled: nobody may call the number back.
    """
    person = find_person(session, subject)
    counts = {
        "calls": 0,
        "callbacks": 0,
        "recordings": 0,
        "call_steps": 0,
        "phone_numbers": 0,
        "contacts": 0,
        "customers": 0,
        "agents": 0,
        "mails": erase_mails(session, person.mail_ids, person.emails),
    }
    counts["office_messages"], recordings = erase_office_messages(
        session, person.office_message_ids
    )
    counts["recordings"] += recordings
    calls = list(session.scalars(select(Call).where(Call.id.in_(sorted(person.call_ids)))))
    for call in calls:
        call.from_raw = ""
        call.caller_e164 = None
        counts["calls"] += 1
    sids = [c.call_sid for c in calls]
    if sids:
        result = session.execute(delete(CallStep).where(CallStep.call_sid.in_(sids)))
        counts["call_steps"] = rows_changed(result)
    callbacks = session.scalars(
        select(Callback).where(Callback.id.in_(sorted(person.callback_ids)))
    )
    for cb in callbacks:
        if cb.recording_url:
            counts["recordings"] += 1
        cb.phone = ""
        cb.note = ""
        cb.recording_url = None
        cb.recording_seconds = None
        if cb.status in _OPEN_CALLBACK:
            cb.status = "cancelled"
            cb.outcome = "cancelled"
            cb.last_error = "personal data erased on request"
        else:
            cb.last_error = None
        cb.updated_at = now
        for attempt in session.scalars(
            select(CallbackAttempt).where(CallbackAttempt.callback_id == cb.id)
        ):
            attempt.error = None
        counts["callbacks"] += 1
    if person.phone_number_ids:
        result = session.execute(
            delete(PhoneNumber).where(PhoneNumber.id.in_(sorted(person.phone_number_ids)))
        )
        counts["phone_numbers"] = rows_changed(result)
    for contact in session.scalars(
        select(Contact).where(Contact.id.in_(sorted(person.contact_ids)))
    ):
        contact.name = ERASED
        contact.email = None
        contact.pin_hash = None
        counts["contacts"] += 1
    for customer in session.scalars(
        select(Customer).where(Customer.id.in_(sorted(person.customer_ids)))
    ):
        customer.email = ""
        customer.updated_at = now
        counts["customers"] += 1
    for agent in session.scalars(select(Agent).where(Agent.id.in_(sorted(person.agent_ids)))):
        session.execute(delete(ApiToken).where(ApiToken.agent_id == agent.id))
        agent.email = f"erased-{agent.id}@invalid"
        agent.name = ERASED
        agent.phone = ""
        agent.password_hash = None
        agent.active = False
        agent.available = False
        counts["agents"] += 1
    session.flush()
    return counts


__all__ = ["ERASED", "Person", "PrivacyError", "erase_person", "export_person", "find_person"]
