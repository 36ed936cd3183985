"""The columns of the customer CSV: their order, which are required, how long each may be."""

from __future__ import annotations

from hotline.imports.records import RowError

__all__ = [
    "ADMIN_COLUMNS",
    "ALL_COLUMNS",
    "COLUMNS",
    "MAX_LENGTH",
    "OPTIONAL_COLUMNS",
    "REQUIRED",
    "error_order",
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
# Columns a file may have but need not: older files keep working without them.
# cashier_dial_admin (ja/nein): a Second Level contract's cashiers are put through to
# their admin instead of only being told the admin's name; empty leaves it as it is.
OPTIONAL_COLUMNS: tuple[str, ...] = ("cashier_dial_admin",)
ALL_COLUMNS = COLUMNS + OPTIONAL_COLUMNS
ADMIN_COLUMNS = ("admin_name", "admin_phones", "admin_email", "admin_pin")
REQUIRED = (
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
MAX_LENGTH = {
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


def error_order(error: RowError) -> tuple[int, int, str]:
    """Sort key: errors as a reader meets them, by line, then left to right along the row."""
    try:
        position = ALL_COLUMNS.index(error.column)
    except ValueError:
        position = -1
    return error.line, position, error.message
