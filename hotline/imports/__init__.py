"""The customer import: a CSV of stations checked as a whole, then upserted all or nothing.

`read_csv` / `validate_rows` check a file (or rows built in memory) without a
database; `run_import` writes the result in one transaction (or, with
`dry_run=True`, counts and rolls back); `apply_import` does the writing inside a
transaction the caller already holds (the demo data uses it).
"""

from hotline.imports.all_or_nothing import run_import
from hotline.imports.columns import COLUMNS
from hotline.imports.csv_rows import read_csv
from hotline.imports.records import (
    AdminRecord,
    ContractRecord,
    CustomerRecord,
    ImportData,
    RowError,
    StationRecord,
)
from hotline.imports.report import Counts, ImportReport
from hotline.imports.upsert import apply_import
from hotline.imports.validation import validate_rows

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
