"""Small builders for test data, written straight to the models."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.accounts.agents import add_agent
from hotline.accounts.secrets import hash_pin
from hotline.contracts import effective_end
from hotline.models import Agent, Contact, Contract, Customer, PhoneNumber, Station

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def make_contract(
    session: Session,
    *,
    customer_number: str = "1001",
    contract_number: str = "V-1001",
    name: str | None = None,
    plan: str = "flat",
    start: date = date(2025, 3, 1),
    stations: dict[str, list[str]] | None = None,
    admins: list[tuple[str, list[str], str | None]] | None = None,
    cancellation_received: date | None = None,
    cancellation_by: str | None = None,
    termination_effective: date | None = None,
    termination_reason: str | None = None,
    dial_admin: bool = False,
) -> Contract:
    """A contract with stations {number: [phones]} and admins [(name, phones, pin)], of the
    customer with this number (created once, named `name` or "Kunde <number>")."""
    customer = session.scalar(select(Customer).where(Customer.number == customer_number))
    if customer is None:
        customer = Customer(
            number=customer_number,
            name=name or f"Kunde {customer_number}",
            email=f"kasse{customer_number}@example.de",
            created_at=T0,
            updated_at=T0,
        )
        session.add(customer)
    contract = Contract(
        number=contract_number,
        customer=customer,
        plan=plan,
        start=start,
        cancellation_received=cancellation_received,
        cancellation_by=cancellation_by,
        termination_effective=termination_effective,
        termination_reason=termination_reason,
        dial_admin_for_cashiers=dial_admin,
        created_at=T0,
        updated_at=T0,
    )
    contract.effective_end = effective_end(contract.facts)
    session.add(contract)
    session.flush()
    for number, phones in (stations if stations is not None else {"1": []}).items():
        station = Station(contract=contract, number=number, name=f"Kasse {number}")
        session.add(station)
        session.flush()
        for phone in phones:
            session.add(PhoneNumber(e164=phone, contract_id=contract.id, station_id=station.id))
    for admin_name, phones, pin in admins or []:
        contact = Contact(
            contract=contract,
            role="admin",
            name=admin_name,
            pin_hash=hash_pin(pin) if pin else None,
        )
        session.add(contact)
        session.flush()
        for phone in phones:
            session.add(PhoneNumber(e164=phone, contract_id=contract.id, contact_id=contact.id))
    session.flush()
    return contract


def make_customer(
    session: Session,
    *,
    customer: str = "1001",
    name: str = "Bäckerei Müller",
    contract: str | None = None,
    cancellation_received: date | None = None,
    termination_effective: date | None = None,
    **details: Any,
) -> Contract:
    """make_contract as the IVR tests want it, committed: a numbered contract of
    "Bäckerei Müller", cancelled by the customer or terminated for abuse if dated."""
    count = session.scalar(select(func.count(Contract.id))) or 0
    row = make_contract(
        session,
        customer_number=customer,
        contract_number=contract or f"V-{customer}-{count + 1}",
        name=name,
        cancellation_received=cancellation_received,
        cancellation_by="customer" if cancellation_received else None,
        termination_effective=termination_effective,
        termination_reason="Missbrauch" if termination_effective else None,
        **details,
    )
    session.commit()
    return row


def make_agent(session: Session, name: str, phone: str, *, available: bool = True) -> Agent:
    """An agent (no password) made as `agents add` makes one, available unless told, committed."""
    agent = add_agent(
        session, email=f"{name.lower()}@hotline.example", name=name, phone=phone, now=T0
    )
    agent.available = available
    session.commit()
    return agent
