"""SQLite's writer queue: one writing transaction at a time, across threads and processes."""

from __future__ import annotations

import fcntl
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ivr_flows.fastpath.sqlite_writers import QueuedConnection


def connect(path: Path, timeout: float = 5.0) -> sqlite3.Connection:
    # Not bound to its thread: some tests let another thread wait on it.
    conn = sqlite3.connect(
        str(path), timeout=timeout, factory=QueuedConnection, check_same_thread=False
    )
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


def queue_is_held(db: Path) -> bool:
    probe = os.open(f"{db}-writer", os.O_RDWR)
    try:
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(probe, fcntl.LOCK_UN)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(probe)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "queue.sqlite3"
    with connect(path) as conn:
        conn.execute("CREATE TABLE t (who TEXT, at REAL)")
    return path


def test_a_second_writer_waits_for_the_first_commit_and_then_goes_on(db: Path) -> None:
    first = connect(db)
    assert not queue_is_held(db)
    first.execute("INSERT INTO t VALUES ('first', 0)")  # holds the queue from here
    assert queue_is_held(db)
    done: list[float] = []

    def write() -> None:
        second = connect(db)
        second.execute("INSERT INTO t VALUES ('second', 0)")
        second.commit()
        done.append(time.monotonic())

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(0.3)
    assert done == []  # still waiting for the first writer
    committed = time.monotonic()
    first.commit()
    writer.join(5)
    assert done and done[0] - committed < 1  # handed over when the first committed
    rows = first.execute("SELECT who FROM t ORDER BY rowid").fetchall()
    assert rows == [("first",), ("second",)]
    assert not queue_is_held(db)  # both committed: released


def test_readers_do_not_queue(db: Path) -> None:
    writer, reader = connect(db), connect(db)
    writer.execute("INSERT INTO t VALUES ('w', 0)")
    started = time.monotonic()
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (0,)
    assert time.monotonic() - started < 2  # a queued reader would wait out the lock timeout
    assert queue_is_held(db)
    writer.rollback()
    assert not queue_is_held(db)


def in_thread(work: Callable[[], Any]) -> Any:
    """Run `work` in another thread (its wait has no SIGALRM) and hand back its result."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


# A wait is timed by SIGALRM in the main thread and by a helper thread elsewhere.
WAITERS = {"main thread": lambda work: work(), "other thread": in_thread}


@pytest.mark.parametrize("waiter", WAITERS.values(), ids=WAITERS.keys())
def test_a_writer_that_waited_too_long_fails_like_sqlite_and_frees_its_place(
    db: Path, waiter: Callable[[Callable[[], Any]], Any]
) -> None:
    holder, impatient = connect(db), connect(db, timeout=0.3)
    holder.execute("INSERT INTO t VALUES ('holder', 0)")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        waiter(lambda: impatient.execute("INSERT INTO t VALUES ('impatient', 0)"))
    assert 0.25 < time.monotonic() - started < 2
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL  # the alarm's handler undone
    holder.commit()
    time.sleep(0.1)  # a gave-up helper gets the lock now and hands it straight back
    late = connect(db, timeout=1)
    late.execute("INSERT INTO t VALUES ('late', 0)")
    late.commit()
    impatient.execute("INSERT INTO t VALUES ('impatient again', 0)")
    impatient.commit()
    assert [w for (w,) in late.execute("SELECT who FROM t ORDER BY rowid")] == [
        "holder",
        "late",
        "impatient again",
    ]


def test_someone_elses_alarm_is_left_alone(db: Path) -> None:
    rang: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, _frame: rang.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.6)  # e.g. pytest-timeout's
        holder, impatient = connect(db), connect(db, timeout=0.2)
        holder.execute("INSERT INTO t VALUES ('holder', 0)")
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            impatient.execute("INSERT INTO t VALUES ('impatient', 0)")  # a helper waited
        assert 0 < signal.getitimer(signal.ITIMER_REAL)[0] < 0.45  # still running
        time.sleep(0.6)
        assert rang == [signal.SIGALRM]
        holder.rollback()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_writers_of_other_processes_queue_too(db: Path) -> None:
    script = f"""
import sqlite3, sys, time
from ivr_flows.fastpath.sqlite_writers import QueuedConnection
conn = sqlite3.connect({str(db)!r}, factory=QueuedConnection)
conn.execute("INSERT INTO t VALUES ('other process', 0)")
print("holding", flush=True)
time.sleep(0.5)
conn.commit()
"""
    other = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert other.stdout is not None and other.stdout.readline().strip() == "holding"
    assert queue_is_held(db)  # by the other process
    mine = connect(db)
    started = time.monotonic()
    mine.execute("INSERT INTO t VALUES ('mine', 0)")
    waited = time.monotonic() - started
    mine.commit()
    assert other.wait(5) == 0
    assert 0.2 < waited < 2
    assert [w for (w,) in mine.execute("SELECT who FROM t ORDER BY rowid")] == [
        "other process",
        "mine",
    ]


def test_in_memory_databases_have_no_queue_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    conn = sqlite3.connect(":memory:", factory=QueuedConnection)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("waiter", WAITERS.values(), ids=WAITERS.keys())
def test_closing_a_connection_whose_wait_timed_out_leaves_the_queue_intact(
    db: Path, waiter: Callable[[Callable[[], Any]], Any]
) -> None:
    holder, impatient = connect(db), connect(db, timeout=0.2)
    holder.execute("INSERT INTO t VALUES ('holder', 0)")
    with pytest.raises(sqlite3.OperationalError):
        waiter(lambda: impatient.execute("INSERT INTO t VALUES ('impatient', 0)"))
    impatient.close()  # a helper may still wait for the lock
    newcomer = connect(db)  # may get the closed connection's descriptor number
    holder.commit()
    time.sleep(0.1)  # the helper got the lock and gave it back
    newcomer.execute("INSERT INTO t VALUES ('newcomer', 0)")
    assert queue_is_held(db)  # held by the newcomer, not undone by the helper
    newcomer.commit()
    assert not queue_is_held(db)


def fdatasyncs(monkeypatch: pytest.MonkeyPatch, db: Path) -> list[tuple[str, bool]]:
    """Record the queue's own log syncs: (file, whether the queue was held meanwhile)."""
    import ivr_flows.fastpath.sqlite_writers as writers

    real = os.fdatasync
    seen: list[tuple[str, bool]] = []

    def recording(fd: int) -> None:
        seen.append((os.path.basename(os.readlink(f"/proc/self/fd/{fd}")), queue_is_held(db)))
        real(fd)

    monkeypatch.setattr(writers.os, "fdatasync", recording)
    return seen


def test_a_commit_syncs_the_log_after_leaving_the_queue(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced = fdatasyncs(monkeypatch, db)
    conn = connect(db)
    conn.execute("INSERT INTO t VALUES ('w', 0)")
    # SQLite no longer syncs under its lock: the connection does, after the commit.
    assert conn.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
    assert synced == []
    conn.commit()
    assert synced == [("queue.sqlite3-wal", False)]  # on disk before commit() returned
    conn.execute("INSERT INTO t VALUES ('x', 0)")
    conn.rollback()
    conn.execute("SELECT count(*) FROM t").fetchone()
    conn.commit()  # nothing written: nothing to sync
    conn.execute("PRAGMA read_uncommitted = 0")  # a setting, as SQLAlchemy's isolation level
    assert len(synced) == 1
    conn.execute("CREATE TABLE u (x)")  # DDL commits itself (legacy mode): synced at once
    assert len(synced) == 2
    conn.close()
    with connect(db) as other:  # the commits are there for everyone
        assert other.execute("SELECT who FROM t").fetchall() == [("w",)]


def test_a_relaxed_commit_is_not_synced_and_the_next_commit_that_waits_syncs_it(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced = fdatasyncs(monkeypatch, db)
    conn = connect(db)
    conn.relax_commit()  # type: ignore[attr-defined]
    conn.execute("INSERT INTO t VALUES ('progress', 0)")
    conn.commit()
    assert synced == []  # committed, visible, not waited for
    with connect(db) as other:
        assert other.execute("SELECT who FROM t").fetchall() == [("progress",)]
    conn.relax_commit()  # type: ignore[attr-defined]
    conn.execute("INSERT INTO t VALUES ('undone', 0)")
    conn.rollback()  # the next transaction waits again
    conn.execute("INSERT INTO t VALUES ('callback', 0)")
    conn.commit()
    assert synced == [("queue.sqlite3-wal", False)]  # the whole log: both commits
    conn.close()


def test_a_write_in_autocommit_mode_leaves_the_queue_synced(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced = fdatasyncs(monkeypatch, db)
    conn = connect(db)
    conn.isolation_level = None  # every statement commits itself
    conn.execute("INSERT INTO t VALUES ('auto', 0)")
    assert synced == [("queue.sqlite3-wal", False)]
    assert not queue_is_held(db)


def test_other_journals_keep_sqlites_own_syncs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "rollback-journal.sqlite3"
    synced = fdatasyncs(monkeypatch, path)
    conn = sqlite3.connect(str(path), factory=QueuedConnection)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL, SQLite's default
    assert synced == []
