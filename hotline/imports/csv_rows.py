"""Reading and checking the customer CSV: plain data in, plain data out, no database.

One row per station; the customer, contract and admin columns repeat on every row
of a contract and must agree. Every problem is collected, never only the first, so
a supervisor can fix the whole file in one go: each `RowError` names the line as an
editor shows it (the header is line 1), the column and a short reason.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from hotline.contracts import SECOND_LEVEL_MAX_STATIONS, Plan
from hotline.directory.phones import normalize

__all__ = [
    "COLUMNS",
    "AdminRecord",
    "ContractRecord",
    "CustomerRecord",
    "ImportData",
    "RowError",
    "StationRecord",
    "read_csv",
    "station_key",
    "validate_rows",
]

COLUMNS: tuple[str, ...] = (
    "customer_number",
    "customer_name",
    "customer_email",
    "contract_number",
    "plan",
    "contract_start",
    "station_number",
    "station_name",
    "station_phones",
    "teamviewer_id",
    "admin_name",
    "admin_phones",
    "admin_email",
    "admin_pin",
)
_ADMIN_COLUMNS = ("admin_name", "admin_phones", "admin_email", "admin_pin")
_REQUIRED = (
    "customer_number",
    "customer_name",
    "customer_email",
    "contract_number",
    "plan",
    "contract_start",
    "station_number",
    "station_name",
)
# The column sizes of the tables the rows end up in.
_MAX_LENGTH = {
    "customer_number": 20,
    "customer_name": 200,
    "customer_email": 254,
    "contract_number": 40,
    "station_number": 20,
    "station_name": 200,
    "teamviewer_id": 40,
    "admin_name": 200,
    "admin_email": 254,
}

_DIGITS = re.compile(r"[0-9]+")
_PIN = re.compile(r"[0-9]{4,8}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EMAIL = re.compile(r"[^@\s,;<>\"]+@[^@\s,;<>\".]+(\.[^@\s,;<>\".]+)+")
_CONTRACT_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_TEAMVIEWER = re.compile(r"[0-9][0-9 -]*")


@dataclass(frozen=True, order=True)
class RowError:
    """One problem of the file: `line` as in the file (header = 1), the column, the reason."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return f"line {self.line}, {self.column}: {self.message}"
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class CustomerRecord:
    line: int  # first line the customer appears on
    number: str
    name: str
    email: str


@dataclass(frozen=True)
class AdminRecord:
    """The contract's admin as the file gives it (the PIN in clear, hashed when stored)."""

    name: str
    phones: tuple[str, ...]
    email: str | None
    pin: str | None

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


# --------------------------------------------------------------------------- reading


def read_csv(source: bytes | str) -> ImportData:
    """Decode, split and check a whole CSV file (UTF-8, a BOM allowed; "," or ";").

    The delimiter is taken from the header line, so German Excel exports with ";"
    work as they come.
    """
    if isinstance(source, bytes):
        try:
            text = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = source.count(b"\n", 0, exc.start) + 1
            bad = source[exc.start : exc.start + 1].hex()
            return ImportData(
                errors=[
                    RowError(
                        line,
                        "",
                        f"the file is not UTF-8 (byte 0x{bad}); "
                        'save it as "CSV UTF-8" and import it again',
                    )
                ]
            )
    else:
        text = source.removeprefix("\ufeff")
    if not text.strip():
        return ImportData(errors=[RowError(1, "", "the file is empty; line 1 must be the header")])

    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    names: list[str] | None = None
    numbered: list[tuple[int, dict[str, str]]] = []
    errors: list[RowError] = []
    previous_end = 0
    try:
        for cells in reader:
            line = previous_end + 1  # a quoted value may span lines: report where the row starts
            previous_end = reader.line_num
            if names is None:
                names, header_errors = _check_header(cells)
                if header_errors:
                    return ImportData(errors=header_errors)
                continue
            if not any(cell.strip() for cell in cells):
                continue  # blank line, or only delimiters
            if len(cells) != len(names) and not (
                len(cells) > len(names) and not any(c.strip() for c in cells[len(names) :])
            ):
                errors.append(
                    RowError(
                        line,
                        "",
                        f"has {len(cells)} values, the header has {len(names)} columns "
                        f'(a missing or extra "{delimiter}"?)',
                    )
                )
                continue
            numbered.append((line, dict(zip(names, cells, strict=False))))
    except csv.Error as exc:
        errors.append(RowError(previous_end + 1, "", f"cannot be read as CSV: {exc}"))
        return ImportData(errors=errors, rows=len(numbered))

    data = _validate(numbered)
    data.errors = sorted(errors + data.errors, key=_error_order)
    if data.errors:
        data.customers, data.contracts = {}, {}
    return data


def _check_header(cells: list[str]) -> tuple[list[str], list[RowError]]:
    names = [cell.strip() for cell in cells]
    # Spreadsheets like to add empty columns at the end; they carry nothing.
    while names and not names[-1]:
        names.pop()
    errors: list[RowError] = []
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not name:
            errors.append(RowError(1, f"column {position}", "has no name"))
        elif name in seen:
            errors.append(RowError(1, name, "column appears twice"))
        elif name not in COLUMNS:
            hint = f" (write it as {name.lower()})" if name.lower() in COLUMNS else ""
            errors.append(RowError(1, name, f"unknown column{hint}"))
        seen.add(name)
    for column in COLUMNS:
        if column not in seen:
            errors.append(RowError(1, column, "column is missing"))
    return names, errors


def validate_rows(rows: Iterable[Mapping[str, str | None]]) -> ImportData:
    """Check rows given as mappings of column → text (first row = line 2, as after a header).

    The same checks as `read_csv`, for rows built in memory (the demo data).
    """
    numbered: list[tuple[int, dict[str, str]]] = []
    unknown: list[RowError] = []
    for line, row in enumerate(rows, start=2):
        unknown += [RowError(line, key, "unknown column") for key in row if key not in COLUMNS]
        numbered.append((line, {column: row.get(column) or "" for column in COLUMNS}))
    data = _validate(numbered)
    if unknown:
        data.errors = sorted(unknown + data.errors, key=_error_order)
        data.customers, data.contracts = {}, {}
    return data


# --------------------------------------------------------------------------- one row


@dataclass
class _Row:
    """A row's stripped cells and what could be parsed of them (None where invalid)."""

    line: int
    cells: dict[str, str]
    plan: Plan | None = None
    start: date | None = None
    station_phones: tuple[str, ...] | None = None
    admin_phones: tuple[str, ...] | None = None
    valid: set[str] = field(default_factory=set)


def _check_row(line: int, raw: Mapping[str, str]) -> tuple[_Row, list[RowError]]:
    cells = {column: (raw.get(column) or "").strip() for column in COLUMNS}
    row = _Row(line=line, cells=cells)
    errors: list[RowError] = []

    def fail(column: str, message: str) -> None:
        errors.append(RowError(line, column, message))

    for column in COLUMNS:
        value = cells[column]
        if not value:
            if column in _REQUIRED:
                fail(column, "missing (required)")
            continue
        limit = _MAX_LENGTH.get(column)
        if limit is not None and len(value) > limit:
            fail(column, f"too long (at most {limit} characters)")
            continue
        message = _check_value(column, value, row)
        if message is None:
            row.valid.add(column)
        else:
            fail(column, message)

    admin_given = any(cells[c] for c in _ADMIN_COLUMNS)
    if row.plan is Plan.SECOND_LEVEL:
        for column in ("admin_name", "admin_phones", "admin_pin"):
            if not cells[column]:
                fail(column, "missing (required for second_level)")
    elif admin_given and not cells["admin_name"]:
        fail("admin_name", "missing (required when other admin columns are filled)")
    return row, errors


def _check_value(column: str, value: str, row: _Row) -> str | None:
    """None when the value is good (and stores parsed values on `row`), else the reason."""
    if column in ("customer_number", "station_number"):
        if not _DIGITS.fullmatch(value):
            return f'must be digits only (keyed in on the phone), not "{value}"'
    elif column in ("customer_email", "admin_email"):
        if not _EMAIL.fullmatch(value):
            return f'not a valid e-mail address: "{value}"'
    elif column == "contract_number":
        if not _CONTRACT_NUMBER.fullmatch(value):
            return f'only letters, digits and . _ / - allowed, not "{value}"'
    elif column == "plan":
        try:
            row.plan = Plan(value.lower())
        except ValueError:
            return f'unknown plan "{value}" (flat or second_level)'
    elif column == "contract_start":
        if not _ISO_DATE.fullmatch(value):
            return f'not an ISO date (YYYY-MM-DD, e.g. 2025-03-01): "{value}"'
        try:
            row.start = date.fromisoformat(value)
        except ValueError:
            return f'no such date: "{value}"'
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
            return f'must be digits (spaces allowed), not "{value}"'
    elif column == "admin_pin" and not _PIN.fullmatch(value):
        return "must be 4–8 digits"  # never repeat a PIN in a message
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
            where = f"part {position} " if len(parts) > 1 else ""
            hint = ""
            digits = part.lstrip()
            if digits[:1].isdigit() and not digits.startswith("0"):
                hint = " (area code or + missing?)"
            bad.append(f'{where}"{part}"{hint}')
        elif e164 not in numbers:
            numbers.append(e164)
    if bad:
        noun = "not a valid phone number" if len(bad) == 1 else "not valid phone numbers"
        return (), f"{noun}: {', '.join(bad)}"
    return tuple(numbers), None


# --------------------------------------------------------------------------- the file


def _validate(numbered: Iterable[tuple[int, Mapping[str, str]]]) -> ImportData:
    rows: list[_Row] = []
    errors: list[RowError] = []
    for line, raw in numbered:
        row, row_errors = _check_row(line, raw)
        rows.append(row)
        errors += row_errors
    errors += _check_across_rows(rows)
    errors.sort(key=_error_order)
    data = ImportData(errors=errors, rows=len(rows))
    if not errors:
        _build_records(rows, data)
    return data


class _Agreement:
    """Remembers the first valid value of a field per key and reports later rows that differ."""

    def __init__(self, column: str, what: str, show_value: bool = True) -> None:
        self.column = column
        self.what = what
        self.show_value = show_value
        self.first: dict[str, tuple[int, object, str]] = {}

    def check(self, key: str, row: _Row, value: object, shown: str) -> RowError | None:
        known = self.first.get(key)
        if known is None:
            self.first[key] = (row.line, value, shown)
            return None
        line, first_value, first_shown = known
        if value == first_value:
            return None
        if self.column == "customer_number":
            return RowError(
                row.line,
                self.column,
                f"contract {key} is under customer {first_shown} on line {line}; "
                "a contract belongs to one customer",
            )
        was = f': "{first_shown}"' if self.show_value and first_shown else ""
        if self.show_value and not first_shown:
            was = ": empty"
        return RowError(
            row.line,
            self.column,
            f"differs from line {line} ({self.what} {key}{was}); "
            f"all rows of one {self.what} must agree",
        )


def _check_across_rows(rows: list[_Row]) -> list[RowError]:
    errors: list[RowError] = []
    customer_of = _Agreement("customer_number", "contract")
    customer_name = _Agreement("customer_name", "customer")
    customer_email = _Agreement("customer_email", "customer")
    plan = _Agreement("plan", "contract")
    start = _Agreement("contract_start", "contract")
    admin = {
        "admin_name": _Agreement("admin_name", "contract"),
        "admin_phones": _Agreement("admin_phones", "contract"),
        "admin_email": _Agreement("admin_email", "contract"),
        "admin_pin": _Agreement("admin_pin", "contract", show_value=False),
    }
    stations_seen: dict[tuple[str, str], int] = {}
    contract_stations: dict[str, list[int]] = {}

    for row in rows:
        c = row.cells
        contract = c["contract_number"] if "contract_number" in row.valid else None
        customer = c["customer_number"] if "customer_number" in row.valid else None
        checks: list[RowError | None] = []
        if customer is not None:
            if "customer_name" in row.valid:
                checks.append(
                    customer_name.check(customer, row, c["customer_name"], c["customer_name"])
                )
            if "customer_email" in row.valid:
                email = c["customer_email"]
                checks.append(customer_email.check(customer, row, email.casefold(), email))
        if contract is not None:
            if customer is not None:
                checks.append(customer_of.check(contract, row, customer, customer))
            if row.plan is not None:
                checks.append(plan.check(contract, row, row.plan, row.plan.value))
            if row.start is not None:
                checks.append(start.check(contract, row, row.start, c["contract_start"]))
            for column, agreement in admin.items():
                value = c[column]
                if value and column not in row.valid:
                    continue  # reported as invalid already
                if not value and row.plan is Plan.SECOND_LEVEL and column != "admin_email":
                    continue  # reported as missing already
                key: object = value
                if column == "admin_phones":
                    key = row.admin_phones or ()
                elif column == "admin_email":
                    key = value.casefold()
                checks.append(agreement.check(contract, row, key, value))
            if "station_number" in row.valid:
                number = c["station_number"]
                seen_on = stations_seen.setdefault((contract, station_key(number)), row.line)
                if seen_on != row.line:
                    checks.append(
                        RowError(
                            row.line,
                            "station_number",
                            f"station {number} of contract {contract} is already on line "
                            f"{seen_on}; each station once",
                        )
                    )
                else:
                    contract_stations.setdefault(contract, []).append(row.line)
        errors += [e for e in checks if e is not None]

    for contract, lines in contract_stations.items():
        known_plan = plan.first.get(contract)
        if known_plan is None or known_plan[1] is not Plan.SECOND_LEVEL:
            continue
        if len(lines) <= SECOND_LEVEL_MAX_STATIONS:
            continue
        listed = ", ".join(str(n) for n in lines)
        for line in lines[SECOND_LEVEL_MAX_STATIONS:]:
            errors.append(
                RowError(
                    line,
                    "station_number",
                    f"contract {contract} is second_level and lists {len(lines)} stations "
                    f"(lines {listed}); at most {SECOND_LEVEL_MAX_STATIONS}, "
                    f"the {SECOND_LEVEL_MAX_STATIONS + 1}th and later need a second contract",
                )
            )
    return errors


def _build_records(rows: list[_Row], data: ImportData) -> None:
    for row in rows:
        c = row.cells
        assert row.plan is not None and row.start is not None  # checked: no errors
        if c["customer_number"] not in data.customers:
            data.customers[c["customer_number"]] = CustomerRecord(
                line=row.line,
                number=c["customer_number"],
                name=c["customer_name"],
                email=c["customer_email"],
            )
        contract = data.contracts.get(c["contract_number"])
        if contract is None:
            admin = None
            if any(c[column] for column in _ADMIN_COLUMNS):
                admin = AdminRecord(
                    name=c["admin_name"],
                    phones=row.admin_phones or (),
                    email=c["admin_email"] or None,
                    pin=c["admin_pin"] or None,
                )
            contract = ContractRecord(
                line=row.line,
                number=c["contract_number"],
                customer_number=c["customer_number"],
                plan=row.plan,
                start=row.start,
                admin=admin,
            )
            data.contracts[contract.number] = contract
        contract.stations.append(
            StationRecord(
                line=row.line,
                number=c["station_number"],
                name=c["station_name"],
                phones=row.station_phones or (),
                teamviewer_id=c["teamviewer_id"] or None,
            )
        )


def _error_order(error: RowError) -> tuple[int, int, str]:
    try:
        position = COLUMNS.index(error.column)
    except ValueError:
        position = -1
    return error.line, position, error.message
