"""The records a checked customer file turns into, and the `RowError` that rejects one.

Plain data, no database: `read_csv` / `validate_rows` produce an `ImportData`, the
upsert consumes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from hotline.contracts import Plan

__all__ = [
    "AdminRecord",
    "ContractRecord",
    "CustomerRecord",
    "ImportData",
    "RowError",
    "StationRecord",
    "station_key",
]


@dataclass(frozen=True, order=True)
class RowError:
    """One problem of the file: `line` as in the file (header = 1), the column, the reason.

    The message is German (supervisors read it on the upload page), short and concrete;
    `str()` gives "Zeile 7, admin_pin: muss 4–8 Ziffern haben".
    """

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return f"Zeile {self.line}, {self.column}: {self.message}"
        return f"Zeile {self.line}: {self.message}"


@dataclass(frozen=True)
class CustomerRecord:
    line: int  # first line the customer appears on
    number: str
    name: str
    email: str


@dataclass(frozen=True)
class AdminRecord:
    """The contract's admin as the file gives it (the PIN in clear, hashed when stored).

    A pending import (hotline/imports/pending.py) carries `pin_hash` instead of `pin`.
    """

    name: str
    phones: tuple[str, ...]
    email: str | None
    pin: str | None
    pin_hash: str | None = None

    @property
    def has_pin(self) -> bool:
        return self.pin is not None or self.pin_hash is not None

    def __repr__(self) -> str:  # keep PINs out of logs and tracebacks
        return f"AdminRecord(name={self.name!r}, phones={self.phones!r}, email={self.email!r})"


@dataclass(frozen=True)
class StationRecord:
    line: int
    number: str
    name: str
    phones: tuple[str, ...]
    teamviewer_id: str | None


@dataclass
class ContractRecord:
    line: int  # first line the contract appears on
    number: str
    customer_number: str
    plan: Plan
    start: date
    admin: AdminRecord | None
    stations: list[StationRecord] = field(default_factory=list)
    # Put cashiers through to the admin; None: the file does not say (left as stored).
    cashier_dial_admin: bool | None = None


@dataclass
class ImportData:
    """A checked file: the records to upsert, or the errors that reject it."""

    customers: dict[str, CustomerRecord] = field(default_factory=dict)
    contracts: dict[str, ContractRecord] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def station_count(self) -> int:
        return sum(len(c.stations) for c in self.contracts.values())


def station_key(number: str) -> str:
    """Station numbers compare without leading zeros, as callers key them in."""
    return number.lstrip("0") or "0"
