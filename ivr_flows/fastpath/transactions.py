"""A webhook's transaction: begun at its first write, a single write without one, and a
call's progress committed without waiting for the disk.

PostgreSQL: a webhook's transaction begins at its first write, or not at all.

psycopg sends BEGIN and COMMIT as round trips of their own, and a webhook step is mostly
a few reads and one write: the call's row and the step's answer in one statement
(call_row.py). Inside `begin_at_first_write` the connection reads in
autocommit (under READ COMMITTED every statement sees its own snapshot anyway), sends
BEGIN just before the first statement that may write, and commits or rolls back as
usual at the end of the caller's `conn.begin()` block. A write made inside `single_write`
when nothing else was written needs no transaction: one statement is atomic. That
saves two of a step's four to seven round trips, on the client's and the server's CPU.

A SELECT ... FOR UPDATE counts as a write (its lock must last); a second write after a
single one raises, because the two could not be atomic any more. SQLite is left alone:
Python's sqlite3 opens its transactions at the first write already.

A call's progress commits without waiting for the disk; what people act on waits. A
webhook's write commits before Twilio gets its answer, and a commit waits until its log
reaches the disk (an fsync per step), a noticeable share of the webhooks' throughput.
Most steps only record where a call stands: the key pressed, the dial result, the status
Twilio reports. On PostgreSQL those transactions commit with `synchronous_commit` off,
for that transaction only. They are visible at once, like any commit; what a crash of the
PostgreSQL server (not of the app) can lose is the last few hundred milliseconds of them
(three times `wal_writer_delay` at most), never a part of one. Every commit that waits
also brings all the earlier ones to the disk, so a callback, a ticket, a new call or a PIN
attempt, which commit as before, never rest on progress that could still be lost.

The setting has to be made inside the statement whose transaction it concerns: a webhook
writes its step as one statement without BEGIN (`single_write`), and a separate `SET
LOCAL` would be a round trip of its own. `set_config(..., true)` in the statement's WHERE
does it; PostgreSQL reads the setting when the transaction commits.

SQLite the same way: such a commit skips the fdatasync of the write-ahead log that
sqlite_writers.py makes after every other commit. The next one that waits, of any
process, syncs the whole log, and with it the skipped ones; an OS crash or power loss
before that can lose them (SQLite's recovery keeps whole transactions only), a crash of
the app cannot.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, event, func

from ivr_flows.fastpath.sqlite_writers import QueuedConnection


class _Late:
    __slots__ = ("begun", "single", "wrote_alone")

    def __init__(self) -> None:
        self.begun = False  # BEGIN was sent
        self.single = False  # the next write is the block's only one
        self.wrote_alone = False  # a write ran without a transaction


# The connection of the block being run in this context, and its state.
_CURRENT: ContextVar[tuple[Connection, _Late] | None] = ContextVar("late_begin", default=None)


def install(engine: Engine) -> None:
    """Let `begin_at_first_write` work on this (PostgreSQL) engine's connections."""
    event.listen(engine, "before_cursor_execute", _before_statement)


@contextmanager
def begin_at_first_write(conn: Connection) -> Iterator[None]:
    """Inside, `conn` reads without a transaction and begins one before its first write.

    Enter it before `conn.begin()`: the isolation level cannot change within a transaction.
    """
    if conn.dialect.name != "postgresql":
        yield
        return
    dbapi_connection = conn.connection.dbapi_connection
    # The webhooks' own engine (db.make_webhook_engine) reads in autocommit already.
    if dbapi_connection is None or not dbapi_connection.autocommit:
        conn.execution_options(isolation_level="AUTOCOMMIT")
    token = _CURRENT.set((conn, _Late()))
    try:
        yield
    finally:
        _CURRENT.reset(token)


@contextmanager
def single_write(conn: Connection) -> Iterator[bool]:
    """The statement run inside is the only write of the block: no BEGIN for it. Yields
    whether it runs so, as the only statement of its transaction (False on SQLite, or
    after a write of the block began a transaction)."""
    current = _CURRENT.get()
    if current is None or current[0] is not conn or current[1].begun or current[1].wrote_alone:
        yield False
        return
    late = current[1]
    late.single = True
    try:
        yield True
    finally:
        late.single = False


def _before_statement(
    conn: Connection, cursor: Any, statement: str, *_args: Any, **_kwargs: Any
) -> None:
    current = _CURRENT.get()
    if current is None or current[0] is not conn or current[1].begun:
        return
    late = current[1]
    if statement.lstrip()[:6].upper() == "SELECT" and " FOR UPDATE" not in statement:
        return  # a read: no transaction needed
    if late.wrote_alone:
        raise RuntimeError("a write after the single write of a block: they are not atomic")
    if late.single:
        late.wrote_alone = True
        return
    cursor.execute("BEGIN")
    late.begun = True


def relaxed_commit() -> ColumnElement[bool]:
    """A condition that is always true, for the WHERE of a PostgreSQL write that runs alone
    (`single_write` yields True): its transaction commits without waiting for the disk.
    Only where a row matches: with none, nothing was written either."""
    return func.set_config("synchronous_commit", "off", True).is_not(None)


def relax_sqlite_commit(conn: Connection) -> None:
    """SQLite: the writes that follow in `conn`'s transaction record a call's progress and
    end it; if it wrote nothing yet, its commit does not wait for the disk."""
    dbapi_connection = conn.connection.dbapi_connection
    if isinstance(dbapi_connection, QueuedConnection) and not dbapi_connection.in_transaction:
        dbapi_connection.relax_commit()
