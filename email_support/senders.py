"""Who writes: the sender's address against customers' and admins' addresses, and what
that sender may do (open a ticket, or get which automatic answer)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from hotline.contracts import is_entitled, status_on
from hotline.models import Contact, Contract, Customer, table_of
from hotline.models.customers import FACT_COLUMNS, facts_of

CUSTOMER, ADMIN = "customer", "admin"
_DIGITS = re.compile(r"(?<![\d#])(\d{3,20})(?!\d)")
_TICKET_TAG = re.compile(r"\[Ticket#\d+\]", re.IGNORECASE)


@dataclass(frozen=True)
class SenderContract:
    """A contract the sender's address is registered on, and as whom."""

    contract_id: int
    customer_id: int
    customer_name: str
    plan: str
    role: str
    entitled: bool


@dataclass(frozen=True)
class Decision:
    """What an inbound mail that joins no ticket leads to.

    `action`: open (a ticket), not_admin (Second Level, not the admin: answer naming
    the admin), no_contract (registered, nothing active), unknown (no such address)."""

    action: str
    contract_id: int | None = None
    customer_id: int | None = None
    customer_name: str = ""
    unverified: bool = False


class _MatchRow(NamedTuple):
    """A row of `_MATCHES`, with the contract's column names `facts_of` reads."""

    id: int
    plan: str
    start: date
    cancellation_received: date | None
    cancellation_by: str | None
    termination_effective: date | None
    termination_reason: str | None
    customer_id: int
    customer_name: str
    role: str


def _matches_as(role: str) -> Select[Any]:
    contracts, customers = table_of(Contract), table_of(Customer)
    query = select(
        contracts.c.id,
        *(contracts.c[name] for name in FACT_COLUMNS),
        customers.c.id.label("customer_id"),
        customers.c.name.label("customer_name"),
        literal_column(f"'{role}'").label("role"),
    ).join(customers, contracts.c.customer_id == customers.c.id)
    if role == CUSTOMER:
        return query.where(func.lower(customers.c.email) == bindparam("sender"))
    contacts = table_of(Contact)
    return query.join(contacts, contacts.c.contract_id == contracts.c.id).where(
        func.lower(contacts.c.email) == bindparam("sender")
    )


# Every mail is matched: one statement, both ways (each uses its lower(email) index).
_MATCHES = union_all(_matches_as(CUSTOMER), _matches_as(ADMIN))
assert _MatchRow._fields == tuple(c.key for c in _MATCHES.selected_columns)


def sender_contracts(session: Session, address: str, today: date) -> list[SenderContract]:
    """The contracts on which `address` is the customer's or an admin's (case-insensitive)."""
    if not address:
        return []
    found: dict[tuple[int, str], SenderContract] = {}
    for values in session.execute(_MATCHES, {"sender": address}):
        row = _MatchRow(*values)
        found[(row.id, row.role)] = SenderContract(
            contract_id=row.id,
            customer_id=row.customer_id,
            customer_name=row.customer_name,
            plan=row.plan,
            role=row.role,
            entitled=is_entitled(status_on(facts_of(row), today)),
        )
    return list(found.values())


def may_open(match: SenderContract) -> bool:
    """Flat: any registered address of the customer; Second Level: only the admin's."""
    return match.entitled and (match.plan == "flat" or match.role == ADMIN)


def decide(session: Session, matches: list[SenderContract], subject: str, today: date) -> Decision:
    """Whether the mail opens a ticket, and on which contract; else which answer it gets."""
    for match in sorted(matches, key=lambda m: (m.plan != "flat", m.contract_id)):
        if may_open(match):
            return Decision("open", match.contract_id, match.customer_id, match.customer_name)
    if any(m.entitled for m in matches):
        second = next(m for m in matches if m.entitled)
        return Decision("not_admin", second.contract_id, second.customer_id, second.customer_name)
    if matches:
        first = matches[0]
        return Decision("no_contract", first.contract_id, first.customer_id, first.customer_name)
    named = flat_contract_named_in(session, subject, today)
    if named is not None:
        return Decision("open", named[0], named[1], named[2], unverified=True)
    return Decision("unknown")


def flat_contract_named_in(
    session: Session, subject: str, today: date
) -> tuple[int, int, str] | None:
    """(contract, customer, name) of an active flat contract whose customer number the
    subject names; an unknown sender may open a ticket on it (marked unverified)."""
    numbers = _DIGITS.findall(_TICKET_TAG.sub(" ", subject))
    if not numbers:
        return None
    rows = session.execute(
        select(Contract, Customer)
        .join(Customer, Contract.customer_id == Customer.id)
        .where(Customer.number.in_(numbers[:10]), Contract.plan == "flat")
        .order_by(Contract.id)
    )
    for contract, customer in rows:
        if is_entitled(status_on(facts_of(contract), today)):
            return contract.id, customer.id, customer.name
    return None


def admin_names(session: Session, contract_id: int) -> list[str]:
    """The registered admins of a contract, for the answer to a Second Level cashier."""
    return list(
        session.scalars(
            select(Contact.name)
            .where(Contact.contract_id == contract_id, Contact.role == ADMIN)
            .order_by(Contact.id)
        )
    )
