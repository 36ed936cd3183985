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

`apply_import` works inside the caller's transaction; `run_import` wraps it in one
of its own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from hotline.contracts import effective_end
from hotline.imports.bulk_insert import BulkRows
from hotline.imports.pin_hashes import new_pin_hashes
from hotline.imports.records import (
    AdminRecord,
    ContractRecord,
    ImportData,
    StationRecord,
    station_key,
)
from hotline.imports.report import ImportReport
from hotline.imports.stored import (
    check_against_stored,
    first_admin,
    load_contracts,
    load_customers,
)
from hotline.models import Contact, Contract, Customer, PhoneNumber

__all__ = ["apply_import"]


def apply_import(session: Session, data: ImportData, *, now: datetime) -> ImportReport:
    """Upsert the records into `session`; the caller commits or rolls back.

    With errors in `data`, or found against the stored data, nothing is written and
    the report carries the errors.
    """
    report = ImportReport(rows=data.rows, errors=list(data.errors))
    if data.errors:
        return report
    customers = load_customers(session, list(data.customers))
    contracts = load_contracts(session, list(data.contracts))
    report.errors = check_against_stored(session, data, customers, contracts)
    if report.errors:
        return report
    pin_hashes = new_pin_hashes(data, contracts)
    # Existing rows are updated through the ORM; new rows go in with bulk INSERTs.
    bulk = BulkRows()

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
                    "dial_admin_for_cashiers": bool(record.cashier_dial_admin),
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


def _e164s(phones: list[PhoneNumber]) -> list[str]:
    return [p.e164 for p in sorted(phones, key=lambda p: p.id or 0)]


def _update_contract(
    contract: Contract, record: ContractRecord, new_pin_hash: str | None, bulk: BulkRows
) -> str:
    """Bring a stored contract in line with the file; what changed, as text ("" for nothing)."""
    changes: list[str] = []
    if contract.plan != record.plan.value:
        changes.append(f"plan {contract.plan} → {record.plan.value}")
        contract.plan = record.plan.value
    if contract.start != record.start:
        changes.append(f"start {contract.start.isoformat()} → {record.start.isoformat()}")
        contract.start = record.start
    wanted = record.cashier_dial_admin
    if wanted is not None and contract.dial_admin_for_cashiers != wanted:
        changes.append(f"cashier_dial_admin {'on' if wanted else 'off'}")
        contract.dial_admin_for_cashiers = wanted
    if record.admin is not None:
        admin = first_admin(contract)
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
    if not record.has_pin:
        if admin.pin_hash is not None:
            admin.pin_hash, changed = None, True
    elif new_pin_hash is not None:
        admin.pin_hash, changed = new_pin_hash, True
    if _e164s(admin.phones) != list(record.phones):
        admin.phones = [PhoneNumber(e164=p, contract_id=contract.id) for p in record.phones]
        changed = True
    return changed


def _update_stations(
    contract: Contract, records: list[StationRecord], report: ImportReport, bulk: BulkRows
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
