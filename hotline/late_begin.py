"""PostgreSQL: a webhook's transaction begins at its first write, or not at all.

psycopg sends BEGIN and COMMIT as round trips of their own, and a webhook step is mostly
a few reads and one write: the call's row and the step's answer in one statement
(ivr_flows/call_row.py). Inside `begin_at_first_write` the connection reads in
autocommit (under READ COMMITTED every statement sees its own snapshot anyway), sends
BEGIN just before the first statement that may write, and commits or rolls back as
usual at the end of the caller's `conn.begin()` block. A write made inside `single_write`
when nothing else was written needs no transaction: one statement is atomic. That
saves two of a step's four to seven round trips, on the client's and the server's CPU.

A SELECT ... FOR UPDATE counts as a write (its lock must last); a second write after a
single one raises, because the two could not be atomic any more. SQLite is left alone:
Python's sqlite3 opens its transactions at the first write already.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, Engine, event


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
