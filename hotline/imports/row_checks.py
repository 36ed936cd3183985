"""The checks of one row on its own: required cells, lengths and formats of each column.

A row that passes keeps its parsed values (plan, start date, E.164 phones) so the
checks across rows and the records need not parse again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from hotline.contracts import Plan
from hotline.directory.phones import normalize
from hotline.imports.columns import ADMIN_COLUMNS, ALL_COLUMNS, MAX_LENGTH, REQUIRED
from hotline.imports.records import RowError

__all__ = ["CheckedRow", "check_row"]

_DIGITS = re.compile(r"[0-9]+")
_PIN = re.compile(r"[0-9]{4,8}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EMAIL = re.compile(r"[^@\s,;<>\"]+@[^@\s,;<>\".]+(\.[^@\s,;<>\".]+)+")
_CONTRACT_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_TEAMVIEWER = re.compile(r"[0-9][0-9 -]*")
_YES_NO = {
    **dict.fromkeys(("ja", "j", "yes", "y", "true", "wahr", "1", "x"), True),
    **dict.fromkeys(("nein", "n", "no", "false", "falsch", "0"), False),
}


@dataclass
class CheckedRow:
    """A row's stripped cells and what could be parsed of them (None where invalid)."""

    line: int
    cells: dict[str, str]
    plan: Plan | None = None
    start: date | None = None
    station_phones: tuple[str, ...] | None = None
    admin_phones: tuple[str, ...] | None = None
    cashier_dial_admin: bool | None = None
    valid: set[str] = field(default_factory=set)


def check_row(line: int, raw: Mapping[str, str]) -> tuple[CheckedRow, list[RowError]]:
    """Check every column of one row; the row with its parsed values, and all its errors."""
    cells = {column: (raw.get(column) or "").strip() for column in ALL_COLUMNS}
    row = CheckedRow(line=line, cells=cells)
    errors: list[RowError] = []

    def fail(column: str, message: str) -> None:
        errors.append(RowError(line, column, message))

    for column in ALL_COLUMNS:
        value = cells[column]
        if not value:
            if column in REQUIRED:
                fail(column, "fehlt (Pflichtfeld)")
            continue
        limit = MAX_LENGTH.get(column)
        if limit is not None and len(value) > limit:
            fail(column, f"zu lang (höchstens {limit} Zeichen)")
            continue
        message = _check_value(column, value, row)
        if message is None:
            row.valid.add(column)
        else:
            fail(column, message)

    admin_given = any(cells[c] for c in ADMIN_COLUMNS)
    if row.plan is Plan.SECOND_LEVEL:
        for column in ("admin_name", "admin_phones", "admin_pin"):
            if not cells[column]:
                fail(column, "fehlt (Pflicht bei Tarif second_level)")
    elif admin_given and not cells["admin_name"]:
        fail("admin_name", "fehlt (Pflicht, sobald eine andere admin-Spalte gefüllt ist)")
    if row.cashier_dial_admin and row.plan is Plan.FLAT:
        fail(
            "cashier_dial_admin",
            "gibt es nur bei Tarif second_level (bei flat erreicht jeder den Support)",
        )
    return row, errors


def _check_value(column: str, value: str, row: CheckedRow) -> str | None:
    """None when the value is good (and stores parsed values on `row`), else the reason (German)."""
    if column in ("customer_number", "station_number"):
        if not _DIGITS.fullmatch(value):
            return f"nur Ziffern erlaubt (wird am Telefon eingetippt), nicht »{value}«"
    elif column in ("customer_email", "admin_email"):
        if not _EMAIL.fullmatch(value):
            return f"»{value}« ist keine gültige E-Mail-Adresse"
    elif column == "contract_number":
        if not _CONTRACT_NUMBER.fullmatch(value):
            return f"nur Buchstaben, Ziffern und . _ / - erlaubt, nicht »{value}«"
    elif column == "plan":
        try:
            row.plan = Plan(value.lower())
        except ValueError:
            return f"»{value}« ist kein Tarif (flat oder second_level)"
    elif column == "contract_start":
        if not _ISO_DATE.fullmatch(value):
            return f"»{value}« ist kein Datum der Form JJJJ-MM-TT (z. B. 2025-03-01)"
        try:
            row.start = date.fromisoformat(value)
        except ValueError:
            return f"»{value}« gibt es nicht im Kalender"
    elif column in ("station_phones", "admin_phones"):
        phones, problem = _phones(value)
        if problem is not None:
            return problem
        if column == "station_phones":
            row.station_phones = phones
        else:
            row.admin_phones = phones
    elif column == "teamviewer_id":
        if not _TEAMVIEWER.fullmatch(value):
            return f"nur Ziffern und Leerzeichen erlaubt, nicht »{value}«"
    elif column == "admin_pin" and not _PIN.fullmatch(value):
        return "muss 4–8 Ziffern haben"  # never repeat a PIN in a message
    elif column == "cashier_dial_admin":
        row.cashier_dial_admin = _YES_NO.get(value.casefold())
        if row.cashier_dial_admin is None:
            return f"»{value}« ist weder ja noch nein"
    return None


def _phones(value: str) -> tuple[tuple[str, ...], str | None]:
    """E.164 numbers of a ";"-separated cell, or the reason naming every bad part."""
    parts = [part.strip() for part in value.split(";")]
    parts = [part for part in parts if part]
    numbers: list[str] = []
    bad: list[str] = []
    for position, part in enumerate(parts, start=1):
        e164 = normalize(part)
        if e164 is None:
            notes = [f"{position}. Nummer"] if len(parts) > 1 else []
            digits = part.lstrip()
            if digits[:1].isdigit() and not digits.startswith("0"):
                notes.append("Vorwahl oder + fehlt?")
            bad.append(f"»{part}«" + (f" ({'; '.join(notes)})" if notes else ""))
        elif e164 not in numbers:
            numbers.append(e164)
    if len(bad) == 1:
        return (), f"{bad[0]} ist keine gültige Telefonnummer"
    if bad:
        listed = ", ".join(bad[:-1]) + " und " + bad[-1]
        return (), f"{listed} sind keine gültigen Telefonnummern"
    return tuple(numbers), None
