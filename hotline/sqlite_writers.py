"""SQLite: one writing transaction at a time across processes, handed over without naps.

SQLite has one write lock per database. A writer that finds it taken is put to sleep by
SQLite's busy handler for 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms between tries,
so with several gunicorn workers writing a step each, a step waited up to 100 ms for a
lock that was free after 2 (bench/README.md: SQLite p99). Here a connection first takes an
exclusive `flock` on a file beside the database, from its transaction's first write until
its commit or rollback has finished; the kernel hands it to the next writer at once.
A wait is bounded by the connection's timeout: in the main thread (a gunicorn sync worker)
by SIGALRM, elsewhere by a helper thread that waits in its place (creating it cost 10 % of
a webhook's CPU when every thread used one).
SQLite's own lock and busy handler stay underneath for writers that do not take part
(the sqlite3 shell, say).
"""

from __future__ import annotations

import fcntl
import os
import signal
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
    if _alarm_is_free():
        return _flock_until_alarm(fd, seconds)
    return _flock_in_helper(fd, seconds)


class _WaitedTooLong(Exception):
    pass


_alarm_armed = False  # only the main thread sets it: signal handlers run there


def _on_alarm(_signum: int, _frame: object) -> None:
    if _alarm_armed:
        raise _WaitedTooLong


def _alarm_is_free() -> bool:
    """SIGALRM can time the wait: main thread (a gunicorn sync worker's requests), and
    neither a timer nor a handler of someone else's (pytest-timeout, say) in place."""
    return (
        threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, _on_alarm)
    )


def _flock_until_alarm(fd: int, seconds: float) -> bool:
    """A blocking flock that SIGALRM interrupts: the cheapest timed wait (no thread)."""
    global _alarm_armed
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        _alarm_armed = True
        signal.setitimer(signal.ITIMER_REAL, seconds)
        fcntl.flock(fd, fcntl.LOCK_EX)
        _alarm_armed = False
        return True
    except _WaitedTooLong:
        # The alarm may have come just as the lock did: give it back (a no-op otherwise).
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        _alarm_armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _flock_in_helper(fd: int, seconds: float) -> bool:
    """The timed wait for other threads: a blocking flock in a helper thread."""
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
