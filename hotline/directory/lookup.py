"""Who is calling: from a caller's number or customer number to contracts, stations and admins."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from hotline.models import Contact, Contract, Customer, PhoneNumber, Station


@dataclass(frozen=True)
class Match:
    """One contract a number belongs to, and as whose number."""

    contract: Contract
    station: Station | None = None
    admin: Contact | None = None

    @property
    def is_admin(self) -> bool:
        return self.admin is not None


# One query, built once per process: the numbers with their station or contact, contract
# and customer (a webhook greets the caller by the customer's name).
_BY_NUMBER = (
    select(PhoneNumber, Contract)
    .join(Contract, Contract.id == PhoneNumber.contract_id)
    .where(PhoneNumber.e164 == bindparam("e164"))
    .options(
        joinedload(PhoneNumber.station),
        joinedload(PhoneNumber.contact),
        joinedload(Contract.customer),
    )
    .order_by(PhoneNumber.contract_id, PhoneNumber.id)
)


def lookup_number(session: Session, e164: str) -> list[Match]:
    """Every contract the E.164 number belongs to, one match per contract.

    A number registered both as a station and as an admin of the same contract
    is the admin: that is the stronger right on a Second Level contract.
    """
    rows = session.execute(_BY_NUMBER, {"e164": e164}).all()
    by_contract: dict[int, Match] = {}
    for row, contract in rows:
        known = by_contract.get(row.contract_id)
        if row.contact is not None and (known is None or known.admin is None):
            by_contract[row.contract_id] = Match(
                contract=contract,
                station=known.station if known else None,
                admin=row.contact,
            )
        elif row.station is not None and (known is None or known.station is None):
            by_contract[row.contract_id] = Match(
                contract=contract,
                station=row.station,
                admin=known.admin if known else None,
            )
    return list(by_contract.values())


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
