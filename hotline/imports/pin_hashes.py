"""Hashing the admin PINs of an import, only where a PIN is new or changed.

Hashing a PIN takes ~15 ms on purpose, so a file with many admins is hashed on
several threads (hashlib releases the GIL while it works), and an unchanged PIN
keeps its stored hash: importing the same file twice writes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from hotline.accounts.secrets import check_pin, hash_pin
from hotline.imports.records import ImportData
from hotline.imports.stored import first_admin
from hotline.models import Contract

__all__ = ["new_pin_hashes", "pending_pin_hashes"]

# Below this many, starting threads costs more than it saves.
_PARALLEL_FROM = 32

_T = TypeVar("_T")
_R = TypeVar("_R")


def new_pin_hashes(data: ImportData, contracts: dict[str, Contract]) -> dict[str, str]:
    """A fresh hash per contract whose admin PIN is new or changed; unchanged PINs keep theirs."""
    to_check: list[tuple[str, str, str]] = []
    to_hash: list[tuple[str, str]] = []
    sealed: dict[str, str] = {}
    for record in data.contracts.values():
        if record.admin is None or not record.admin.has_pin:
            continue
        contract = contracts.get(record.number)
        admin = first_admin(contract) if contract is not None else None
        if record.admin.pin is None:
            # Hashed already (a pending import); the stored hash itself when unchanged.
            if admin is None or admin.pin_hash != record.admin.pin_hash:
                sealed[record.number] = record.admin.pin_hash or ""
        elif admin is not None and admin.pin_hash:
            to_check.append((record.number, admin.pin_hash, record.admin.pin))
        else:
            to_hash.append((record.number, record.admin.pin))
    same = _parallel(lambda item: check_pin(item[1], item[2]), to_check)
    to_hash += [
        (number, pin) for (number, _, pin), kept in zip(to_check, same, strict=True) if not kept
    ]
    hashes = _parallel(lambda item: hash_pin(item[1]), to_hash)
    return sealed | {number: hashed for (number, _), hashed in zip(to_hash, hashes, strict=True)}


def pending_pin_hashes(data: ImportData, contracts: dict[str, Contract]) -> dict[str, str]:
    """A hash for every admin PIN of the file, for keeping it pending: the stored hash where
    the PIN is unchanged (so applying the file later changes nothing), else a fresh one."""
    hashes = new_pin_hashes(data, contracts)
    for record in data.contracts.values():
        if record.number in hashes or record.admin is None or not record.admin.has_pin:
            continue
        contract = contracts.get(record.number)
        admin = first_admin(contract) if contract is not None else None
        if admin is not None and admin.pin_hash:
            hashes[record.number] = admin.pin_hash
    return hashes


def _parallel(work: Callable[[_T], _R], items: list[_T]) -> list[_R]:
    if len(items) < _PARALLEL_FROM:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        return list(pool.map(work, items, chunksize=8))
