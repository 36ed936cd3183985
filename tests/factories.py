"""Small builders for test data, written straight to the models."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.accounts.secrets import hash_pin
from hotline.contracts import effective_end
from hotline.models import Contact, Contract, Customer, PhoneNumber, Station

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def make_contract(
    session: Session,
    *,
    customer_number: str = "1001",
    contract_number: str = "V-1001",
    plan: str = "flat",
    start: date = date(2025, 3, 1),
    stations: dict[str, list[str]] | None = None,
    admin: tuple[str, list[str], str] | None = None,
    cancellation_received: date | None = None,
    cancellation_by: str | None = None,
    termination_effective: date | None = None,
    termination_reason: str | None = None,
) -> Contract:
    """A contract with stations {number: [phones]} and an optional admin (name, phones, pin)."""
    customer = session.scalar(select(Customer).where(Customer.number == customer_number))
    if customer is None:
        customer = Customer(
            number=customer_number,
            name=f"Kunde {customer_number}",
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
        dial_admin_for_cashiers=False,
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
    if admin is not None:
        name, phones, pin = admin
        contact = Contact(contract=contract, role="admin", name=name, pin_hash=hash_pin(pin))
        session.add(contact)
        session.flush()
        for phone in phones:
            session.add(PhoneNumber(e164=phone, contract_id=contract.id, contact_id=contact.id))
    session.flush()
    return contract
