"""SQLite: one writing transaction at a time across processes, handed over without naps.

SQLite has one write lock per database. A writer that finds it taken is put to sleep by
SQLite's busy handler for ever longer naps between tries, so with several gunicorn
workers writing a step each, a step slept long past the moment the lock was free. Here a
connection first takes an exclusive `flock` on a file beside the database, from its
transaction's first write until its commit or rollback has finished; the kernel hands it
to the next writer at once.
A wait is bounded by the connection's timeout: in the main thread (a gunicorn sync worker)
by SIGALRM, elsewhere by a helper thread that waits in its place (creating one is too
costly for every thread of every request).

A commit is on disk when commit() returns, as with SQLite's synchronous=FULL, but the
fsync of the write-ahead log happens after the queue is released: with FULL, SQLite
fsyncs while it holds the write lock, and that fsync was most of a writer's turn, so the
other writers (and on two cores, the CPU) waited for the disk. Here the connection runs
with synchronous=NORMAL (SQLite writes the log, syncs it at checkpoints) and fdatasyncs
the log itself once its transaction has committed and the next writer has the queue;
several writers' syncs then overlap in one journal commit of the file system. Fsyncing
the log file after the commit is what FULL does in WAL mode, only later; the log's
header is synced by SQLite whenever it starts a log anew, also with NORMAL. A transaction
marked with `relax_commit` skips that sync (transactions.py).
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
        self._log_fd = -1  # the write-ahead log, once this connection syncs it itself
        self._journal_known = False  # whether the log is synced here or by SQLite is decided
        self._unsynced = False  # a statement that may have written since the last sync
        self._relaxed = False  # the open transaction's commit need not wait for the disk
        self._database = str(database)
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

    def executescript(self, sql_script: str, /) -> sqlite3.Cursor:
        try:
            return super().executescript(sql_script)
        finally:
            self.after_statement()

    def before_statement(self, sql: str) -> None:
        """Join the writer queue before the first write of a transaction."""
        if self._lock_fd < 0:
            return
        head = sql.lstrip()[:6].upper()
        if head in ("SELECT", "PRAGMA"):  # settings: SQLAlchemy's isolation level, say
            return
        self._unsynced = True  # it may write (DDL too): sync the log after its commit
        if self._locked or not head.startswith(_WRITES):
            return
        if self.in_transaction:  # someone else's BEGIN: SQLite's lock decides as before
            return
        if not _flock_within(self._lock_fd, self._lock_timeout):
            raise sqlite3.OperationalError("database is locked (writer queue)")
        self._locked = True
        if not self._journal_known:
            self._sync_the_log_after_commits()

    def after_statement(self) -> None:
        """A write that committed itself (autocommit mode) leaves the queue and is synced."""
        if not self.in_transaction:
            self._unlock()
            self._sync_log()

    def relax_commit(self) -> None:
        """The transaction about to write records a call's progress only: its commit need
        not wait for the disk (transactions.py). The log reaches the disk with the
        next commit that waits, of any connection (a sync covers the whole file), or at the
        next checkpoint."""
        self._relaxed = True

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._unlock()
        relaxed, self._relaxed = self._relaxed, False
        if relaxed:
            self._unsynced = False
        self._sync_log()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._unlock()
        self._unsynced = False  # undone: nothing to sync
        self._relaxed = False

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._unlock()
            for fd in (self._lock_fd, self._log_fd):
                if fd >= 0:
                    os.close(fd)
            self._lock_fd = self._log_fd = -1

    def _unlock(self) -> None:
        if self._locked:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            self._locked = False

    def _sync_the_log_after_commits(self) -> None:
        """In WAL mode: commits stop syncing under the lock, `_sync_log` syncs after them.

        Called before a transaction's first write, where the safety level may change.
        """
        (mode,) = super().execute("PRAGMA journal_mode").fetchone()
        if mode != "wal":
            self._journal_known = True
            return  # another journal: SQLite's own syncs stay as they are
        try:
            # The log outlives this connection's use of it: SQLite deletes it only when the
            # last connection to the database closes.
            self._log_fd = os.open(f"{self._database}-wal", os.O_RDONLY)
        except FileNotFoundError:
            return  # not created yet: SQLite syncs this commit, the next write tries again
        super().execute("PRAGMA synchronous=NORMAL")
        self._journal_known = True

    def _sync_log(self) -> None:
        # Changes committed without a sync: put the log on disk before anyone is told.
        if self._unsynced and self._log_fd >= 0:
            os.fdatasync(self._log_fd)
        self._unsynced = False


class _QueuedCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> _QueuedCursor:
        conn: QueuedConnection = self.connection  # type: ignore[assignment]
        conn.before_statement(sql)
        try:
            return super().execute(sql, parameters)
        finally:
            conn.after_statement()

    def executemany(self, sql: str, parameters: Any, /) -> _QueuedCursor:
        conn: QueuedConnection = self.connection  # type: ignore[assignment]
        conn.before_statement(sql)
        try:
            return super().executemany(sql, parameters)
        finally:
            conn.after_statement()


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
