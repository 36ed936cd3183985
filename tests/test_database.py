"""Schema and migrations, UTC timestamps, and ticket numbers, on every test database."""

from __future__ import annotations

import threading
import warnings
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask.testing import FlaskCliRunner
from sqlalchemy import inspect, select

from hotline.db import SQLITE_MMAP_BYTES, migrate
from hotline.models import Base, Call, Ticket
from hotline.runtime import Runtime
from hotline.tickets import open_ticket


def test_migrations_match_the_models(rt: Runtime) -> None:
    with rt.engine.connect() as connection, warnings.catch_warnings():
        # SQLite's reflection skips the lower(email) indexes of the mail matching.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_init_db_is_repeatable(rt: Runtime, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "database ready" in result.output
    migrate(rt.engine)
    tables = set(inspect(rt.engine).get_table_names())
    assert {"customers", "contracts", "stations", "callbacks", "tickets", "calls"} <= tables


def test_timestamps_are_stored_in_utc_and_come_back_aware(rt: Runtime) -> None:
    berlin_winter = datetime(2026, 11, 30, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    with rt.sessions() as session:
        session.add(Call(call_sid="CA1", from_raw="+4930", started_at=berlin_winter))
        session.commit()
    with rt.sessions() as session:
        call = session.scalars(select(Call)).one()
        assert call.started_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
        assert call.started_at.tzinfo is not None


def test_ticket_numbers_are_sequential_and_unique_under_concurrency(rt: Runtime) -> None:
    now = rt.clock.now()
    numbers: list[int] = []
    errors: list[BaseException] = []

    def open_some() -> None:
        try:
            for _ in range(10):
                with rt.sessions() as session, session.begin():
                    numbers.append(open_ticket(session, now=now, contract_id=None).number)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_some) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == list(range(100001, 100041))


def test_one_ticket_per_call(rt: Runtime) -> None:
    now = rt.clock.now()
    with rt.sessions() as session, session.begin():
        call = Call(call_sid="CA2", from_raw="anonymous", started_at=now)
        session.add(call)
        session.flush()
        first = open_ticket(session, now=now, contract_id=None, call_id=call.id)
        again = open_ticket(session, now=now, contract_id=None, call_id=call.id)
        assert first.id == again.id
    with rt.sessions() as session:
        assert len(session.scalars(select(Ticket)).all()) == 1


def test_sqlite_connections_read_the_file_through_a_memory_map(rt: Runtime) -> None:
    if rt.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite setting")
    with rt.webhook_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() == SQLITE_MMAP_BYTES
