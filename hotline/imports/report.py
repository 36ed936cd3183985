"""What an import did: counts per kind of row, and the errors that stopped it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from hotline.imports.records import RowError

__all__ = ["Counts", "ImportReport"]


@dataclass
class Counts:
    """Rows of one kind (customers, contracts or stations) by what the import did to them."""

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
