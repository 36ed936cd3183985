"""Checking rows as a whole file and turning them into records, without a database.

Every problem is collected, never only the first, so a supervisor can fix the whole
file in one go. Records are built only when there is no error at all: a file is
imported all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hotline.imports.columns import ADMIN_COLUMNS, ALL_COLUMNS, error_order
from hotline.imports.cross_row_checks import check_across_rows
from hotline.imports.records import (
    AdminRecord,
    ContractRecord,
    CustomerRecord,
    ImportData,
    RowError,
    StationRecord,
)
from hotline.imports.row_checks import CheckedRow, check_row

__all__ = ["reject_with", "validate_numbered", "validate_rows"]


def validate_rows(rows: Iterable[Mapping[str, str | None]]) -> ImportData:
    """Check rows given as mappings of column → text (first row = line 2, as after a header).

    The same checks as `read_csv`, for rows built in memory (the demo data).
    """
    numbered: list[tuple[int, dict[str, str]]] = []
    unknown: list[RowError] = []
    for line, row in enumerate(rows, start=2):
        unknown += [
            RowError(line, key, "unbekannte Spalte") for key in row if key not in ALL_COLUMNS
        ]
        numbered.append((line, {column: row.get(column) or "" for column in ALL_COLUMNS}))
    data = validate_numbered(numbered)
    reject_with(data, unknown)
    return data


def validate_numbered(numbered: Iterable[tuple[int, Mapping[str, str]]]) -> ImportData:
    """Check (line, row) pairs on their own and across rows; the records if all is well."""
    rows: list[CheckedRow] = []
    errors: list[RowError] = []
    for line, raw in numbered:
        row, row_errors = check_row(line, raw)
        rows.append(row)
        errors += row_errors
    errors += check_across_rows(rows)
    errors.sort(key=error_order)
    data = ImportData(errors=errors, rows=len(rows))
    if not errors:
        _build_records(rows, data)
    return data


def reject_with(data: ImportData, errors: list[RowError]) -> None:
    """Add errors found outside the row checks, in file order; any of them drops the records."""
    if errors:
        data.errors = sorted(errors + data.errors, key=error_order)
        data.customers, data.contracts = {}, {}


def _build_records(rows: list[CheckedRow], data: ImportData) -> None:
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
            if any(c[column] for column in ADMIN_COLUMNS):
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
                cashier_dial_admin=row.cashier_dial_admin,
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
