"""The database fails in the middle of a call: callers still reach the agents or the
fallback numbers, or leave a recorded message; Twilio never sees a 5xx.

SQLite: the file locked by another connection's EXCLUSIVE transaction, or removed.
PostgreSQL: the runtime pointed at a closed port, and its backends terminated with
pg_terminate_backend between two steps and inside a step.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, event, func, make_url, select, text
from sqlalchemy.orm import Session

from hotline.models import Call, Ticket
from hotline.runtime import Runtime
from ivr_flows import routing
from ivr_flows.walker import FlaskTransport, Walk, Walker
from tests.callbacks.conftest import AUTH_TOKEN, PUBLIC_URL, free_port
from tests.conftest import postgresql_only
from tests.factories import make_agent, make_customer
from tests.ivr.conftest import check_twiml
from tests.reliability.conftest import FALLBACK, Figures

STATION = "+49304412345"
AGENTS = ["+4915111111111", "client:ben"]
# Twilio gives a webhook 15 s; the fault tests give a locked SQLite file one second
# (the product waits up to hotline.db.SQLITE_LOCK_WAIT_SECONDS) so the suite stays quick.
BUSY_MS = 1000


@pytest.fixture
def line(session: Session) -> None:
    """A Support Flat customer whose register calls from STATION, two available agents."""
    make_customer(session, stations={"1": [STATION]})
    make_agent(session, "Anna", AGENTS[0])
    make_agent(session, "Ben", AGENTS[1])


class Injecting(FlaskTransport):
    """Signed requests through the test client; `after(n)` runs after the n-th answer."""

    def __init__(self, app: Flask, after: Callable[[int], None]) -> None:
        super().__init__(app, AUTH_TOKEN)
        self.after = after
        self.answers = 0

    def post(self, url: str, params: dict[str, str]) -> tuple[int, str]:
        answer = super().post(url, params)
        self.answers += 1
        self.after(self.answers)
        return answer


def play(app: Flask, keys: list[str], after: Callable[[int], None] = lambda n: None) -> Walk:
    walker = Walker(Injecting(app, after), PUBLIC_URL, STATION, to="+4930120045670", keys=keys)
    walk = walker.run()
    for exchange in walk.exchanges:
        assert exchange.status == 200, (exchange.url, exchange.status, exchange.body)
        check_twiml(exchange.body)
    return walk


def reached_someone(walk: Walk) -> bool:
    """Agents or fallback numbers rang, or the caller could leave a message."""
    return bool(walk.dialed) or "Signalton" in walk.heard()


def short_busy_timeout(rt: Runtime) -> None:
    @event.listens_for(rt.engine, "connect")
    def _busy(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_MS}")

    rt.engine.dispose()


def sqlite_only(rt: Runtime) -> str:
    if rt.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite fault")
    path = rt.engine.url.database
    assert path
    return path


def postgres_only(rt: Runtime) -> str:
    postgresql_only(rt, "a PostgreSQL fault")
    return rt.engine.url.render_as_string(hide_password=False)


def counts(rt: Runtime) -> tuple[int, int]:
    with rt.sessions() as s:
        return (
            s.scalar(select(func.count()).select_from(Call)) or 0,
            s.scalar(select(func.count()).select_from(Ticket)) or 0,
        )


# --- SQLite ---------------------------------------------------------------------------


@pytest.fixture
def exclusive_lock(rt: Runtime) -> Iterator[Callable[[], None]]:
    """Takes an EXCLUSIVE transaction on the database file from another connection."""
    path = sqlite_only(rt)
    holder = sqlite3.connect(path, timeout=5, isolation_level=None)
    held = []

    def take() -> None:
        if not held:
            holder.execute("BEGIN EXCLUSIVE")
            held.append(True)

    yield take
    if held:
        holder.execute("ROLLBACK")
    holder.close()


@pytest.mark.parametrize("after_step", [0, 1, 2])
def test_sqlite_locked_mid_call(
    app: Flask,
    rt: Runtime,
    line: None,
    exclusive_lock: Callable[[], None],
    figures: Figures,
    after_step: int,
) -> None:
    short_busy_timeout(rt)
    if after_step == 0:
        exclusive_lock()
    fault = figures.fault("SQLite file locked (EXCLUSIVE) mid-call")
    walk = play(app, ["1"], after=lambda n: exclusive_lock() if n == after_step else None)
    assert reached_someone(walk), walk.transcript
    assert [FALLBACK] in walk.dialed or walk.dialed == [AGENTS], walk.dialed
    fault.survived()


def test_sqlite_lock_released_the_next_call_is_normal_again(
    app: Flask, rt: Runtime, line: None, figures: Figures
) -> None:
    path = sqlite_only(rt)
    short_busy_timeout(rt)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    fault = figures.fault("SQLite file locked, then released")
    walk = play(app, ["1"])
    assert walk.dialed == [[FALLBACK]]
    holder.execute("ROLLBACK")
    holder.close()
    walk = play(app, ["1"])
    assert walk.dialed == [AGENTS]
    assert counts(rt) == (1, 1)  # the call during the lock could not be stored
    fault.survived()


@pytest.mark.parametrize("after_step", [0, 1, 2])
def test_sqlite_file_removed_mid_call(
    app: Flask, rt: Runtime, line: None, figures: Figures, after_step: int
) -> None:
    path = sqlite_only(rt)

    def remove(n: int) -> None:
        if n == after_step:
            rt.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(path + suffix).unlink(missing_ok=True)

    remove(0)
    fault = figures.fault("SQLite file removed mid-call")
    walk = play(app, ["1"], after=remove)
    assert reached_someone(walk), walk.transcript
    assert [FALLBACK] in walk.dialed or walk.dialed == [AGENTS], walk.dialed
    fault.survived()
    if os.path.exists(path):  # SQLite re-created an empty file: no tables in it
        with sqlite3.connect(path) as probe:
            assert probe.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)


def test_sqlite_gone_while_leaving_a_callback_request(
    app: Flask, rt: Runtime, line: None, figures: Figures, tmp_path: Path
) -> None:
    """Out of hours the caller is in the callback flow when the database goes away."""
    sqlite_only(rt)
    rt.clock.set(rt.clock.now().replace(hour=22))  # type: ignore[attr-defined]

    def gone(n: int) -> None:
        if n == 3:
            rt.use_database(f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}")

    fault = figures.fault("SQLite gone during the callback request")
    walk = play(app, ["1", "1", "1", "Kasse 2 startet nicht"], after=gone)
    assert reached_someone(walk), walk.transcript
    fault.survived()


# --- PostgreSQL -----------------------------------------------------------------------


def named_url(url: str) -> tuple[str, str]:
    """The URL with an application_name of its own: terminate only our connections."""
    name = f"hotline_fault_{uuid.uuid4().hex[:10]}"
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}application_name={name}", name


def terminate(admin_url: str, name: str) -> int:
    engine = create_engine(admin_url)
    with engine.begin() as connection:
        killed = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        ).scalar_one()
    engine.dispose()
    return int(killed)


@pytest.mark.parametrize("after_step", [0, 1, 2])
def test_postgres_connection_refused_mid_call(
    app: Flask, rt: Runtime, line: None, figures: Figures, after_step: int
) -> None:
    url = postgres_only(rt)
    closed = make_url(url).set(port=free_port()).render_as_string(hide_password=False)

    def refuse(n: int) -> None:
        if n == after_step:
            rt.use_database(closed)

    refuse(0)
    fault = figures.fault("PostgreSQL connection refused mid-call")
    walk = play(app, ["1"], after=refuse)
    assert reached_someone(walk), walk.transcript
    assert [FALLBACK] in walk.dialed or walk.dialed == [AGENTS], walk.dialed
    fault.survived()


def test_postgres_backends_terminated_between_steps(
    app: Flask, rt: Runtime, line: None, figures: Figures
) -> None:
    """The call goes on as if nothing happened: the webhooks (not pinged) retry once on a dead
    connection, and everything else (here: counts) gets a pinged one."""
    url = postgres_only(rt)
    mine, name = named_url(url)
    rt.use_database(mine)
    killed: list[int] = []
    fault = figures.fault("PostgreSQL backends terminated between steps")
    walk = play(app, ["1"], after=lambda n: killed.append(terminate(url, name)))
    assert sum(killed) >= 1, "no backend of the hotline was terminated"
    assert walk.dialed == [AGENTS]
    assert counts(rt) == (1, 1)
    fault.survived()


def test_postgres_backend_terminated_inside_a_step(
    app: Flask, rt: Runtime, line: None, figures: Figures, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres_only(rt)
    mine, name = named_url(url)
    rt.use_database(mine)
    real_route = routing.route

    def route_after_termination(step: Any, response: Any, category: Any) -> Any:
        step.session.execute(text("SELECT 1"))  # the step's connection is in use
        assert terminate(url, name) >= 1
        return real_route(step, response, category)

    monkeypatch.setattr(routing, "route", route_after_termination)
    fault = figures.fault("PostgreSQL backend terminated inside a step")
    walk = play(app, ["1"])
    assert walk.dialed == [[FALLBACK]], walk.transcript
    monkeypatch.setattr(routing, "route", real_route)
    walk = play(app, ["1"])  # the next call finds a healthy pool
    assert walk.dialed == [AGENTS]
    fault.survived()
