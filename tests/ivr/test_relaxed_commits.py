"""ivr_flows.fastpath.transactions.relaxed_commit: a call's progress commits without waiting
for the disk (PostgreSQL and SQLite), and nothing else does: not a new call, a ticket, a
callback or a PIN attempt."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, text, update

from hotline.clock import FixedClock
from hotline.models import Agent, table_of
from hotline.runtime import Runtime
from ivr_flows.fastpath.transactions import relaxed_commit
from tests.conftest import berlin, postgresql_only
from tests.ivr.conftest import Phone

STATION = "+49304412345"
ADMIN_MOBILE = "+491719876543"
MARK = "set_config"
WRITES = ("INSERT", "UPDATE", "DELETE", "WITH")


def test_the_condition_turns_synchronous_commit_off_for_its_own_transaction_only(
    rt: Runtime, agents: list[Agent]
) -> None:
    postgresql_only(rt, "PostgreSQL: SQLite relaxes its commits without SQL")
    agents_table = table_of(Agent)
    with rt.engine.connect() as conn:
        with conn.begin():
            conn.execute(
                update(agents_table)
                .where(agents_table.c.id == agents[0].id, relaxed_commit())
                .values(name="Anna")
            )
            assert conn.scalar(text("SHOW synchronous_commit")) == "off"
        assert conn.scalar(text("SHOW synchronous_commit")) == "on"
        conn.rollback()
        with conn.begin():  # no row matched: nothing written, nothing relaxed
            conn.execute(
                update(agents_table)
                .where(agents_table.c.id == -1, relaxed_commit())
                .values(name="")
            )
            assert conn.scalar(text("SHOW synchronous_commit")) == "on"


@dataclass
class Request:
    path: str
    statements: list[str] = field(default_factory=list)
    syncs: int = 0  # fdatasyncs of SQLite's write-ahead log (ivr_flows/fastpath/sqlite_writers.py)

    @property
    def writes(self) -> list[str]:
        return [s for s in self.statements if s.lstrip().upper().startswith(WRITES)]

    def relaxed(self, dialect: str) -> bool:
        """Whether a commit of this request did not wait for the disk."""
        if dialect == "postgresql":
            return any(MARK in s for s in self.statements)
        return bool(self.writes) and self.syncs == 0


class Requests:
    """The SQL statements and log syncs of every request to the app, in order."""

    def __init__(self, app: Flask, rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
        self.dialect = rt.engine.dialect.name
        self.sent: list[Request] = []
        inner = app.wsgi_app

        def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            self.sent.append(Request(environ.get("PATH_INFO", "")))
            return inner(environ, start_response)

        app.wsgi_app = counted  # type: ignore[method-assign]
        for engine in {rt.engine, rt.webhook_engine}:
            event.listen(engine, "before_cursor_execute", self._note)
        sync = os.fdatasync

        def counted_sync(fd: int) -> None:
            if self.sent:
                self.sent[-1].syncs += 1
            sync(fd)

        monkeypatch.setattr(os, "fdatasync", counted_sync)

    def _note(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.sent:
            self.sent[-1].statements.append(statement)

    def relaxed(self) -> list[str]:
        """The paths of the requests that relaxed a commit."""
        return [r.path for r in self.sent if r.relaxed(self.dialect)]


def test_an_open_hours_call_relaxes_its_progress_and_not_its_start(
    app: Flask, rt: Runtime, phone: Phone, customers, agents, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers(stations={"1": [STATION]})
    requests = Requests(app, rt, monkeypatch)
    walk = phone.call(STATION, ["1"])
    assert walk.dialed
    # The call and its ticket wait for the disk; the key, the dial result and the status
    # Twilio reports do not.
    assert requests.relaxed() == ["/voice/menu/choice", "/voice/dial-result", "/voice/status"]
    if rt.engine.dialect.name == "sqlite":
        assert requests.sent[0].syncs == 1  # the call's start is on disk before Twilio hears


@pytest.mark.parametrize(
    ("keys", "at", "dial_result"),
    [
        (["1"], berlin(2026, 11, 30, 10, 0), "completed"),  # to the agents
        (["1", "1", ""], berlin(2026, 11, 28, 20, 0), "completed"),  # closed: callback
        (["1", "2", "01711234567#", "1", "Kasse"], berlin(2026, 11, 28, 20, 0), "completed"),
        (["2", "1", ""], berlin(2026, 11, 30, 10, 0), "no-answer"),  # nobody answered
    ],
    ids=["agents", "closed-callback", "closed-other-number", "no-answer-callback"],
)
def test_a_relaxed_commit_never_creates_anything(
    app: Flask,
    rt: Runtime,
    phone: Phone,
    customers,
    agents,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    keys: list[str],
    at: Any,
    dial_result: str,
) -> None:
    customers(stations={"1": [STATION]})
    clock.set(at)
    requests = Requests(app, rt, monkeypatch)
    phone.call(STATION, keys, dial_result=dial_result)
    assert requests.relaxed(), "no step relaxed its commit"
    dialect = rt.engine.dialect.name
    created = ("INSERT INTO callbacks", "INSERT INTO tickets", "INSERT INTO calls")
    for request in requests.sent:
        if any(new in s for s in request.writes for new in created):
            assert not request.relaxed(dialect), (request.path, request.writes)
        if dialect == "postgresql" and request.relaxed(dialect):
            # One statement without BEGIN: the setting concerns nothing else.
            assert len(request.writes) == 1, (request.path, request.statements)
            assert MARK in request.writes[0]
    made_callback = any("INSERT INTO callbacks" in s for r in requests.sent for s in r.writes)
    assert made_callback == (keys != ["1"])


def test_pin_attempts_are_not_relaxed(
    app: Flask, rt: Runtime, phone: Phone, customers, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers(
        customer="2001",
        plan="second_level",
        stations={"1": [STATION]},
        admins=[("Frau Maier", [ADMIN_MOBILE], "4711")],
    )
    requests = Requests(app, rt, monkeypatch)
    phone.call(STATION, ["1111#", "2222#", "3333#"])
    pins = [r for r in requests.sent if any("INSERT INTO pin_attempts" in s for s in r.writes)]
    assert len(pins) == 3
    for request in pins:
        assert not request.relaxed(rt.engine.dialect.name), request.path
