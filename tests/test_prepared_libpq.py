"""ivr_flows.fastpath.libpq: the webhooks' hot statements prepared once per PostgreSQL
connection and run through libpq, with psycopg's errors and SQLAlchemy's invalidation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import pytest
from sqlalchemy import Table, bindparam, insert, select, text
from sqlalchemy.exc import DBAPIError

from hotline.models import Call
from hotline.runtime import Runtime
from ivr_flows.fastpath import libpq
from ivr_flows.fastpath.statements import Prepared
from tests.conftest import postgresql_only

CALLS = cast(Table, Call.__table__)
BY_SID = Prepared(select(CALLS.c.id, CALLS.c.outcome).where(CALLS.c.call_sid == bindparam("sid")))
NAMES = text("SELECT name FROM pg_prepared_statements ORDER BY name")


@pytest.fixture
def pg(rt: Runtime) -> Runtime:
    return postgresql_only(rt, "PostgreSQL only")


def test_binds_are_numbered_once_each_and_a_literal_percent_is_plain_again() -> None:
    statement = libpq.statement("SELECT %(a)s, %(b)s::VARCHAR, %(a)s WHERE x LIKE 'x%%'")
    assert statement.sql == b"SELECT $1, $2::VARCHAR, $1 WHERE x LIKE 'x%'"
    assert statement.binds == ("a", "b")
    assert statement.name != libpq.statement("SELECT 1").name


def test_only_the_webhooks_connections_run_statements_through_libpq(pg: Runtime) -> None:
    with pg.webhook_engine.connect() as conn:
        assert libpq.usable(conn.connection.dbapi_connection)
        assert BY_SID.first(conn, {"sid": "CA-none"}) is None
        assert BY_SID.first(conn, {"sid": "CA-other"}) is None
        # One prepared statement, under this module's name, and none of psycopg's own.
        assert conn.execute(NAMES).scalars().all() == [
            BY_SID._compiled[("postgresql", frozenset({"sid"}))].libpq.name.decode()  # type: ignore[union-attr]
        ]
    with pg.engine.connect() as conn:  # psycopg prepares here itself, and may deallocate
        assert not libpq.usable(conn.connection.dbapi_connection)


def test_a_statement_deallocated_behind_its_back_is_prepared_again(pg: Runtime) -> None:
    with pg.webhook_engine.connect() as conn:
        assert BY_SID.first(conn, {"sid": "CA-none"}) is None
        conn.exec_driver_sql("DEALLOCATE ALL")
        assert BY_SID.first(conn, {"sid": "CA-none"}) is None
        assert len(conn.execute(NAMES).all()) == 1


def test_errors_are_psycopgs_as_sqlalchemy_wraps_them(pg: Runtime) -> None:
    row = {
        "call_sid": "CA-twice",
        "direction": "inbound",
        "from_raw": "",
        "caller_e164": None,
        "started_at": datetime(2026, 11, 30, 9, tzinfo=UTC),
        "pin_failures": 0,
        "identify_failures": 0,
    }
    add = Prepared(insert(CALLS))
    with pg.webhook_engine.connect() as conn:
        assert add.rowcount(conn, row) == 1
        with pytest.raises(DBAPIError) as raised:
            add.rowcount(conn, row)
    assert type(raised.value).__name__ == "IntegrityError"
    assert type(raised.value.orig).__name__ == "UniqueViolation"
    assert not raised.value.connection_invalidated


def test_a_terminated_backend_invalidates_the_connection(pg: Runtime) -> None:
    with pg.webhook_engine.connect() as conn:
        assert BY_SID.first(conn, {"sid": "CA-none"}) is None
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        with pg.engine.begin() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(DBAPIError) as raised:
            BY_SID.first(conn, {"sid": "CA-none"})
    assert raised.value.connection_invalidated
    with pg.webhook_engine.connect() as conn:  # a new connection prepares it anew
        assert BY_SID.first(conn, {"sid": "CA-none"}) is None
