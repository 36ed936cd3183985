"""The customer import: a CSV of stations checked as a whole, then upserted all or nothing.

`read_csv` / `validate_rows` check a file (or rows built in memory) without a
database; `run_import` writes the result in one transaction (or, with
`dry_run=True`, counts and rolls back); `apply_import` does the writing inside a
transaction the caller already holds (the demo data uses it).
"""

from hotline.imports.apply import Counts, ImportReport, apply_import, run_import
from hotline.imports.csv_rows import (
    COLUMNS,
    AdminRecord,
    ContractRecord,
    CustomerRecord,
    ImportData,
    RowError,
    StationRecord,
    read_csv,
    validate_rows,
)

__all__ = [
    "COLUMNS",
    "AdminRecord",
    "ContractRecord",
    "Counts",
    "CustomerRecord",
    "ImportData",
    "ImportReport",
    "RowError",
    "StationRecord",
    "apply_import",
    "read_csv",
    "run_import",
    "validate_rows",
]
