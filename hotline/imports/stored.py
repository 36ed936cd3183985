"""What the database already holds for an import: loaded in bulk, and checked against the file.

Problems only the stored data reveals (a contract under another customer, a
second_level contract over its station limit together with stored stations) are
row errors like any other, found before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hotline.contracts import SECOND_LEVEL_MAX_STATIONS, Plan
from hotline.imports.records import ContractRecord, ImportData, RowError, station_key
from hotline.models import Contact, Contract, Customer, Station

__all__ = ["check_against_stored", "first_admin", "load_contracts", "load_customers"]

# Numbers per IN (...) when loading what exists: well below every database's limit.
_CHUNK = 500

_T = TypeVar("_T")


def load_customers(session: Session, numbers: list[str]) -> dict[str, Customer]:
    """The stored customers among `numbers`, by number."""
    found: dict[str, Customer] = {}
    for chunk in _chunks(numbers):
        for customer in session.scalars(select(Customer).where(Customer.number.in_(chunk))):
            found[customer.number] = customer
    return found


def load_contracts(session: Session, numbers: list[str]) -> dict[str, Contract]:
    """The stored contracts among `numbers`, by number, with stations, contacts and phones."""
    found: dict[str, Contract] = {}
    for chunk in _chunks(numbers):
        query = (
            select(Contract)
            .where(Contract.number.in_(chunk))
            .options(
                selectinload(Contract.stations).selectinload(Station.phones),
                selectinload(Contract.contacts).selectinload(Contact.phones),
            )
        )
        for contract in session.scalars(query):
            found[contract.number] = contract
    return found


def _chunks(items: Sequence[_T]) -> Iterable[Sequence[_T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def check_against_stored(
    session: Session,
    data: ImportData,
    customers: dict[str, Customer],
    contracts: dict[str, Contract],
) -> list[RowError]:
    """The errors of file contracts that the stored ones forbid; empty when the import may go on."""
    errors: list[RowError] = []
    for record in data.contracts.values():
        contract = contracts.get(record.number)
        if contract is None:
            continue
        customer = customers.get(record.customer_number)
        if customer is None or customer.id != contract.customer_id:
            owner = session.get(Customer, contract.customer_id)
            errors.append(
                RowError(
                    record.line,
                    "customer_number",
                    f"Vertrag {record.number} gehört zu Kunde "
                    f"{owner.number if owner else '?'}; ein Vertrag kann nicht zu einem "
                    "anderen Kunden wechseln",
                )
            )
        if record.plan is Plan.SECOND_LEVEL:
            errors += _too_many_stations(contract, record)
    return errors


def _too_many_stations(contract: Contract, record: ContractRecord) -> list[RowError]:
    in_file = {station_key(s.number) for s in record.stations}
    stored_only = sorted(
        (s.number for s in contract.stations if station_key(s.number) not in in_file),
        key=lambda n: (len(n.lstrip("0")), n),
    )
    total = len(in_file) + len(stored_only)
    if total <= SECOND_LEVEL_MAX_STATIONS:
        return []
    stored = {station_key(s.number) for s in contract.stations}
    first_new = next((s for s in record.stations if station_key(s.number) not in stored), None)
    return [
        RowError(
            first_new.line if first_new else record.line,
            "station_number",
            f"Vertrag {record.number} ist Second Level und hätte {total} Kassen: "
            f"{len(in_file)} aus dieser Datei und {len(stored_only)} schon gespeicherte "
            f"({'Kasse' if len(stored_only) == 1 else 'Kassen'} {', '.join(stored_only)}), "
            "die ein Import nicht entfernt; Second Level deckt höchstens "
            f"{SECOND_LEVEL_MAX_STATIONS} Kassen ab, die übrigen brauchen einen weiteren Vertrag",
        )
    ]


def first_admin(contract: Contract) -> Contact | None:
    """The admin the file's admin columns stand for: the contract's oldest."""
    admins = [c for c in contract.contacts if c.role == "admin"]
    return min(admins, key=lambda c: c.id or 0, default=None)
