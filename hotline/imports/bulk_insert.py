"""The new rows of an import, collected while upserting and written with bulk INSERTs.

One statement per batch instead of one per ORM object: a big file has 300k
stations. Rows are keyed by contract number until the contracts have ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from hotline.imports.records import AdminRecord, StationRecord
from hotline.models import Contact, ContractEvent, PhoneNumber, Station

__all__ = ["BulkRows"]


@dataclass
class BulkRows:
    """New rows waiting for their bulk INSERT, keyed by contract number until ids are known."""

    customers: list[dict[str, Any]] = field(default_factory=list)
    contracts: list[dict[str, Any]] = field(default_factory=list)
    admins: list[tuple[str, AdminRecord, str | None]] = field(default_factory=list)
    stations: list[tuple[str, StationRecord]] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)

    def event(self, contract_number: str, at: datetime, kind: str, detail: str) -> None:
        """Log a contract event, written with the other new rows."""
        self.events.append((contract_number, {"at": at, "kind": kind, "detail": detail}))

    def insert(self, session: Session, contract_ids: dict[str, int]) -> None:
        """Insert the admins, stations, their phones and the events; note the contracts touched.

        Customers and contracts are inserted by the caller first, as their ids are needed here.
        """
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
