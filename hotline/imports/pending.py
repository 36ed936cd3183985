"""A checked import kept between its dry run and "Import ausführen", with no PIN in clear.

The checked records are written as JSON in which every admin PIN is replaced by its hash
(the stored hash where the PIN did not change, so applying changes nothing needlessly).
The file is created readable by the hotline's user only and removed when the import is
applied or discarded; what nobody confirmed is removed after a day.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from hotline.contracts import Plan
from hotline.imports.pin_hashes import pending_pin_hashes
from hotline.imports.records import (
    AdminRecord,
    ContractRecord,
    CustomerRecord,
    ImportData,
    StationRecord,
)
from hotline.imports.stored import load_contracts

__all__ = ["MAX_AGE_SECONDS", "discard", "forget_old", "keep", "load"]

MAX_AGE_SECONDS = 24 * 3600
_NAME = re.compile(r"[A-Za-z0-9_-]{20,64}")
_SUFFIX = ".pending.json"


def keep(folder: Path, session: Session, data: ImportData) -> str:
    """Write the checked `data` with hashed PINs to a new file of its own; its random name."""
    hashes = pending_pin_hashes(data, load_contracts(session, list(data.contracts)))
    document = {
        "rows": data.rows,
        "customers": [asdict(c) for c in data.customers.values()],
        "contracts": [_contract(c, hashes.get(c.number)) for c in data.contracts.values()],
    }
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = secrets.token_urlsafe(24)
    # Created with its mode: the file is never readable by others, not even for a moment.
    fd = os.open(folder / f"{name}{_SUFFIX}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(document, out, ensure_ascii=False)
    return name


def load(folder: Path, name: str) -> ImportData | None:
    """The pending import of that name, or None when there is none (any more)."""
    path = _path(folder, name)
    if path is None:
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    data = ImportData(rows=int(document["rows"]))
    for c in document["customers"]:
        data.customers[c["number"]] = CustomerRecord(**c)
    for c in document["contracts"]:
        record = ContractRecord(
            line=c["line"],
            number=c["number"],
            customer_number=c["customer_number"],
            plan=Plan(c["plan"]),
            start=date.fromisoformat(c["start"]),
            admin=_admin(c["admin"]),
            stations=[StationRecord(**{**s, "phones": tuple(s["phones"])}) for s in c["stations"]],
        )
        data.contracts[record.number] = record
    return data


def discard(folder: Path, name: str) -> bool:
    """Remove the pending import; whether there was one."""
    path = _path(folder, name)
    if path is None:
        return False
    path.unlink(missing_ok=True)
    return True


def forget_old(folder: Path) -> None:
    """Remove pending imports older than a day (and files of the old clear-text form)."""
    # File mtimes are wall-clock time, so the wall clock (not the hotline's clock) ages them.
    limit = time.time() - MAX_AGE_SECONDS
    for old in [*folder.glob(f"*{_SUFFIX}"), *folder.glob("*.csv")]:
        try:
            if old.suffix == ".csv" or old.stat().st_mtime < limit:
                old.unlink()
        except OSError:
            pass


def _path(folder: Path, name: str) -> Path | None:
    if not _NAME.fullmatch(name):
        return None
    path = folder / f"{name}{_SUFFIX}"
    return path if path.is_file() else None


def _contract(record: ContractRecord, pin_hash: str | None) -> dict[str, Any]:
    admin = None
    if record.admin is not None:
        sealed = replace(record.admin, pin=None, pin_hash=pin_hash)
        admin = {**asdict(sealed), "phones": list(sealed.phones)}
    return {
        "line": record.line,
        "number": record.number,
        "customer_number": record.customer_number,
        "plan": record.plan.value,
        "start": record.start.isoformat(),
        "admin": admin,
        "stations": [{**asdict(s), "phones": list(s.phones)} for s in record.stations],
    }


def _admin(admin: dict[str, Any] | None) -> AdminRecord | None:
    if admin is None:
        return None
    return AdminRecord(**{**admin, "phones": tuple(admin["phones"])})
