"""SQLite: one writing transaction at a time across processes, handed over without naps.

SQLite has one write lock per database. A writer that finds it taken is put to sleep by
SQLite's busy handler for 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms between tries,
so with several gunicorn workers writing a step each, a step waited up to 100 ms for a
lock that was free after 2 (bench/README.md: SQLite p99). Here a connection first takes an
exclusive `flock` on a file beside the database, from its transaction's first write until
its commit or rollback has finished; the kernel hands it to the next writer at once.
SQLite's own lock and busy handler stay underneath for writers that do not take part
(the sqlite3 shell, say).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from typing import Any

# The statements before which Python's sqlite3 opens a transaction (legacy mode).
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")


class QueuedConnection(sqlite3.Connection):
    """`sqlite3.connect(..., factory=QueuedConnection)`: writers queue on DATABASE-writer."""

    def __init__(self, database: str, timeout: float = 5.0, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, timeout, *args, **kwargs)
        self._lock_timeout = timeout
        self._locked = False
        self._lock_fd = -1  # in memory: no other process to queue with
        if database != ":memory:" and not str(database).startswith("file:"):
            # An open file description of its own: flock then also orders threads.
            self._lock_fd = os.open(f"{database}-writer", os.O_RDWR | os.O_CREAT, 0o600)

    def cursor(self, factory: Any = None) -> sqlite3.Cursor:  # type: ignore[override]
        return super().cursor(factory or _QueuedCursor)

    # sqlite3's own shortcuts make their cursor in C, past cursor() above.
    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        return self.cursor().executemany(sql, parameters)

    def before_statement(self, sql: str) -> None:
        """Join the writer queue before the first write of a transaction."""
        if self._locked or self._lock_fd < 0:
            return
        if not sql.lstrip()[:6].upper().startswith(_WRITES):
            return
        if self.in_transaction:  # someone else's BEGIN: SQLite's lock decides as before
            return
        if not _flock_within(self._lock_fd, self._lock_timeout):
            raise sqlite3.OperationalError("database is locked (writer queue)")
        self._locked = True

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._unlock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._unlock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._unlock()
            if self._lock_fd >= 0:
                os.close(self._lock_fd)
                self._lock_fd = -1

    def _unlock(self) -> None:
        if self._locked:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            self._locked = False


class _QueuedCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> _QueuedCursor:
        self.connection.before_statement(sql)  # type: ignore[attr-defined]
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> _QueuedCursor:
        self.connection.before_statement(sql)  # type: ignore[attr-defined]
        return super().executemany(sql, parameters)


def _flock_within(fd: int, seconds: float) -> bool:
    """Block on the lock, but not longer than `seconds`: past that the caller fails as
    SQLite's own lock would, instead of hanging behind a writer that hangs."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        pass
    # A blocking flock cannot time out: it waits in a helper thread, on a duplicate of the
    # descriptor (the lock belongs to the shared open file, the duplicate only to the helper,
    # so a connection closed meanwhile cannot leave it unlocking someone else's file). When
    # the caller has given up by the time the lock comes, the helper hands it straight back.
    private = os.dup(fd)
    got = threading.Event()
    mutex = threading.Lock()
    gave_up = False

    def wait() -> None:
        try:
            fcntl.flock(private, fcntl.LOCK_EX)
            with mutex:
                if gave_up:
                    fcntl.flock(private, fcntl.LOCK_UN)
                else:
                    got.set()
        finally:
            os.close(private)

    threading.Thread(target=wait, name="sqlite-writer-queue", daemon=True).start()
    if got.wait(seconds):
        return True
    with mutex:
        if got.is_set():
            return True
        gave_up = True
    return False
