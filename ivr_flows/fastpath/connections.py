"""PostgreSQL: the voice webhooks' connections, one per thread, kept between requests.

Checking a connection out of SQLAlchemy's pool and back in (the Connection object, the
pool's bookkeeping and events, the reset on return) is a noticeable share of a webhook
step's CPU on PostgreSQL, for the two statements the step runs. A thread of a web worker
answers one request at a time, so it keeps its connection instead, with its prepared
statements. Each request still runs in its own transaction, which ends before the
connection is kept for the next one; a connection that saw an error, or is left in a
transaction, goes back to the pool and the next request takes another one (the webhooks
retry once on a dead connection).

What is kept is bounded and never stranded, whatever server runs the app: at most the
pool's size is kept (the pool's overflow stays free for everyone else), and a connection
kept by a thread that has ended (a server that starts a thread per request, such as the
development server) is taken over by the next thread that has none, or given back to
the pool when room is needed.

SQLite's connections are checked out per request as before: they are cheap to check
out, and the pool's rollback on return also ends a read that a cursor left open, which
would keep SQLite from checkpointing its WAL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Engine

from hotline.db import unpinged
from ivr_flows.fastpath.transactions import begin_at_first_write

if TYPE_CHECKING:
    from hotline.runtime import Runtime


@contextmanager
def webhook_transaction(rt: Runtime) -> Iterator[Connection]:
    """One webhook's transaction on its thread's kept connection (`HeldConnections`): not
    pinged first (the caller retries once on a dead connection, hotline.db.unpinged), and
    on PostgreSQL begun at its first write (transactions.begin_at_first_write). Commits
    when the block ends, rolls back on an exception."""
    with (
        unpinged(),
        rt.webhook_connections.connection() as conn,
        begin_at_first_write(conn),
        conn.begin(),
    ):
        yield conn


class HeldConnections:
    """`engine`'s connections, one kept per thread (see the module docstring)."""

    def __init__(self, engine: Engine, limit: int | None = None) -> None:
        self.engine = engine
        self.keeps = engine.dialect.name == "postgresql"
        size = getattr(engine.pool, "size", None)
        self.limit = limit if limit is not None else (size() if callable(size) else 5)
        self._local = threading.local()
        self._lock = threading.Lock()
        # kept between two requests, with the thread that keeps it
        self._kept: dict[Connection, threading.Thread] = {}
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
                del self._kept[kept]
            else:
                kept = self._orphan()
            generation = self._generation
        conn = kept if kept is not None else self.engine.connect()
        try:
            yield conn
        except BaseException:
            conn.close()
            raise
        if _fit_to_keep(conn) and local.conn is None and self._keep(conn, generation):
            local.conn = conn
            return
        conn.close()

    def _orphan(self) -> Connection | None:
        """A kept connection whose thread has ended, now this thread's (under the lock)."""
        for conn, thread in self._kept.items():
            if not thread.is_alive():
                del self._kept[conn]
                return conn
        return None

    def _keep(self, conn: Connection, generation: int) -> bool:
        """Keep `conn` for this thread if there is room, making room by giving back a
        connection of an ended thread."""
        surplus: list[Connection] = []
        with self._lock:
            if generation != self._generation:
                return False
            if len(self._kept) >= self.limit:
                surplus = [c for c, thread in self._kept.items() if not thread.is_alive()]
                for c in surplus:
                    del self._kept[c]
            kept = len(self._kept) < self.limit
            if kept:
                self._kept[conn] = threading.current_thread()
        for c in surplus:
            c.close()
        return kept

    def close(self) -> None:
        """Give the kept connections back to the pool; those in use go back when their
        request ends. For shutdown and for switching databases."""
        with self._lock:
            kept, self._kept = list(self._kept), {}
            self._generation += 1
        for conn in kept:
            conn.close()


def _fit_to_keep(conn: Connection) -> bool:
    """Whether `conn` is fit for the next request: alive and outside any transaction (also
    one that transactions.begin_at_first_write began on the DBAPI connection)."""
    if conn.closed or conn.invalidated or conn.in_transaction():
        return False
    dbapi_connection = conn.connection.dbapi_connection
    return dbapi_connection is not None and (
        dbapi_connection.info.transaction_status == TransactionStatus.IDLE
    )
