"""The single-scheduler lock: exactly one scheduler process is active.

PostgreSQL: a session-level `pg_try_advisory_lock` on a dedicated connection;
the server drops it when that connection dies (kill -9, crash, network loss).
Advisory locks belong to the whole database, so the key includes the schema the
hotline's tables are in: two hotlines in one database (two schemas) each have theirs.
SQLite: an exclusive `fcntl.flock` on a file next to the database file; the
kernel drops it when the process dies. Both are non-blocking: a standby calls
`acquire()` again every few seconds.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

# Any fixed 64-bit number; "hotline scheduler" in ASCII, truncated.
ADVISORY_KEY = 0x686F746C696E6573
# The lock's key: ADVISORY_KEY hashed with the connection's schema (never NULL).
_SCHEMA_KEY = "hashtextextended(coalesce(current_schema(), ''), :key)"


class SchedulerLock(Protocol):
    def acquire(self) -> bool:
        """Take the lock if free; True when this process holds it."""

    def still_held(self) -> bool:
        """Whether the lock is still ours (the connection may have died)."""

    def release(self) -> None:
        """Give the lock up."""


class AdvisoryLock:
    """pg_try_advisory_lock on a connection kept open for as long as the lock is held."""

    def __init__(self, engine: Engine, key: int = ADVISORY_KEY) -> None:
        self.engine = engine
        self.key = key
        self._connection: Connection | None = None

    def acquire(self) -> bool:
        if self._connection is not None:
            return self.still_held()
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = bool(
                connection.scalar(
                    text(f"SELECT pg_try_advisory_lock({_SCHEMA_KEY})"), {"key": self.key}
                )
            )
        except SQLAlchemyError:
            connection.close()
            raise
        if got:
            self._connection = connection
        else:
            connection.close()
        return got

    def still_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            log.warning("the scheduler lock connection is gone; the lock is lost")
            self._drop()
            return False

    def release(self) -> None:
        if self._connection is None:
            return
        with contextlib.suppress(SQLAlchemyError):
            self._connection.execute(
                text(f"SELECT pg_advisory_unlock({_SCHEMA_KEY})"), {"key": self.key}
            )
        self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()  # never back into the pool with a lock on it
                self._connection.close()
            except SQLAlchemyError:
                pass
        self._connection = None


class FileLock:
    """An exclusive flock on a file; released by the kernel when the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        if self._file is not None:
            return True
        handle = open(self.path, "a+")  # noqa: SIM115 - kept open while the lock is held
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def still_held(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def lock_file_for(database_url: str) -> Path:
    """`<database file>.scheduler.lock`; for an in-memory database a file in the temp dir."""
    url = make_url(database_url)
    if url.database and url.database != ":memory:":
        return Path(url.database).with_name(Path(url.database).name + ".scheduler.lock")
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"hotline-{digest}.scheduler.lock"


def scheduler_lock(engine: Engine) -> SchedulerLock:
    """The lock that fits the database behind `engine`."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine)
    return FileLock(lock_file_for(engine.url.render_as_string(hide_password=False)))
