"""The release sweep: queued callbacks whose time has come become due.

One UPDATE statement, so it is fast for 100k rows, idempotent (a second run
finds nothing) and safe to run late: a scheduler that was down all weekend
releases Monday's callbacks the moment it starts. `releases` counts how often a
row was released; with the single-scheduler lock it is 1 for every row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, update

from callback.lifecycle import DUE, QUEUED
from hotline.models import Callback


def release_due(engine: Engine, now: datetime) -> int:
    """Release every queued callback with due_at <= now; returns how many."""
    with engine.begin() as connection:
        result = connection.execute(
            update(Callback)
            .where(Callback.status == QUEUED, Callback.due_at <= now)
            .values(
                status=DUE,
                released_at=now,
                releases=Callback.releases + 1,
                updated_at=now,
            )
        )
        return int(result.rowcount)
