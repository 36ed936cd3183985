"""Whole calls through a real server process on PostgreSQL: `hotline serve` (a thread per
request) and gunicorn with threads. What the webhooks keep between requests must come back
whatever server runs them, or the pool runs dry after a handful of requests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.models import Call
from hotline.runtime import Runtime
from ivr_flows.walker import HttpTransport, Walk, Walker
from tests.conftest import postgresql_only
from tests.factories import make_agent, make_customer
from tests.test_serve import free_port

BIN = Path(sys.executable).parent
FLAT_STATION = "+49304412345"
SECOND_LEVEL_STATION = "+49304498765"
ADMIN_MOBILE = "+491701234567"
HOTLINE_NUMBER = "+4930120045670"
ROUNDS = 10  # of the five calls below: 50 whole calls

# The five ordinary calls: caller, keys, whether agents are rung, the outcome.
CALLS = [
    (FLAT_STATION, ["1"], True, "agent"),
    (SECOND_LEVEL_STATION, [""], False, "sent_to_admin"),
    (SECOND_LEVEL_STATION, ["4711#", "2"], True, "agent"),
    (ADMIN_MOBILE, ["3"], True, "agent"),
    ("+4989111111", ["1001#", "2#", "2"], True, "agent"),
]


@pytest.fixture
def pg_url(rt: Runtime, session: Session, database_url: str) -> str:
    """A PostgreSQL database with a Flat and a Second Level customer and five agents."""
    postgresql_only(rt, "PostgreSQL only: SQLite's connections are not kept between requests")
    make_customer(session, stations={"1": [FLAT_STATION], "2": []})
    make_customer(
        session,
        customer="2001",
        name="Modehaus Schulz",
        plan="second_level",
        stations={"1": [SECOND_LEVEL_STATION]},
        admins=[("Frau Maier", [ADMIN_MOBILE], "4711")],
    )
    make_agent(session, "Anna", "+4915111111111")
    make_agent(session, "Ben", "client:ben")
    # As many agents as calls at a time: with the live queue, a caller who finds every
    # agent busy waits for the dispatcher, which needs Twilio's REST API.
    for n, name in enumerate(["Carla", "Dora", "Emil"], start=2):
        make_agent(session, name, f"+491511111111{n}")
    return database_url


def serving(command: list[str], url: str, cwd: Path, port: int) -> Iterator[str]:
    """Start `command` on `port` against `url`; yield its base URL; stop it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TWILIO_"))}
    env.update(
        HOTLINE_ENV="development",
        HOTLINE_NOW="2026-11-30T10:00:00+01:00",
        HOTLINE_DATABASE_URL=url,
        HOTLINE_NUMBER=HOTLINE_NUMBER,
    )
    server = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "the server did not answer within 60 s"
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.communicate(timeout=30)


def play_fifty_calls(base: str, session: Session) -> None:
    """Five callers at a time, each playing the five ordinary calls ten times over."""

    def caller(index: int) -> list[tuple[Walk, bool, str]]:
        number, keys, rings, outcome = CALLS[index]
        walks = []
        for _ in range(ROUNDS):
            walker = Walker(HttpTransport(None, timeout=15), base, number, keys=list(keys))
            walks.append((walker.run(), rings, outcome))
        return walks

    with ThreadPoolExecutor(len(CALLS)) as pool:
        results = [w for walks in pool.map(caller, range(len(CALLS))) for w in walks]

    assert len(results) == ROUNDS * len(CALLS)
    for walk, rings, _ in results:
        assert [e.status for e in walk.exchanges if e.status != 200] == [], walk.transcript
        assert walk.ended_by == "hangup", walk.transcript
        assert bool(walk.dialed) == rings, walk.transcript
    session.expire_all()
    outcomes = {
        sid: outcome for sid, outcome in session.execute(select(Call.call_sid, Call.outcome))
    }
    assert {walk.call_sid: outcome for walk, _, outcome in results} == outcomes
    ended = session.scalar(select(func.count()).where(Call.ended_at.is_not(None)))
    assert ended == ROUNDS * len(CALLS)


def test_fifty_whole_calls_through_hotline_serve(
    pg_url: str, session: Session, tmp_path: Path
) -> None:
    port = free_port()
    for base in serving(
        [str(BIN / "hotline"), "serve", "--port", str(port)], pg_url, tmp_path, port
    ):
        play_fifty_calls(base, session)


def test_fifty_whole_calls_through_gunicorn_with_threads(
    pg_url: str, session: Session, tmp_path: Path
) -> None:
    port = free_port()
    command = [
        str(BIN / "gunicorn"),
        "--workers", "1",
        "--threads", "4",
        "--bind", f"127.0.0.1:{port}",
        "hotline.app:create_app()",
    ]  # fmt: skip
    for base in serving(command, pg_url, tmp_path, port):
        play_fifty_calls(base, session)
