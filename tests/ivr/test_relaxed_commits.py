"""hotline.relaxed_commit: a call's progress commits without waiting for the disk (PostgreSQL),
and nothing else does: not a new call, a ticket, a callback or a PIN attempt."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, text, update

from hotline.clock import FixedClock
from hotline.models import Agent, table_of
from hotline.relaxed_commit import relaxed_commit
from hotline.runtime import Runtime
from tests.conftest import berlin
from tests.ivr.conftest import Phone

STATION = "+49304412345"
ADMIN_MOBILE = "+491719876543"
MARK = "set_config"


def postgresql_only(rt: Runtime) -> None:
    if rt.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL: SQLite's commits are left as they are")


def test_the_condition_turns_synchronous_commit_off_for_its_own_transaction_only(
    rt: Runtime, agents: list[Agent]
) -> None:
    postgresql_only(rt)
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


class Requests:
    """The SQL statements of every request to the app, in order."""

    def __init__(self, app: Flask, rt: Runtime) -> None:
        self.sent: list[tuple[str, list[str]]] = []
        inner = app.wsgi_app

        def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            self.sent.append((environ.get("PATH_INFO", ""), []))
            return inner(environ, start_response)

        app.wsgi_app = counted  # type: ignore[method-assign]
        for engine in {rt.engine, rt.webhook_engine}:
            event.listen(engine, "before_cursor_execute", self._note)

    def _note(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.sent:
            self.sent[-1][1].append(statement)

    def relaxed(self) -> list[str]:
        """The paths of the requests that relaxed a commit."""
        return [path for path, statements in self.sent if any(MARK in s for s in statements)]


def writes(statements: list[str]) -> list[str]:
    return [s for s in statements if not s.lstrip().upper().startswith(("SELECT", "SHOW"))]


def test_an_open_hours_call_relaxes_its_progress_and_not_its_start(
    app: Flask, rt: Runtime, phone: Phone, customers, agents
) -> None:
    postgresql_only(rt)
    customers(stations={"1": [STATION]})
    requests = Requests(app, rt)
    walk = phone.call(STATION, ["1"])
    assert walk.dialed
    # The call and its ticket wait for the disk; the key, the dial result and the status
    # Twilio reports do not.
    assert requests.relaxed() == ["/voice/menu/choice", "/voice/dial-result", "/voice/status"]


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
def test_a_relaxed_commit_is_the_only_write_of_its_request_and_never_creates_anything(
    app: Flask,
    rt: Runtime,
    phone: Phone,
    customers,
    agents,
    clock: FixedClock,
    keys: list[str],
    at: Any,
    dial_result: str,
) -> None:
    customers(stations={"1": [STATION]})
    clock.set(at)
    requests = Requests(app, rt)
    phone.call(STATION, keys, dial_result=dial_result)
    if rt.engine.dialect.name != "postgresql":
        assert requests.relaxed() == []
        return
    assert requests.relaxed(), "no step relaxed its commit"
    for path, statements in requests.sent:
        written = writes(statements)
        if any(MARK in s for s in statements):
            assert written == [s for s in statements if MARK in s], (path, statements)
            assert "INSERT INTO calls" not in written[0], path
            assert "INSERT INTO tickets" not in written[0], path
        for created in ("INSERT INTO callbacks", "INSERT INTO tickets", "INSERT INTO calls"):
            if any(created in s for s in written):
                assert not any(MARK in s for s in written), (path, created)
    assert any(
        "INSERT INTO callbacks" in s for _path, statements in requests.sent for s in statements
    ) == (keys != ["1"])


def test_pin_attempts_are_not_relaxed(app: Flask, rt: Runtime, phone: Phone, customers) -> None:
    postgresql_only(rt)
    customers(
        customer="2001",
        plan="second_level",
        stations={"1": [STATION]},
        admins=[("Frau Maier", [ADMIN_MOBILE], "4711")],
    )
    requests = Requests(app, rt)
    phone.call(STATION, ["1111#", "2222#", "3333#"])
    pins = [
        (path, statements)
        for path, statements in requests.sent
        if any("INSERT INTO pin_attempts" in s for s in statements)
    ]
    assert len(pins) == 3
    for path, statements in pins:
        assert not any(MARK in s for s in statements), path
