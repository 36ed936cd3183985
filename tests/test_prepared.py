"""Prepared statements behave like SQLAlchemy's own path, on both databases: on PostgreSQL
through psycopg's cursors (the shared pool) and through libpq directly (the webhooks')."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import cast

import pytest
from sqlalchemy import Connection, Engine, Table, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from hotline.models import Call, Counter
from hotline.runtime import Runtime
from ivr_flows.fastpath.statements import Prepared
from ivr_flows.fastpath.transactions import begin_at_first_write
from tests.conftest import postgresql_only

CALLS = cast(Table, Call.__table__)
COUNTERS = cast(Table, Counter.__table__)
BERLIN = timezone(timedelta(hours=1))
INSERT = Prepared(insert(CALLS).returning(CALLS.c.id, CALLS.c.started_at))
BY_SID = Prepared(select(CALLS).where(CALLS.c.call_sid == bindparam("sid")))


@pytest.fixture(params=["engine", "webhook_engine"])
def engine(rt: Runtime, request: pytest.FixtureRequest) -> Engine:
    """The shared engine and the webhooks' (on SQLite the same one)."""
    if request.param == "webhook_engine" and rt.webhook_engine is rt.engine:
        pytest.skip("SQLite: the webhooks use the shared engine")
    return getattr(rt, request.param)  # type: ignore[no-any-return]


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction as a webhook has it (the webhooks' engine is in autocommit)."""
    with engine.connect() as conn, begin_at_first_write(conn), conn.begin():
        yield conn


def _call(sid: str, started: datetime) -> dict[str, object]:
    return {
        "call_sid": sid,
        "direction": "inbound",
        "from_raw": "+49301234567",
        "caller_e164": "+49301234567",
        "started_at": started,
        "pin_failures": 0,
        "identify_failures": 0,
    }


def test_insert_returning_and_select_give_what_sqlalchemy_gives(
    rt: Runtime, engine: Engine
) -> None:
    started = datetime(2026, 11, 30, 10, 0, 0, 123456, tzinfo=BERLIN)
    with transaction(engine) as conn:
        call_id, stored_start = INSERT.rows(conn, _call("CA1", started))[0]
        mine = BY_SID.first(conn, {"sid": "CA1"})
    # Times are stored in UTC and come back aware, exactly as through the ORM.
    assert stored_start == started and stored_start.tzinfo is UTC
    with rt.sessions() as session:
        call = session.scalars(select(Call)).one()
        assert call.id == call_id and call.started_at == started
    assert mine is not None
    assert mine["id"] == call_id and mine["started_at"] == started
    assert mine["call_sid"] == "CA1" and mine["outcome"] is None
    with rt.engine.connect() as conn:
        through_sqlalchemy = conn.execute(select(CALLS)).mappings().one()
    assert mine == dict(through_sqlalchemy)
    with engine.connect() as conn:
        assert BY_SID.first(conn, {"sid": "CA-unknown"}) is None


def test_literals_in_the_statement_rowcount_and_scalar(rt: Runtime, engine: Engine) -> None:
    bump = Prepared(
        update(COUNTERS)
        .where(COUNTERS.c.name == "ticket")
        .values(value=COUNTERS.c.value + 1)
        .returning(COUNTERS.c.value)
    )
    ended = Prepared(
        update(CALLS)
        .where(CALLS.c.call_sid == bindparam("sid"))
        .values(outcome=func.coalesce(CALLS.c.outcome, "hung_up"))
    )
    with transaction(engine) as conn:
        first = bump.scalar(conn)
        assert bump.scalar(conn) == first + 1
        INSERT.rows(conn, _call("CA2", datetime(2026, 11, 30, 9, tzinfo=UTC)))
        assert ended.rowcount(conn, {"sid": "CA2"}) == 1
        assert ended.rowcount(conn, {"sid": "CA-none"}) == 0
        assert BY_SID.first(conn, {"sid": "CA2"})["outcome"] == "hung_up"  # type: ignore[index]


def test_errors_are_sqlalchemys_and_roll_back_the_transaction(rt: Runtime, engine: Engine) -> None:
    started = datetime(2026, 11, 30, 9, tzinfo=UTC)
    with transaction(engine) as conn:
        INSERT.rows(conn, _call("CA3", started))
    with pytest.raises(IntegrityError), transaction(engine) as conn:
        INSERT.rows(conn, _call("CA4", started))
        INSERT.rows(conn, _call("CA3", started))  # call_sid is unique
    with engine.connect() as conn:
        assert BY_SID.first(conn, {"sid": "CA4"}) is None  # rolled back with the transaction


def test_an_insert_must_name_every_column_with_a_default(rt: Runtime, engine: Engine) -> None:
    partial = {"call_sid": "CA5", "started_at": datetime(2026, 11, 30, 9, tzinfo=UTC)}
    with pytest.raises(ValueError, match="defaults are not applied"), transaction(engine) as conn:
        Prepared(insert(CALLS)).rowcount(conn, partial)


def test_a_parameter_named_like_a_column_of_a_with_stays_a_parameter(
    rt: Runtime, engine: Engine
) -> None:
    """Only the INSERT's own columns come from the parameter names, not its WITHs' tables."""
    postgresql_only(rt, "a WITH that writes is PostgreSQL's")
    started = datetime(2026, 11, 30, 9, tzinfo=UTC)
    ended = (
        update(CALLS)
        .where(CALLS.c.call_sid == bindparam("sid"))
        .values(outcome=bindparam("new_outcome"))
        .cte("ended")
    )
    bump = Prepared(
        update(COUNTERS)
        .where(COUNTERS.c.name == "ticket")
        .values(value=COUNTERS.c.value + 1)
        .add_cte(ended)
    )
    with transaction(engine) as conn:
        INSERT.rows(conn, _call("CA6", started))
        # "caller_e164" is a column of calls: it must not become a SET of the WITH.
        params = {"sid": "CA6", "new_outcome": "agent", "caller_e164": "+49000"}
        assert bump.rowcount(conn, params) == 1
        row = BY_SID.first(conn, {"sid": "CA6"})
    assert row is not None
    assert (row["outcome"], row["caller_e164"]) == ("agent", "+49301234567")
