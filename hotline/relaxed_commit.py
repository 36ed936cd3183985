"""A call's progress commits without waiting for the disk; what people act on waits.

A webhook's write commits before Twilio gets its answer, and a commit waits until its log
reaches the disk (an fsync per step), a noticeable share of the webhooks' throughput.
Most steps only record where a call stands: the key pressed,
the dial result, the status Twilio reports. On PostgreSQL those transactions commit with
`synchronous_commit` off, for that transaction only. They are visible at once, like any
commit; what a crash of the PostgreSQL server (not of the app) can lose is the last few
hundred milliseconds of them (three times `wal_writer_delay` at most), never a part of one.
Every commit that waits also brings all the earlier ones to the disk, so a callback, a
ticket, a new call or a PIN attempt, which commit as before, never rest on progress that
could still be lost.

The setting has to be made inside the statement whose transaction it concerns: a webhook
writes its step as one statement without BEGIN (hotline/late_begin.py), and a separate
`SET LOCAL` would be a round trip of its own. `set_config(..., true)` in the statement's
WHERE does it; PostgreSQL reads the setting when the transaction commits.

SQLite the same way: such a commit skips the fdatasync of the write-ahead log that
hotline/sqlite_writers.py makes after every other commit. The next one that waits, of any
process, syncs the whole log, and with it the skipped ones; an OS crash or power loss
before that can lose them (SQLite's recovery keeps whole transactions only), a crash of
the app cannot.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, func

from hotline.sqlite_writers import QueuedConnection


def relaxed_commit() -> ColumnElement[bool]:
    """A condition that is always true, for the WHERE of a PostgreSQL write that runs alone
    (late_begin.single_write yields True): its transaction commits without waiting for the
    disk. Only where a row matches: with none, nothing was written either."""
    return func.set_config("synchronous_commit", "off", True).is_not(None)


def relax_sqlite_commit(conn: Connection) -> None:
    """SQLite: the writes that follow in `conn`'s transaction record a call's progress and
    end it; if it wrote nothing yet, its commit does not wait for the disk."""
    dbapi_connection = conn.connection.dbapi_connection
    if isinstance(dbapi_connection, QueuedConnection) and not dbapi_connection.in_transaction:
        dbapi_connection.relax_commit()
