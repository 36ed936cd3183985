"""The release sweep: queued callbacks whose time has come become due.

One UPDATE statement, so it is fast for 100k rows, idempotent (a second run
finds nothing) and safe to run late: a scheduler that was down all weekend
releases Monday's callbacks the moment it starts. `releases` counts how often a
row was released; with the single-scheduler lock it is 1 for every row.

The same job frees stale claims: a callback an agent claimed and then left
alone for `callbacks.claim_timeout_minutes` goes back to `due` for everyone.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from sqlalchemy import Engine, case, func, literal, update

from callback.lifecycle import CLAIMED, DUE, QUEUED, note_line
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


def stale_claim_note(timeout_minutes: int) -> str:
    """The note stamped on a claim the sweep gave back."""
    return f"Übernahme nach {timeout_minutes} Min. ohne Aktion freigegeben"


def release_stale_claims(engine: Engine, now: datetime, timeout_minutes: int, zone: tzinfo) -> int:
    """Give back every claim left alone longer than the timeout; returns how many.

    One conditional UPDATE, so it is idempotent and never races an agent: a row
    the agent dialled (`calling`) or finished meanwhile no longer matches. "Left
    alone" means claimed before the cutoff *and* not changed since: a claim that
    came back from a call (`calling` -> `claimed`, which does not renew
    `claimed_at`) keeps its agent for a full timeout after that.
    """
    cutoff = now - timedelta(minutes=timeout_minutes)
    line = note_line(stale_claim_note(timeout_minutes), now, zone)
    old_note = func.coalesce(Callback.note, "")
    with engine.begin() as connection:
        result = connection.execute(
            update(Callback)
            .where(
                Callback.status == CLAIMED,
                Callback.claimed_at < cutoff,
                Callback.updated_at < cutoff,
            )
            .values(
                status=DUE,
                claimed_by_id=None,
                claimed_at=None,
                note=case(
                    (old_note == "", literal(line)),
                    else_=old_note + literal("\n" + line),
                ),
                updated_at=now,
            )
        )
        return int(result.rowcount)
