"""A customer with two Second Level contracts: the admin PIN names the contract."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.clock import FixedClock
from hotline.models import Contract, PinAttempt, Ticket
from tests.ivr.conftest import Phone
from tests.ivr.test_calls import STATION, count, only_call

OTHER_STATION = "+49304499999"


def first_contract(customers: Callable[..., Contract], **extra: object) -> Contract:
    """Customer 2001's first Second Level contract: register 1 on STATION, Frau Maier's
    PIN 4711."""
    return customers(
        customer="2001",
        plan="second_level",
        stations={"1": [STATION]},
        admins=[("Frau Maier", [], "4711")],
        **extra,
    )


def test_the_second_contracts_admin_pin_continues_the_call_with_that_contract(
    phone: Phone, customers, agents, session: Session
) -> None:
    first = first_contract(customers, name="Modehaus Schulz")
    second: Contract = customers(
        customer="2001",
        plan="second_level",
        stations={"5": [OTHER_STATION]},
        admins=[("Herr Schulz", [], "5822")],
    )
    # From a register of the first contract: a wrong PIN, then the second admin's.
    walk = phone.call(STATION, ["0000#", "5822#", "1"])

    text = walk.heard()
    assert text.count("Die PIN ist leider nicht richtig.") == 1
    assert "Danke, Sie sind als Administrator angemeldet." in text
    assert walk.dialed
    assert "Modehaus Schulz, Second Level, Kasse 5, Störung" in walk.transcript
    call = only_call(session)
    assert call.contract_id == second.id
    assert call.station_id == second.stations[0].id
    assert call.contact_id == second.contacts[0].id
    ticket = session.scalars(select(Ticket)).one()
    assert (ticket.contract_id, ticket.station_id) == (second.id, second.stations[0].id)

    # Each entry counted once, against the contract the call came in on.
    assert call.pin_failures == 1
    assert count(session, PinAttempt) == 1
    first_row, second_row = session.get(Contract, first.id), session.get(Contract, second.id)
    assert first_row is not None and second_row is not None
    assert first_row.pin_wrong == 1  # the wrong one; the right one gave its count back
    assert not second_row.pin_wrong


def test_the_first_contracts_admin_keeps_the_first_contract(
    phone: Phone, customers, agents, session: Session
) -> None:
    first = first_contract(customers)
    customers(customer="2001", plan="second_level", admins=[("Herr Schulz", [], "5822")])
    walk = phone.call(STATION, ["4711#", "2"])
    assert walk.dialed
    call = only_call(session)
    assert (call.contract_id, call.station_id) == (first.id, first.stations[0].id)


def test_a_pin_of_an_ended_second_contract_is_refused(
    phone: Phone, customers, agents, session: Session
) -> None:
    first_contract(customers)
    customers(
        customer="2001",
        plan="second_level",
        admins=[("Herr Schulz", [], "5822")],
        cancellation_received=date(2025, 6, 1),
    )
    walk = phone.call(STATION, ["5822#", ""])
    assert "Die PIN ist leider nicht richtig." in walk.heard()
    assert walk.dialed == []


def test_a_locked_second_contract_is_not_signed_into_from_the_first(
    phone: Phone, customers, agents, session: Session, clock: FixedClock
) -> None:
    first_contract(customers)
    second: Contract = customers(
        customer="2001", plan="second_level", admins=[("Herr Schulz", [], "5822")]
    )
    second.pin_locked_until = clock.now() + timedelta(minutes=30)
    session.commit()
    walk = phone.call(STATION, ["5822#", ""])
    assert "Die PIN ist leider nicht richtig." in walk.heard()
    assert walk.dialed == []
