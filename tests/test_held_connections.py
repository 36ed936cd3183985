"""The webhooks' connections: on PostgreSQL one per thread, kept between requests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, text

from hotline.runtime import Runtime
from ivr_flows.fastpath.connections import HeldConnections
from ivr_flows.fastpath.transactions import begin_at_first_write
from tests.conftest import postgresql_only

INSERT = text("INSERT INTO counters (name, value) VALUES (:name, 0)")


@pytest.fixture
def held(rt: Runtime) -> HeldConnections:
    postgresql_only(rt, "PostgreSQL only: SQLite's connections are checked out per request")
    return rt.webhook_connections


@contextmanager
def request(held: HeldConnections) -> Iterator[Connection]:
    """A request as the webhooks make one: the thread's connection, one transaction."""
    with held.connection() as conn, conn.begin():
        yield conn


def backend_of(conn: Connection) -> int:
    return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def checked_out(held: HeldConnections) -> int:
    return held.engine.pool.checkedout()  # type: ignore[attr-defined, no-any-return]


def test_a_thread_keeps_its_connection_from_request_to_request(held: HeldConnections) -> None:
    with request(held) as conn:
        first = backend_of(conn)
    assert checked_out(held) == 1  # kept, not back in the pool
    with request(held) as conn:
        assert backend_of(conn) == first


def test_each_thread_has_its_own(held: HeldConnections) -> None:
    backends: list[int] = []

    def one_request() -> None:
        with request(held) as conn:
            backends.append(backend_of(conn))

    one_request()
    thread = threading.Thread(target=one_request)
    thread.start()
    thread.join()
    assert len(set(backends)) == 2
    assert checked_out(held) == 2


def test_a_nested_request_gets_another_connection(held: HeldConnections) -> None:
    with request(held) as outer, request(held) as inner:
        assert backend_of(outer) != backend_of(inner)
    assert checked_out(held) == 1  # one of the two is kept


def test_after_an_error_the_next_request_gets_another_connection(
    held: HeldConnections,
) -> None:
    with request(held) as conn:
        before = conn
    with pytest.raises(ZeroDivisionError), request(held) as conn:
        assert conn is before
        1 / 0  # noqa: B018 - the request fails
    assert checked_out(held) == 0
    with request(held) as conn:
        assert conn is not before


def test_a_connection_left_in_a_transaction_is_not_kept(held: HeldConnections) -> None:
    with held.connection() as conn, begin_at_first_write(conn):
        conn.begin()  # never ended: late_begin's BEGIN stays open
        conn.execute(INSERT, {"name": "held-open"})
    assert checked_out(held) == 0  # given back: the pool rolled it back
    with request(held) as conn:
        found = conn.execute(text("SELECT count(*) FROM counters WHERE name = 'held-open'"))
        assert found.scalar_one() == 0


def test_a_transaction_begun_by_late_begin_and_committed_leaves_it_fit_to_keep(
    held: HeldConnections,
) -> None:
    with held.connection() as conn, begin_at_first_write(conn), conn.begin():
        conn.execute(INSERT, {"name": "held-late"})
        first = backend_of(conn)
    with request(held) as conn:
        assert backend_of(conn) == first
        info: Any = conn.connection.dbapi_connection.info  # type: ignore[union-attr]
        assert info.transaction_status == 0  # idle, the insert committed
        found = conn.execute(text("SELECT count(*) FROM counters WHERE name = 'held-late'"))
        assert found.scalar_one() == 1


def test_a_begin_sent_past_sqlalchemy_is_not_kept(held: HeldConnections) -> None:
    with held.connection() as conn:  # SQLAlchemy sees no transaction, PostgreSQL one
        conn.connection.dbapi_connection.execute("BEGIN")  # type: ignore[union-attr]
        assert not conn.in_transaction()
    assert checked_out(held) == 0


def test_close_gives_back_the_kept_ones_and_the_one_in_use_when_its_request_ends(
    held: HeldConnections,
) -> None:
    def other_thread() -> None:
        with request(held):
            pass

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert checked_out(held) == 1  # kept by the other thread
    with request(held) as conn:
        in_use = backend_of(conn)
        held.close()
        assert checked_out(held) == 1  # the other thread's is back, this one in use
        assert backend_of(conn) == in_use  # and usable until its request ends
    assert checked_out(held) == 0
    with request(held):
        pass
    assert checked_out(held) == 1


def test_a_connection_kept_by_an_ended_thread_is_taken_over(held: HeldConnections) -> None:
    backends: list[int] = []

    def one_request() -> None:
        with request(held) as conn:
            backends.append(backend_of(conn))

    for _ in range(20):  # a server that starts a thread per request
        thread = threading.Thread(target=one_request)
        thread.start()
        thread.join()
    assert set(backends) == {backends[0]}
    assert checked_out(held) == 1


def test_no_more_than_the_limit_are_kept(rt: Runtime) -> None:
    postgresql_only(rt, "PostgreSQL only: SQLite's connections are checked out per request")
    held = HeldConnections(rt.webhook_engine, limit=2)
    done = threading.Event()
    kept = threading.Barrier(4)

    def request_and_stay() -> None:
        with request(held):
            pass
        kept.wait(timeout=10)
        done.wait(timeout=10)

    threads = [threading.Thread(target=request_and_stay) for _ in range(3)]
    for thread in threads:
        thread.start()
    kept.wait(timeout=10)
    assert checked_out(held) == 2  # the third thread's went back to the pool
    done.set()
    for thread in threads:
        thread.join()
    held.close()
    assert checked_out(held) == 0
