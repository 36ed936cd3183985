"""A webhook's transaction on PostgreSQL begins at its first write, or not at all."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, Engine, select, text

from hotline.models import Counter
from hotline.runtime import Runtime
from ivr_flows.fastpath.statements import Prepared
from ivr_flows.fastpath.transactions import begin_at_first_write, single_write
from tests.conftest import postgresql_only

INSERT = text("INSERT INTO counters (name, value) VALUES (:name, 0)")
COUNT = text("SELECT count(*) FROM counters WHERE name LIKE 'late-%'")


@pytest.fixture
def pg(rt: Runtime) -> Runtime:
    return postgresql_only(rt, "PostgreSQL only: SQLite's driver begins at the first write itself")


@pytest.fixture(params=["engine", "webhook_engine"])
def engine(pg: Runtime, request: pytest.FixtureRequest) -> Engine:
    """The shared engine, whose connections switch to autocommit in the block, and the
    webhooks' own, whose connections read in autocommit for good."""
    return getattr(pg, request.param)  # type: ignore[no-any-return]


def in_transaction(conn: Connection) -> bool:
    return conn.connection.dbapi_connection.info.transaction_status != 0  # type: ignore[union-attr]


def others_see(rt: Runtime) -> int:
    with rt.engine.connect() as other:
        return int(other.execute(COUNT).scalar_one())


def test_reads_run_without_a_transaction_and_the_first_write_begins_one(
    pg: Runtime, engine: Engine
) -> None:
    with engine.connect() as conn, begin_at_first_write(conn), conn.begin():
        assert conn.execute(COUNT).scalar_one() == 0
        assert not in_transaction(conn)
        conn.execute(INSERT, {"name": "late-1"})
        assert in_transaction(conn)
        conn.execute(INSERT, {"name": "late-2"})
        assert others_see(pg) == 0  # not committed yet
    assert others_see(pg) == 2


def test_a_failing_block_leaves_nothing(pg: Runtime, engine: Engine) -> None:
    with (
        pytest.raises(ZeroDivisionError),
        engine.connect() as conn,
        begin_at_first_write(conn),
        conn.begin(),
    ):
        conn.execute(INSERT, {"name": "late-1"})
        raise ZeroDivisionError
    assert others_see(pg) == 0


def test_a_single_write_needs_no_transaction(pg: Runtime, engine: Engine) -> None:
    with engine.connect() as conn, begin_at_first_write(conn), conn.begin():
        conn.execute(COUNT)
        with single_write(conn) as alone:
            conn.execute(INSERT, {"name": "late-1"})
        assert alone  # the only statement of its transaction
        assert not in_transaction(conn)
        assert others_see(pg) == 1  # committed by itself
        with pytest.raises(RuntimeError, match="not atomic"), single_write(conn) as alone:
            assert not alone
            conn.execute(INSERT, {"name": "late-2"})
    assert others_see(pg) == 1


def test_a_single_write_after_other_writes_is_part_of_their_transaction(
    pg: Runtime, engine: Engine
) -> None:
    with engine.connect() as conn, begin_at_first_write(conn), conn.begin():
        conn.execute(INSERT, {"name": "late-1"})
        with single_write(conn) as alone:
            conn.execute(INSERT, {"name": "late-2"})
        assert not alone
        assert in_transaction(conn)
        assert others_see(pg) == 0
    assert others_see(pg) == 2


def test_select_for_update_begins_the_transaction(pg: Runtime, engine: Engine) -> None:
    with engine.connect() as conn, begin_at_first_write(conn), conn.begin():
        conn.execute(text("SELECT value FROM counters WHERE name = 'ticket' FOR UPDATE"))
        assert in_transaction(conn)  # the lock lasts until the end of the block


def test_outside_the_block_nothing_changes(pg: Runtime) -> None:
    with pg.engine.connect() as conn:
        with conn.begin():
            conn.execute(COUNT)
            assert in_transaction(conn)  # SQLAlchemy's usual BEGIN at the first statement
        with begin_at_first_write(conn), conn.begin():
            conn.execute(COUNT)
            assert not in_transaction(conn)
    with pg.engine.connect() as conn, conn.begin():  # the pooled connection is reset
        conn.execute(COUNT)
        assert in_transaction(conn)


def test_a_rollback_on_the_shared_pool_keeps_the_webhooks_prepared_statements(
    pg: Runtime,
) -> None:
    # psycopg deallocates every prepared statement of a connection at a ROLLBACK, and the
    # pages end their read-only requests with one: the webhooks have a pool of their own.
    statement = Prepared(select(Counter.value).where(Counter.name == "ticket"))
    prepared = text("SELECT count(*) FROM pg_prepared_statements")
    with pg.webhook_engine.connect() as conn:
        for _ in range(6):  # psycopg prepares a statement at its fifth run
            statement.scalar(conn)
        before = conn.execute(prepared).scalar_one()
    with pg.sessions() as session:  # a page: reads in a transaction, then rolls back
        session.scalar(select(Counter.value))
        session.rollback()
    with pg.webhook_engine.connect() as conn:
        assert conn.connection.dbapi_connection.autocommit  # type: ignore[union-attr]
        assert before >= 1
        assert conn.execute(prepared).scalar_one() == before
