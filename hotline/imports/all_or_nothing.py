"""`run_import`: the whole import in one transaction, committed only if all of it went in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from hotline.db import transaction
from hotline.imports.records import ImportData
from hotline.imports.report import ImportReport
from hotline.imports.upsert import apply_import

__all__ = ["run_import"]


def run_import(
    sessions: sessionmaker[Session], data: ImportData, *, now: datetime, dry_run: bool = False
) -> ImportReport:
    """Import checked data all or nothing; a dry run counts the same and rolls back."""
    if data.errors:
        return ImportReport(rows=data.rows, errors=list(data.errors), dry_run=dry_run)
    try:
        with transaction(sessions) as session:
            report = apply_import(session, data, now=now)
            report.dry_run = dry_run
            if dry_run or report.errors:
                # Rolling back the real writes is the most honest dry run: the counts
                # come from exactly the code that imports.
                raise _Discard(report)
    except _Discard as discarded:
        return discarded.report
    report.committed = True
    return report


class _Discard(Exception):
    """Raised out of the transaction to roll it back, carrying the report out with it."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("import discarded")
        self.report = report
