"""PostgreSQL: the voice webhooks' connections, one per thread, kept between requests.

Checking a connection out of SQLAlchemy's pool and back in (the Connection object, the
pool's bookkeeping and events, the reset on return) cost a webhook step a tenth of its
CPU on PostgreSQL (bench/README.md), for the two statements the step runs. A thread of a
web worker answers one request at a time, so it keeps its connection instead, with its
prepared statements. Each request still runs in its own transaction, which ends before
the connection is kept for the next one; a connection that saw an error, or is left in
a transaction, goes back to the pool and the next request takes another one (the
webhooks retry once on a dead connection).

SQLite's connections are checked out per request as before: they cost a third as much
to check out, and the pool's rollback on return also ends a read that a cursor left
open, which would keep SQLite from checkpointing its WAL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Engine


class HeldConnections:
    """`engine`'s connections, one kept per thread (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.keeps = engine.dialect.name == "postgresql"
        self._local = threading.local()
        self._lock = threading.Lock()
        self._kept: set[Connection] = set()  # kept, between two requests of their thread
        self._generation = 0  # counts close(): what was in use then is not kept

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """This thread's connection for one request (a nested request gets another one)."""
        if not self.keeps:
            with self.engine.connect() as conn:
                yield conn
            return
        local = self._local
        kept: Connection | None = getattr(local, "conn", None)
        local.conn = None
        with self._lock:
            if kept is not None and kept in self._kept:
                self._kept.discard(kept)
            else:
                kept = None
            generation = self._generation
        conn = kept if kept is not None else self.engine.connect()
        try:
            yield conn
        except BaseException:
            conn.close()
            raise
        if _fit_to_keep(conn) and local.conn is None:
            with self._lock:
                if generation == self._generation:
                    self._kept.add(conn)
                    local.conn = conn
                    return
        conn.close()

    def close(self) -> None:
        """Give the kept connections back to the pool; those in use go back when their
        request ends. For shutdown and for switching databases."""
        with self._lock:
            kept, self._kept = self._kept, set()
            self._generation += 1
        for conn in kept:
            conn.close()


def _fit_to_keep(conn: Connection) -> bool:
    """Whether `conn` is fit for the next request: alive and outside any transaction (also
    one that late_begin began on the DBAPI connection)."""
    if conn.closed or conn.invalidated or conn.in_transaction():
        return False
    dbapi_connection = conn.connection.dbapi_connection
    return dbapi_connection is not None and (
        dbapi_connection.info.transaction_status == TransactionStatus.IDLE
    )
