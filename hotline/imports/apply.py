"""Writing a checked import to the database: an idempotent upsert by numbers.

- Customers are matched by customer number, contracts by contract number, stations
  by (contract, station number; leading zeros ignored, as callers key them in).
- Stations of an imported contract that the file does not list are left alone:
  neither changed nor deleted. A file may cover only some registers of a contract,
  and removing a station should be a deliberate act, not the side effect of a
  shorter file. They still count towards the 5 stations of a Second Level contract.
- The admin belongs to the contract: the file's admin updates the contract's first
  admin (name, e-mail, phones, PIN) or creates one. Empty admin columns (allowed on
  flat contracts) leave stored admins alone, and so does the import for any further
  admins a contract may have.
- The phones of a station and of the admin are replaced by the file's list.
- The PIN is hashed again only when it changed (`check_pin`), so importing the same
  file twice reports everything "unchanged" and writes nothing.
- `Contract.effective_end` is recomputed from the contract rules, so a corrected
  start date moves the end of a cancelled contract with it.
- A contract never moves to another customer; that, and a Second Level contract that
  would exceed 5 stations together with the stored ones, are reported as row errors
  before anything is written.

`apply_import` works inside the caller's transaction; `run_import` is the whole
all-or-nothing import (one transaction, rolled back on any error and for a dry run).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from hotline.accounts.secrets import check_pin, hash_pin
from hotline.contracts import SECOND_LEVEL_MAX_STATIONS, Plan, effective_end
from hotline.db import transaction
from hotline.imports.csv_rows import (
    AdminRecord,
    ContractRecord,
    ImportData,
    RowError,
    StationRecord,
    station_key,
)
from hotline.models import Contact, Contract, ContractEvent, Customer, PhoneNumber, Station

__all__ = ["Counts", "ImportReport", "apply_import", "run_import"]

# Numbers per IN (...) when loading what exists: well below every database's limit.
_CHUNK = 500
# Hashing a PIN takes ~15 ms on purpose; many admins are hashed on several threads
# (hashlib releases the GIL while it works).
_PARALLEL_FROM = 32

_T = TypeVar("_T")
_R = TypeVar("_R")


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class ImportReport:
    """What an import did (or, for a dry run or a rejected file, would have done)."""

    rows: int = 0
    customers: Counts = field(default_factory=Counts)
    contracts: Counts = field(default_factory=Counts)
    stations: Counts = field(default_factory=Counts)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in (self.customers, self.contracts, self.stations))

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "committed": self.committed,
            "rows": self.rows,
            "customers": asdict(self.customers),
            "contracts": asdict(self.contracts),
            "stations": asdict(self.stations),
            "errors": [asdict(e) for e in self.errors],
        }


def run_import(
    sessions: sessionmaker[Session], data: ImportData, *, now: datetime, dry_run: bool = False
) -> ImportReport:
    """Import checked data all or nothing; a dry run counts the same and rolls back."""
    if data.errors:
        return ImportReport(rows=data.rows, errors=list(data.errors), dry_run=dry_run)
    try:
        with transaction(sessions) as session:
            report = apply_import(session, data, now=now)
            report.dry_run = dry_run
            if dry_run or report.errors:
                # Rolling back the real writes is the most honest dry run: the counts
                # come from exactly the code that imports.
                raise _Discard(report)
    except _Discard as discarded:
        return discarded.report
    report.committed = True
    return report


class _Discard(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__("import discarded")
        self.report = report


def apply_import(session: Session, data: ImportData, *, now: datetime) -> ImportReport:
    """Upsert the records into `session`; the caller commits or rolls back.

    With errors in `data`, or found against the stored data, nothing is written and
    the report carries the errors.
    """
    report = ImportReport(rows=data.rows, errors=list(data.errors))
    if data.errors:
        return report
    customers = _load_customers(session, list(data.customers))
    contracts = _load_contracts(session, list(data.contracts))
    report.errors = _check_against_stored(session, data, customers, contracts)
    if report.errors:
        return report
    pin_hashes = _new_pin_hashes(data, contracts)
    # Existing rows are updated through the ORM; new rows go in with bulk INSERTs
    # (one statement per batch instead of one per object: a big file has 300k stations).
    bulk = _BulkRows()

    customer_ids = {number: c.id for number, c in customers.items()}
    for listed in data.customers.values():
        customer = customers.get(listed.number)
        if customer is None:
            bulk.customers.append(
                {
                    "number": listed.number,
                    "name": listed.name,
                    "email": listed.email,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            report.customers.created += 1
        elif (customer.name, customer.email) != (listed.name, listed.email):
            customer.name, customer.email = listed.name, listed.email
            customer.updated_at = now
            report.customers.updated += 1
        else:
            report.customers.unchanged += 1
    if bulk.customers:
        query = insert(Customer).returning(Customer.id, Customer.number)
        customer_ids.update({number: id_ for id_, number in session.execute(query, bulk.customers)})

    for record in data.contracts.values():
        contract = contracts.get(record.number)
        if contract is None:
            bulk.contracts.append(
                {
                    "number": record.number,
                    "customer_id": customer_ids[record.customer_number],
                    "plan": record.plan.value,
                    "start": record.start,
                    "effective_end": None,
                    "dial_admin_for_cashiers": False,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            report.contracts.created += 1
            continue
        changes = _update_contract(contract, record, pin_hashes.get(record.number), bulk)
        if changes:
            contract.updated_at = now
            bulk.event(contract.number, now, "import_update", "changed by import: " + changes)
            report.contracts.updated += 1
        else:
            report.contracts.unchanged += 1
        _update_stations(contract, record.stations, report, bulk)

    contract_ids = {number: c.id for number, c in contracts.items()}
    if bulk.contracts:
        query = insert(Contract).returning(Contract.id, Contract.number)
        contract_ids.update({number: id_ for id_, number in session.execute(query, bulk.contracts)})
    for row in bulk.contracts:
        record = data.contracts[row["number"]]
        bulk.event(record.number, now, "imported", "created by import")
        if record.admin is not None:
            bulk.admins.append((record.number, record.admin, pin_hashes.get(record.number)))
        for station in record.stations:
            bulk.stations.append((record.number, station))
            report.stations.created += 1

    session.flush()  # the updates of existing rows
    bulk.insert(session, contract_ids)
    # Loaded contracts that just got rows behind the ORM's back: reload on next use.
    for number in bulk.touched:
        if number in contracts:
            session.expire(contracts[number], ["stations", "contacts", "events"])
    for customer in customers.values():
        session.expire(customer, ["contracts"])
    return report


@dataclass
class _BulkRows:
    """New rows waiting for their bulk INSERT, keyed by contract number until ids are known."""

    customers: list[dict[str, Any]] = field(default_factory=list)
    contracts: list[dict[str, Any]] = field(default_factory=list)
    admins: list[tuple[str, AdminRecord, str | None]] = field(default_factory=list)
    stations: list[tuple[str, StationRecord]] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)

    def event(self, contract_number: str, at: datetime, kind: str, detail: str) -> None:
        self.events.append((contract_number, {"at": at, "kind": kind, "detail": detail}))

    def insert(self, session: Session, contract_ids: dict[str, int]) -> None:
        self.touched = (
            {n for n, _, _ in self.admins}
            | {n for n, _ in self.stations}
            | {n for n, _ in self.events}
        )
        phones: list[dict[str, Any]] = []
        if self.admins:
            rows = [
                {
                    "contract_id": contract_ids[number],
                    "role": "admin",
                    "name": admin.name,
                    "email": admin.email,
                    "pin_hash": pin_hash,
                }
                for number, admin, pin_hash in self.admins
            ]
            # One new admin per contract at most: the contract id finds the row again.
            contacts = insert(Contact).returning(Contact.id, Contact.contract_id)
            contact_ids = {contract_id: id_ for id_, contract_id in session.execute(contacts, rows)}
            for number, admin, _ in self.admins:
                contract_id = contract_ids[number]
                phones += [
                    {
                        "e164": e164,
                        "contract_id": contract_id,
                        "contact_id": contact_ids[contract_id],
                    }
                    for e164 in admin.phones
                ]
        if self.stations:
            rows = [
                {
                    "contract_id": contract_ids[number],
                    "number": station.number,
                    "name": station.name,
                    "teamviewer_id": station.teamviewer_id,
                }
                for number, station in self.stations
            ]
            stations = insert(Station).returning(Station.id, Station.contract_id, Station.number)
            station_ids = {
                (contract_id, number): id_
                for id_, contract_id, number in session.execute(stations, rows)
            }
            for number, station in self.stations:
                contract_id = contract_ids[number]
                station_id = station_ids[(contract_id, station.number)]
                phones += [
                    {"e164": e164, "contract_id": contract_id, "station_id": station_id}
                    for e164 in station.phones
                ]
        if phones:
            # Every row with the same keys, as an executemany needs them.
            for phone in phones:
                phone.setdefault("station_id", None)
                phone.setdefault("contact_id", None)
            session.execute(insert(PhoneNumber), phones)
        if self.events:
            rows = [{"contract_id": contract_ids[n], **event} for n, event in self.events]
            session.execute(insert(ContractEvent), rows)


# --------------------------------------------------------------------------- loading


def _chunks(items: Sequence[_T]) -> Iterable[Sequence[_T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _load_customers(session: Session, numbers: list[str]) -> dict[str, Customer]:
    found: dict[str, Customer] = {}
    for chunk in _chunks(numbers):
        for customer in session.scalars(select(Customer).where(Customer.number.in_(chunk))):
            found[customer.number] = customer
    return found


def _load_contracts(session: Session, numbers: list[str]) -> dict[str, Contract]:
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


def _check_against_stored(
    session: Session,
    data: ImportData,
    customers: dict[str, Customer],
    contracts: dict[str, Contract],
) -> list[RowError]:
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
                    f"contract {record.number} belongs to customer "
                    f"{owner.number if owner else '?'}; a contract cannot move to another "
                    "customer",
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
            f"contract {record.number} is second_level and would have {total} stations: "
            f"{len(in_file)} in this file and {len(stored_only)} more already stored "
            f"(station {', '.join(stored_only)}), which an import leaves alone; at most "
            f"{SECOND_LEVEL_MAX_STATIONS}, put the others on a second contract",
        )
    ]


# --------------------------------------------------------------------------- writing


def _first_admin(contract: Contract) -> Contact | None:
    admins = [c for c in contract.contacts if c.role == "admin"]
    return min(admins, key=lambda c: c.id or 0, default=None)


def _new_pin_hashes(data: ImportData, contracts: dict[str, Contract]) -> dict[str, str]:
    """A fresh hash per contract whose admin PIN is new or changed; unchanged PINs keep theirs."""
    to_check: list[tuple[str, str, str]] = []
    to_hash: list[tuple[str, str]] = []
    for record in data.contracts.values():
        if record.admin is None or record.admin.pin is None:
            continue
        contract = contracts.get(record.number)
        admin = _first_admin(contract) if contract is not None else None
        if admin is not None and admin.pin_hash:
            to_check.append((record.number, admin.pin_hash, record.admin.pin))
        else:
            to_hash.append((record.number, record.admin.pin))
    same = _parallel(lambda item: check_pin(item[1], item[2]), to_check)
    to_hash += [
        (number, pin) for (number, _, pin), kept in zip(to_check, same, strict=True) if not kept
    ]
    hashes = _parallel(lambda item: hash_pin(item[1]), to_hash)
    return {number: hashed for (number, _), hashed in zip(to_hash, hashes, strict=True)}


def _parallel(work: Callable[[_T], _R], items: list[_T]) -> list[_R]:
    if len(items) < _PARALLEL_FROM:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        return list(pool.map(work, items, chunksize=8))


def _e164s(phones: list[PhoneNumber]) -> list[str]:
    return [p.e164 for p in sorted(phones, key=lambda p: p.id or 0)]


def _update_contract(
    contract: Contract, record: ContractRecord, new_pin_hash: str | None, bulk: _BulkRows
) -> str:
    """Bring a stored contract in line with the file; what changed, as text ("" for nothing)."""
    changes: list[str] = []
    if contract.plan != record.plan.value:
        changes.append(f"plan {contract.plan} → {record.plan.value}")
        contract.plan = record.plan.value
    if contract.start != record.start:
        changes.append(f"start {contract.start.isoformat()} → {record.start.isoformat()}")
        contract.start = record.start
    if record.admin is not None:
        admin = _first_admin(contract)
        if admin is None:
            bulk.admins.append((record.number, record.admin, new_pin_hash))
            changes.append("admin")
        elif _update_admin(contract, admin, record.admin, new_pin_hash):
            changes.append("admin")
    end = effective_end(contract.facts)
    if contract.effective_end != end:
        contract.effective_end = end
        changes.append("effective end")
    return ", ".join(changes)


def _update_admin(
    contract: Contract, admin: Contact, record: AdminRecord, new_pin_hash: str | None
) -> bool:
    changed = False
    if admin.name != record.name:
        admin.name, changed = record.name, True
    if admin.email != record.email:
        admin.email, changed = record.email, True
    if record.pin is None:
        if admin.pin_hash is not None:
            admin.pin_hash, changed = None, True
    elif new_pin_hash is not None:
        admin.pin_hash, changed = new_pin_hash, True
    if _e164s(admin.phones) != list(record.phones):
        admin.phones = [PhoneNumber(e164=p, contract_id=contract.id) for p in record.phones]
        changed = True
    return changed


def _update_stations(
    contract: Contract, records: list[StationRecord], report: ImportReport, bulk: _BulkRows
) -> None:
    stored = {station_key(s.number): s for s in contract.stations}
    for record in records:
        station = stored.get(station_key(record.number))
        if station is None:
            bulk.stations.append((contract.number, record))
            report.stations.created += 1
            continue
        changed = False
        if station.name != record.name:
            station.name, changed = record.name, True
        if station.teamviewer_id != record.teamviewer_id:
            station.teamviewer_id, changed = record.teamviewer_id, True
        if _e164s(station.phones) != list(record.phones):
            station.phones = [PhoneNumber(e164=p, contract_id=contract.id) for p in record.phones]
            changed = True
        if changed:
            report.stations.updated += 1
        else:
            report.stations.unchanged += 1
