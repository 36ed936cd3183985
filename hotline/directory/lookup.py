"""Who is calling: from a caller's number or customer number to contracts, stations and admins."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from hotline.contracts import ContractFacts
from hotline.models import Call, Contact, Contract, Customer, PhoneNumber, Station, table_of
from hotline.models.customers import FACT_COLUMNS, facts_of


@dataclass(frozen=True)
class CallerMatch:
    """One contract a number belongs to, and as whose number: what a webhook needs of it."""

    contract_id: int
    customer: str
    facts: ContractFacts
    station_id: int | None = None
    admin_id: int | None = None


@dataclass(frozen=True)
class Match:
    """One contract a number belongs to, and as whose number, as ORM objects."""

    contract: Contract
    station: Station | None = None
    admin: Contact | None = None

    @property
    def is_admin(self) -> bool:
        return self.admin is not None


_NUMBERS = table_of(PhoneNumber)
_CONTRACTS = table_of(Contract)
_CUSTOMERS = table_of(Customer)
# The rows of a number (bind `e164`) with their contract and customer (a webhook greets
# the caller by the customer's name): `caller_matches` makes the matches of them.
BY_NUMBER = (
    select(
        _NUMBERS.c.contract_id,
        _NUMBERS.c.station_id,
        _NUMBERS.c.contact_id,
        _CUSTOMERS.c.name.label("customer"),
        *(_CONTRACTS.c[name] for name in FACT_COLUMNS),
    )
    .join(_CONTRACTS, _CONTRACTS.c.id == _NUMBERS.c.contract_id)
    .join(_CUSTOMERS, _CUSTOMERS.c.id == _CONTRACTS.c.customer_id)
    .where(_NUMBERS.c.e164 == bindparam("e164"))
    .order_by(_NUMBERS.c.contract_id, _NUMBERS.c.id)
)


class _NumberRow(NamedTuple):
    contract_id: int
    station_id: int | None
    contact_id: int | None
    customer: str
    plan: str
    start: date
    cancellation_received: date | None
    cancellation_by: str | None
    termination_effective: date | None
    termination_reason: str | None


assert _NumberRow._fields == tuple(c.key for c in BY_NUMBER.exported_columns)


def caller_matches(rows: Iterable[Iterable[Any]]) -> list[CallerMatch]:
    """Every contract a number belongs to, one match per contract, from its `BY_NUMBER`
    rows.

    A number registered both as a station and as an admin of the same contract
    is the admin: that is the stronger right on a Second Level contract.
    """
    by_contract: dict[int, CallerMatch] = {}
    for values in rows:
        row = _NumberRow(*values)
        known = by_contract.get(row.contract_id)
        if known is None:
            by_contract[row.contract_id] = CallerMatch(
                contract_id=row.contract_id,
                customer=row.customer,
                facts=facts_of(row),
                station_id=row.station_id,
                admin_id=row.contact_id,
            )
        elif known.admin_id is None and row.contact_id is not None:
            by_contract[row.contract_id] = replace(known, admin_id=row.contact_id)
        elif known.station_id is None and row.station_id is not None:
            by_contract[row.contract_id] = replace(known, station_id=row.station_id)
    return list(by_contract.values())


def lookup_number(session: Session, e164: str) -> list[Match]:
    """`caller_matches` with the contract, station and admin loaded (for the pages)."""
    return [
        Match(
            contract=session.get_one(Contract, m.contract_id),
            station=session.get(Station, m.station_id) if m.station_id else None,
            admin=session.get(Contact, m.admin_id) if m.admin_id else None,
        )
        for m in caller_matches(session.execute(BY_NUMBER, {"e164": e164}))
    ]


def contracts_of_customer(session: Session, customer_number: str) -> list[Contract]:
    """The customer's contracts, oldest first (empty for an unknown number)."""
    return list(
        session.scalars(
            select(Contract)
            .join(Customer)
            .where(Customer.number == customer_number.strip())
            .order_by(Contract.start, Contract.id)
        )
    )


def find_contract(session: Session, number: str) -> Contract | None:
    """The contract with this contract number."""
    return session.scalar(select(Contract).where(Contract.number == number.strip()))


def find_station(contract: Contract, station_number: str) -> Station | None:
    """The station of the contract with this number (leading zeros ignored)."""
    wanted = station_number.strip().lstrip("0") or "0"
    for station in contract.stations:
        if (station.number.lstrip("0") or "0") == wanted:
            return station
    return None


class CallContract(NamedTuple):
    """A call with its contract (and the contract's customer) and station, as identified."""

    call: Call
    contract: Contract | None
    station: Station | None


def contract_of_call(session: Session, call_sid: str) -> CallContract | None:
    """The call with this CallSid, its contract with the customer, and its station: one
    query."""
    row = session.execute(
        select(Call, Contract, Station)
        .outerjoin(Contract, Contract.id == Call.contract_id)
        .outerjoin(Station, Station.id == Call.station_id)
        .options(joinedload(Contract.customer))
        .where(Call.call_sid == call_sid)
    ).first()
    return CallContract(row.Call, row.Contract, row.Station) if row is not None else None
